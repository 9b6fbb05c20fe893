"""The quote the desk shows, read cheaply (the lane's cars as plain columns in one query, the shortages from one
query of the package's parts): the same figures as the live definitions."""
from __future__ import annotations

import sqlalchemy as sa

from dealer.extensions import db
from dealer.quicklane import services
from dealer.quicklane.models import IN_LANE, LaneOrder
from dealer.quicklane.promise import quarter_of
from tests.helpers import NOW
from tests.quicklane.builders import build_package, minutes, on_shift, settle, take_key, to_ready


def _promises_counted_live(store_id, since):
    """The promises still to keep from `since` on, by quarter hour, from the lane's orders as objects."""
    counts = {}
    for lane in db.session.scalars(sa.select(LaneOrder).where(LaneOrder.store_id == store_id,
                                                               LaneOrder.stage.in_(IN_LANE))):
        if lane.promised_at >= quarter_of(since):
            counts[quarter_of(lane.promised_at)] = counts.get(quarter_of(lane.promised_at), 0) + 1
    return counts


def test_lane_snapshot_is_the_queue_and_the_promises_still_to_keep(shop, package):
    shop.oil.on_hand += 100_000  # five keys of 4.5 l and a filter each
    shop.filter.on_hand += 10_000
    lanes = [take_key(shop, package, key_tag=f"K{i}", now=minutes(i)) for i in range(5)]
    to_ready(shop, lanes[0], now=minutes(20))  # ready: no longer queued, its promise still counts
    ready = to_ready(shop, lanes[1], now=minutes(30))
    settle(shop, ready, now=minutes(31))
    services.move(ready.id, to_stage="handed_over", version=ready.version, actor=shop.advisor, now=minutes(32))
    services.move(lanes[2].id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.technician, now=minutes(33))
    db.session.expire_all()
    queue, per_quarter = services.lane_snapshot(shop.store.id, minutes(33))
    assert queue == [services.as_car(lane) for lane in services.queue_of(shop.store.id)]
    assert [car.key for car in queue] == [lanes[2].id, lanes[3].id, lanes[4].id]
    assert per_quarter == _promises_counted_live(shop.store.id, minutes(33))
    assert sum(per_quarter.values()) == 4  # the handed-over car's promise is kept: it no longer counts
    later = services.lane_snapshot(shop.store.id, minutes(24 * 60))[1]
    assert later == {}  # nothing promised for tomorrow


def test_a_part_listed_twice_needs_both_quantities(shop):
    on_shift(shop)
    package = services.save_package(shop.store.id, services.PackageInput(
        code="TWICE", name="两次机油", price_fen=10_000, bay_minutes=20, items=[
            services.ItemInput(kind="parts", part_id=shop.oil.id, quantity=12_000),
            services.ItemInput(kind="parts", part_id=shop.oil.id, quantity=12_000),  # 24 l of the 20 l on hand
            services.ItemInput(kind="labor", operation_id=shop.oil_service.id, hours=50)]),
        actor=shop.manager, now=NOW)
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    assert offer.promise is None
    assert [(s.part_number, s.needed, s.available) for s in offer.shortages] == [(shop.oil.part_number, 24_000,
                                                                                  20_000)]


def test_the_shortage_counts_what_other_keys_reserved(shop):
    on_shift(shop)
    package = build_package(shop, oil_quantity=12_000)  # 20 l on hand: one key's worth
    assert services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW).shortages == ()
    take_key(shop, package)  # reserves 12 l
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=minutes(1))
    assert [(s.part_number, s.needed, s.available) for s in offer.shortages] == [(shop.oil.part_number, 12_000,
                                                                                  8_000)]
