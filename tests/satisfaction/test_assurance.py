"""The five assurances (五个安心) from built records: each figure with its n, the trend, the drill-down, ranking."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair.models import QualityCheck, RepairJob, RepairOrder
from dealer.rescue import services as rescue
from dealer.rescue.models import RescueSettings
from dealer.satisfaction import assurance, drill, services
from dealer.satisfaction.models import FollowUp
from tests.factories import StoreFactory
from tests.helpers import NOW, actor
from tests.rescue.builders import NANSHAN, link, take_call, unit
from tests.satisfaction.builders import answers, delivered, follow_up_of, token_of

NOVEMBER = date(2026, 11, 1)


def _set(order, **values):
    db.session.execute(sa.update(RepairOrder).where(RepairOrder.id == order.id).values(**values))


def _rescue(store, dispatcher, van, *, dispatched_after, arrived_after, at=NOW):
    call = rescue.dispatch_call(take_call(store, dispatcher, now=at).id, responder=f"unit:{van.id}",
                                actor=dispatcher, now=at + timedelta(minutes=dispatched_after), crew_link=link)[0]
    rescue.advance_call(call.id, "on_scene", actor=dispatcher, now=at + timedelta(minutes=arrived_after))
    return rescue.advance_call(call.id, "completed", actor=dispatcher, now=at + timedelta(minutes=arrived_after + 30))


def _november(shop, store, staff):
    """Four delivered orders, one late by 90 minutes, one billed over its approval, one a comeback of the first
    (so the first came back), one failed QC before it passed; two owners answered in time; three rescues."""
    orders = [delivered(shop, now=NOW + timedelta(hours=i)) for i in range(4)]
    _set(orders[0], ready_at=orders[0].promised_at + timedelta(minutes=90))
    _set(orders[1], customer_total_fen=orders[1].approved_total_fen + 100)
    first_job = db.session.scalar(sa.select(RepairJob.id).where(RepairJob.order_id == orders[0].id))
    db.session.execute(sa.update(RepairJob).where(RepairJob.order_id == orders[2].id)
                       .values(comeback_of_id=first_job, comeback_of_order_id=orders[0].id,
                               comeback_state="confirmed"))
    # A failed check before the pass (inserted beside the delivered order's record, as QC had signed it).
    db.session.execute(sa.insert(QualityCheck).values(store_id=store.id, order_id=orders[3].id, passed=False,
                                                      checklist={}, reason="漏油", signed_at=NOW))
    _set(orders[3], qc_failed=True)  # the outcome the order keeps, as signing the failed check sets it
    for order in orders[:2]:
        follow_up = follow_up_of(order)
        services.submit_feedback(token_of(follow_up), answers(2, 1, 2), now=follow_up.due_at - timedelta(hours=1))
    dispatcher = actor(staff["rescue_dispatcher"])
    van = unit(store, "救援1号", NANSHAN)
    _rescue(store, dispatcher, van, dispatched_after=3, arrived_after=25, at=NOW + timedelta(days=1))
    _rescue(store, dispatcher, van, dispatched_after=4, arrived_after=45, at=NOW + timedelta(days=2))
    _rescue(store, dispatcher, van, dispatched_after=9, arrived_after=28, at=NOW + timedelta(days=3))
    db.session.flush()
    return orders


def test_store_trend_measures_each_assurance_from_the_records(shop, store, staff):
    _november(shop, store, staff)

    trend = assurance.store_trend(store, NOVEMBER)

    f = trend.current
    assert len(trend.months) == 12 and trend.months[-1] == NOVEMBER and trend.months[0] == date(2025, 12, 1)
    assert (f.ready, f.on_time, f.on_time_pct, f.average_lateness_minutes) == (4, 3, 75.0, 90)
    assert (f.settled, f.within, f.within_pct, f.cost_defect) == (4, 3, 75.0, True)
    assert (f.came_back, f.first_time_fix_pct, f.comebacks, f.comeback_pct) == (1, 75.0, 1, 25.0)
    assert (f.checked, f.first_pass, f.first_pass_pct) == (4, 3, 75.0)
    # The rescue's own follow-up is not an after-repair one.
    assert (f.follow_ups, f.done_in_time, f.done_in_time_pct, f.forms, f.average_score) == (4, 2, 50.0, 2, 5.0)
    assert (f.rescues, f.dispatched_in_target, f.arrived_in_target) == (3, 2, 2)
    assert (f.dispatched_pct, f.arrived_pct, f.arrival_median, f.arrival_p90) == (66.7, 66.7, 28.0, 45.0)
    october = trend.figures[-2]
    assert october.ready == 0 and october.on_time_pct is None and october.average_score is None
    series = trend.series()
    assert series["months"][-1] == "2026-11" and series["on_time_pct"][-2:] == [None, 75.0]


def test_emergency_is_measured_against_the_stores_own_rescue_targets(shop, store, staff):
    _november(shop, store, staff)  # dispatched after 3, 4, 9 minutes; arrived after 25, 45, 28 (in town)
    db.session.add(RescueSettings(store_id=store.id, dispatch_target_minutes=10, arrival_town_minutes=26,
                                  arrival_outside_minutes=60, station_accept_minutes=3, stale_position_minutes=15,
                                  eta_slip_minutes=10))
    db.session.flush()

    f = assurance.store_trend(store, NOVEMBER).current

    assert (f.rescues, f.dispatched_in_target, f.arrived_in_target) == (3, 3, 1)
    emergency = drill.drill(store, NOVEMBER, "emergency")
    assert sorted(row.flags for row in emergency) == [(), ("arrival_late",), ("arrival_late",)]


def test_store_trend_of_an_empty_month_divides_nothing(store):
    f = assurance.store_trend(store, NOVEMBER).current
    assert (f.ready, f.settled, f.follow_ups, f.rescues) == (0, 0, 0, 0)
    assert f.on_time_pct is f.within_pct is f.first_time_fix_pct is f.arrived_pct is f.arrival_median is None
    assert not f.cost_defect


def test_store_trend_counts_each_month_apart_by_the_store_local_month(shop, store):
    # 2026-10-31 17:00 UTC is 1 November 01:00 in Shanghai: November's, not October's.
    delivered(shop, now=NOW - timedelta(days=30))
    delivered(shop, now=NOW.replace(month=10, day=31, hour=17))
    figures = assurance.store_trend(store, NOVEMBER).figures
    assert (figures[-2].ready, figures[-1].ready) == (1, 1)


def test_drill_lists_the_records_behind_a_figure_the_missed_ones_first(shop, store, staff):
    orders = _november(shop, store, staff)

    time_rows = drill.drill(store, NOVEMBER, "time")
    assert [row.number for row in time_rows][0] == orders[0].number and time_rows[0].flags == ("late",)
    assert len(time_rows) == 4 and all(row.flags == () for row in time_rows[1:])
    cost = drill.drill(store, NOVEMBER, "cost")
    assert (cost[0].id, cost[0].flags) == (orders[1].id, ("over_approval",))
    quality = {row.id: row.flags for row in drill.drill(store, NOVEMBER, "quality")}
    assert quality == {orders[0].id: ("came_back",), orders[2].id: ("comeback",), orders[3].id: ("qc_failed",),
                       orders[1].id: ()}
    after = drill.drill(store, NOVEMBER, "after_repair")
    assert [row.flags for row in after] == [("not_in_time",), ("not_in_time",), (), ()]
    assert {row.id for row in after[:2]} == {follow_up_of(orders[2]).id, follow_up_of(orders[3]).id}
    emergency = drill.drill(store, NOVEMBER, "emergency")
    assert [row.flags for row in emergency] == [("arrival_late",), ("dispatch_late",), ()]
    assert emergency[0].link == "rescue" and emergency[0].number.startswith("R")
    assert drill.drill(store, NOVEMBER, "nonsense") == []


def test_ranking_puts_the_group_stores_side_by_side_best_first(shop, store, staff):
    _november(shop, store, staff)
    quiet = StoreFactory(code="ZZ09")
    db.session.flush()

    rows = assurance.ranked(assurance.ranking([quiet, store], NOVEMBER), "on_time_pct")

    assert [s.id for s, _ in rows] == [store.id, quiet.id]  # a store without a base ranks last
    assert rows[0][1].on_time_pct == 75.0 and rows[1][1].ready == 0
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 7
