"""Builders for the quick lane: a shop (tests/repair/builders.py) with a 5,000 km package and the technician
on shift; opening lane orders at the promise the desk quotes."""
from __future__ import annotations

from datetime import timedelta

from dealer.quicklane import services
from dealer.repair import services as repair
from tests.factories import VehicleFactory
from tests.helpers import NOW


def build_package(shop, *, price_fen=39_900, bay_minutes=30, wash_minutes=15, oil_quantity=4500, code="Q5K"):
    """Oil 4.5 l + oil filter + oil service labor 0.5 h, at `price_fen` (list price 4.5 x 68 + 45.60 + 60 = 411.60)."""
    return services.save_package(shop.store.id, services.PackageInput(
        code=code, name="5000公里保养", price_fen=price_fen, bay_minutes=bay_minutes, wash_minutes=wash_minutes,
        interval_km=5000, items=[
            services.ItemInput(kind="parts", part_id=shop.oil.id, quantity=oil_quantity),
            services.ItemInput(kind="parts", part_id=shop.filter.id, quantity=1000),
            services.ItemInput(kind="labor", operation_id=shop.oil_service.id, hours=50)]),
        actor=shop.manager, now=NOW)


def on_shift(shop, *users):
    for user in users or (shop.technician_user,):
        services.set_shift(shop.store.id, user_id=user.id, on_shift=True, actor=shop.manager, now=NOW)


def new_car(shop):
    return VehicleFactory(owner__store=shop.store, store=shop.store, model_family="compact", odometer_km=20_000)


def take_key(shop, package, vehicle=None, *, key_tag="K1", now=NOW):
    """Quote, then open at the quoted promise (the owner agrees)."""
    vehicle = vehicle or new_car(shop)
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=now)
    return services.open_lane_order(vehicle.id, services.LaneInput(
        package_id=package.id, key_tag=key_tag, promised_at=offer.promised_at), actor=shop.advisor, now=now)


def minutes(n: int):
    return NOW + timedelta(minutes=n)


def settle(shop, lane, *, now=NOW):
    """The cashier settles the lane order in cash, at its price now (the normal settlement)."""
    order = repair.get_order(lane.repair_order_id, actor=shop.cashier)
    total = repair.price(order).total_fen
    return repair.settle(order.id, [repair.PaymentInput(method="cash", amount_fen=total)], actor=shop.cashier,
                         now=now)


def to_ready(shop, lane, *, now=NOW):
    """The technician takes the car through the bay and the wash; the advisor signs it ready (终检)."""
    tech = shop.technician_user.id
    lane = services.move(lane.id, to_stage="in_bay", version=lane.version, bay=1, technician_id=tech,
                         actor=shop.technician, now=now)
    if lane.wash_minutes:
        lane = services.move(lane.id, to_stage="washing", version=lane.version, actor=shop.technician, now=now)
    return services.move(lane.id, to_stage="ready", version=lane.version, actor=shop.advisor, now=now)
