"""Builders for repair orders: a store with labor rates, operations and parts in stock, a car, its staff;
orders opened, approved, finished and paid for through the services.

The `shop` fixture (tests/repair/conftest.py) is `build_shop` of the test's store and staff.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair import services
from dealer.repair.models import LABOR_CATEGORIES, LaborOperation, LaborOperationHours, LaborRate
from dealer.repair.services import ApprovalInput, LineInput, OrderInput, PaymentInput, QualityCheckInput
from tests.factories import VehicleFactory
from tests.helpers import NOW, actor

PROMISE = NOW + timedelta(hours=4)
# A 1x1 transparent PNG: what the signature pad sends, decoded.
TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
                         "ff3f0005fe02fea7d6a4a40000000049454e44ae426082")


@dataclass
class Shop:
    store: object
    vehicle: object
    advisor: object  # Actors
    technician: object
    technician_user: object
    cashier: object
    clerk: object
    manager: object
    oil_service: LaborOperation
    brakes: LaborOperation
    oil: Part
    filter: Part
    aftermarket_pads: Part


def build_shop(store, staff) -> Shop:
    """Labor rates, two operations, three parts in stock and a car for `store`; `staff` by role (flushed)."""
    for category in LABOR_CATEGORIES:
        db.session.add(LaborRate(store_id=store.id, category=category, rate_fen=12000))
    oil_service = LaborOperation(store_id=store.id, code="MAINT-OIL", name="更换机油机滤", category="maintenance",
                                 hours=50)
    brakes = LaborOperation(store_id=store.id, code="BRK-FRONT", name="更换前刹车片", category="mechanical",
                            hours=120)
    db.session.add_all([oil_service, brakes])
    db.session.flush()
    db.session.add(LaborOperationHours(operation_id=brakes.id, model_family="midsize", store_id=store.id, hours=150))
    oil = Part(store_id=store.id, part_number="G052195M4", name="大众原厂机油 5W-40", unit="升", price_fen=6800,
               cost_fen=4000, on_hand=20_000, reserved=0, reorder_level=5_000)
    oil_filter = Part(store_id=store.id, part_number="06L115562B", name="机油滤清器", unit="个", price_fen=4560,
                      cost_fen=2500, on_hand=3_000, reserved=0, reorder_level=1_000)
    pads = Part(store_id=store.id, part_number="AM-PAD-001", name="副厂前刹车片", unit="套", price_fen=28000,
                cost_fen=15000, genuine=False, on_hand=2_000, reserved=0, reorder_level=0)
    db.session.add_all([oil, oil_filter, pads])
    vehicle = VehicleFactory(owner__store=store, store=store, model_family="compact", odometer_km=30_000)
    db.session.flush()
    return Shop(store=store, vehicle=vehicle, advisor=actor(staff["service_advisor"]),
                technician=actor(staff["technician"]), technician_user=staff["technician"],
                cashier=actor(staff["cashier"]), clerk=actor(staff["parts_clerk"]), manager=actor(staff["manager"]),
                oil_service=oil_service, brakes=brakes, oil=oil, filter=oil_filter, aftermarket_pads=pads)


def open_order(shop: Shop, *concerns: str, kind="maintenance", now=NOW, **extra):
    """Open an order for the shop's car; tests open several on one car, so a second open one is meant
    (despite_open_order=False to see the warning)."""
    promised_at = extra.pop("promised_at", now + timedelta(hours=4))
    extra.setdefault("despite_open_order", True)
    return services.open_order(shop.vehicle.id, OrderInput(concerns=list(concerns) or ["保养"],
                                                           promised_at=promised_at, kind=kind, **extra),
                               actor=shop.advisor, now=now)


def add_labor(shop, job, operation=None, now=NOW, **extra):
    operation = operation or shop.oil_service
    return services.add_line(job.id, LineInput(kind="labor", operation_id=operation.id, **extra), actor=shop.advisor,
                             now=now)


def add_part(shop, job, part=None, quantity=4500, now=NOW, **extra):
    part = part or shop.oil
    return services.add_line(job.id, LineInput(kind="parts", part_id=part.id, quantity=quantity, **extra),
                             actor=shop.advisor, now=now)


def by_phone(**extra) -> ApprovalInput:
    return ApprovalInput(method="phone", approver_name="张伟", phone="13812345678", **extra)


def approved_order(shop: Shop, now=NOW, **order_fields):
    """An order with one job (oil service labor + 4.5 l oil) that the owner approved by phone."""
    order = open_order(shop, "做保养", now=now, **order_fields)
    job = order.jobs[0]
    add_labor(shop, job, now=now)
    add_part(shop, job, now=now)
    services.submit_estimate(order.id, actor=shop.advisor, now=now)
    services.approve_estimate(order.id, by_phone(), actor=shop.advisor, now=now)
    return order


def finished_order(shop: Shop, now=NOW, **order_fields):
    """An approved order taken through the workshop, parts issued, and QC passed (signed by the advisor: the final
    inspection is someone else's than the technician's): ready to settle."""
    order = approved_order(shop, now=now, **order_fields)
    job = order.jobs[0]
    services.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=now)
    services.dispatch(order.id, actor=shop.advisor, now=now)
    services.clock_on(job.id, actor=shop.technician, now=now)
    for line in job.lines:
        if line.kind == "parts":
            services.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=now)
    services.mark_job_done(job.id, actor=shop.technician, now=now)
    services.request_quality_check(order.id, actor=shop.technician, now=now)
    services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist=dict.fromkeys(
        services.QC_ITEMS, True)), actor=shop.advisor, now=now)
    return order


def pay(order, *amounts_and_methods) -> list[PaymentInput]:
    return [PaymentInput(method=method, amount_fen=amount, reference="" if method == "cash" else "WX0001")
            for amount, method in amounts_and_methods]


def extra_work_order(shop: Shop, now=NOW):
    """An approved order in the workshop with two extra items (增项) waiting for the owner: front brake pads
    (labor and an aftermarket part) and a cabin filter. Returns (order, brakes job, filter job)."""
    order = approved_order(shop, now=now)
    services.assign_job(order.jobs[0].id, [shop.technician_user.id], actor=shop.advisor, now=now)
    services.dispatch(order.id, actor=shop.advisor, now=now)
    brakes = services.add_job(order.id, concern="前刹车片磨损", actor=shop.advisor, now=now)
    add_labor(shop, brakes, shop.brakes, now=now)
    add_part(shop, brakes, shop.aftermarket_pads, quantity=1000, now=now)
    cabin_filter = services.add_job(order.id, concern="空调滤芯脏", actor=shop.advisor, now=now)
    add_part(shop, cabin_filter, shop.filter, quantity=1000, now=now)
    return order, brakes, cabin_filter
