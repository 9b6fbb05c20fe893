"""The five assurances' monthly roll-up (月度汇总): the nightly task writes closed months whole and the current month
up to the night (brought forward every hour), the trend and the ranking read them and agree with the live
computation figure for figure; a late change to a month is picked up."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair import services as repair
from dealer.repair.models import QualityCheck, RepairJob, RepairOrder
from dealer.rescue import services as rescue
from dealer.rescue.models import RescueUnit
from dealer.satisfaction import assurance, services
from dealer.satisfaction.models import FollowUp, RollupFigure, RollupMonth, SatisfactionCase
from dealer.satisfaction.services.rollup import RECHECK_MONTHS, WINDOW_MONTHS, advance_current_months, roll_up
from dealer.scheduler import JOBS, nightly_tasks, run_nightly
from tests.factories import UserFactory
from tests.helpers import NOW, ROLES, actor
from tests.repair.builders import add_labor, build_shop, finished_order, open_order, pay
from tests.rescue.builders import NANSHAN, link, take_call, unit
from tests.satisfaction.builders import answers, delivered, follow_up_of, token_of

NOVEMBER, OCTOBER, SEPTEMBER = date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)
MONTHS = assurance.months_ending(NOVEMBER)
# 2026-10-20 02:00 UTC: October at the store, its hand-overs and forms a month before NOW.
IN_OCTOBER = NOW - timedelta(days=34)
# The night of NOW (23 November at the store) counts November's orders up to the store's midnight.
MIDNIGHT = datetime(2026, 11, 22, 16, 0, tzinfo=timezone.utc)


def _set(order, **values):
    db.session.execute(sa.update(RepairOrder).where(RepairOrder.id == order.id).values(**values))


def _month(shop, at, grades):
    """Three orders handed over from `at`: one late, one over its approval, one a confirmed comeback of the first
    with a failed QC check; a form for each grade triple, in time but for the last."""
    orders = [delivered(shop, now=at + timedelta(hours=i)) for i in range(3)]
    _set(orders[0], ready_at=orders[0].promised_at + timedelta(minutes=47))
    _set(orders[1], customer_total_fen=orders[1].approved_total_fen + 100)
    first_job = db.session.scalar(sa.select(RepairJob.id).where(RepairJob.order_id == orders[0].id))
    db.session.execute(sa.update(RepairJob).where(RepairJob.order_id == orders[2].id)
                       .values(comeback_of_id=first_job, comeback_of_order_id=orders[0].id,
                               comeback_state="confirmed"))
    db.session.execute(sa.insert(QualityCheck).values(store_id=shop.store.id, order_id=orders[2].id, passed=False,
                                                      checklist={}, reason="漏油", signed_at=at))
    for index, (order, (t, q, a)) in enumerate(zip(orders, grades, strict=False)):
        follow_up = follow_up_of(order)
        late = index == len(grades) - 1
        services.submit_feedback(token_of(follow_up), answers(t, q, a),
                                 now=follow_up.due_at + (timedelta(hours=5) if late else -timedelta(hours=1)))
    return orders


def _rescue(store, dispatcher, van, at, *, dispatched_after, arrived_after):
    call = rescue.dispatch_call(take_call(store, dispatcher, now=at).id, responder=f"unit:{van.id}",
                                actor=dispatcher, now=at + timedelta(minutes=dispatched_after), crew_link=link)[0]
    rescue.advance_call(call.id, "on_scene", actor=dispatcher, now=at + timedelta(minutes=arrived_after))
    rescue.advance_call(call.id, "completed", actor=dispatcher, now=at + timedelta(minutes=arrived_after + 30))


@pytest.fixture()
def group_shops(shop, store, staff, other_store):
    """Two stores with months of records: August to November at the first (rescues too), September and October
    at the second."""
    other_staff = {role: UserFactory(username=f"{role}-gz", roles=[role], store=other_store) for role in ROLES}
    other = build_shop(other_store, other_staff)
    for each in (shop, other):  # a dozen oil services
        each.oil.on_hand, each.filter.on_hand = 1_000_000, 100_000
    db.session.flush()
    _month(shop, NOW - timedelta(days=100), [(2, 2, 2), (1, 0, 2)])
    _month(shop, NOW - timedelta(days=66), [(2, -1, 1), (2, 2, 2), (0, 0, 0)])
    _month(shop, IN_OCTOBER, [(1, 1, 1), (-2, 2, 0)])
    _month(shop, NOW - timedelta(days=5), [(2, 2, 1)])
    _month(other, NOW - timedelta(days=60), [(1, 2, 2)])
    _month(other, IN_OCTOBER, [(2, 2, 2), (2, 2, 2), (1, -1, 0)])
    dispatcher, van = actor(staff["rescue_dispatcher"]), unit(store, "救援1号", NANSHAN)
    _rescue(store, dispatcher, van, IN_OCTOBER, dispatched_after=3, arrived_after=25)
    _rescue(store, dispatcher, van, IN_OCTOBER + timedelta(days=1), dispatched_after=7, arrived_after=41)
    _rescue(store, dispatcher, van, NOW - timedelta(days=66), dispatched_after=2, arrived_after=33)
    db.session.flush()
    return shop, other


def _live(store, months=MONTHS):
    return list(assurance.live_figures(store, months).values())


def _fresh_months(store) -> set[date]:
    return set(db.session.scalars(sa.select(RollupMonth.month).where(RollupMonth.store_id == store.id,
                                                                     RollupMonth.stale.is_(False))))


def _until(store, month):
    return db.session.scalar(sa.select(RollupMonth.until).where(RollupMonth.store_id == store.id,
                                                                RollupMonth.month == month))


def test_roll_up_writes_closed_months_that_read_back_figure_for_figure_as_live(group_shops, store, other_store):
    written = roll_up(now=NOW)

    assert written == 2 * (WINDOW_MONTHS + 1)  # every closed month of the window and November's part, at both
    for each in (store, other_store):
        assert {NOVEMBER, OCTOBER} <= _fresh_months(each)
        assert _until(each, OCTOBER) is None and _until(each, NOVEMBER) == MIDNIGHT
        kept = set(db.session.scalars(sa.select(RollupFigure.measure).where(RollupFigure.store_id == each.id,
                                                                            RollupFigure.month == NOVEMBER)))
        assert kept == set(assurance.ORDER_MEASURES)  # November's follow-ups and rescues are never kept
        trend = assurance.store_trend(each, NOVEMBER, now=NOW)
        assert trend.figures == _live(each)  # every count, sum, median and percentile of every month
        assert trend.series() == assurance.Trend(each, MONTHS, _live(each)).series()
    october = assurance.store_trend(store, OCTOBER, now=NOW).current
    assert (october.ready, october.on_time, october.settled, october.came_back, october.forms) == (3, 2, 3, 1, 2)
    assert (october.rescues, october.arrival_median, october.arrival_p90) == (2, 25.0, 41.0)
    assert isinstance(october.ready, int) and isinstance(october.late_seconds, float)
    ranked = dict((s.id, f) for s, f in assurance.ranking([store, other_store], OCTOBER, now=NOW))
    assert ranked == {store.id: _live(store, [OCTOBER])[0], other_store.id: _live(other_store, [OCTOBER])[0]}
    assert ranked[other_store.id].forms == 3


def test_the_trend_and_ranking_read_the_roll_up_for_closed_months_and_november_live(group_shops, store,
                                                                                  other_store):
    roll_up(now=NOW)
    # What the pages show of a closed month is the roll-up's (changed here by hand to tell them apart) ...
    db.session.execute(sa.update(RollupFigure).where(RollupFigure.store_id == store.id,
                                                     RollupFigure.month == OCTOBER, RollupFigure.measure == "ready")
                       .values(value=99))
    assert assurance.store_trend(store, NOVEMBER, now=NOW).figures[-2].ready == 99
    assert dict(assurance.ranking([store, other_store], OCTOBER, now=NOW))[store].ready == 99
    # ... November, the current month, is the night's part (its orders up to the store's midnight) ...
    db.session.execute(sa.update(RollupFigure).where(RollupFigure.store_id == store.id,
                                                     RollupFigure.month == NOVEMBER, RollupFigure.measure == "ready")
                       .values(value=77))
    assert assurance.store_trend(store, NOVEMBER, now=NOW).current.ready == 77
    assert dict(assurance.ranking([store, other_store], NOVEMBER, now=NOW))[store].ready == 77
    # ... and a row of the current month that says it is whole is never read: the month is not over.
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.month == NOVEMBER).values(until=None))
    assert assurance.store_trend(store, NOVEMBER, now=NOW).current.ready == 3
    assert dict(assurance.ranking([store, other_store], NOVEMBER, now=NOW))[store].ready == 3
    # A stale month is computed live.
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.month == OCTOBER).values(stale=True))
    assert assurance.store_trend(store, NOVEMBER, now=NOW).figures == _live(store)


def test_the_current_month_is_the_nights_orders_and_what_came_since_figure_for_figure(group_shops, shop, store,
                                                                                     other_store, staff):
    ready_before = finished_order(shop, now=MIDNIGHT - timedelta(hours=3))  # ready before the night's midnight
    roll_up(now=NOW)
    before = assurance.store_trend(store, NOVEMBER, now=NOW).current
    # Since the night: three orders handed over (a late one, one over its approval, a comeback of the first with a
    # failed check), their forms and a case; the order ready before midnight settled; a rescue.
    _month(shop, MIDNIGHT + timedelta(hours=2), [(2, 2, 2), (-2, 0, 0), (1, 1, 1)])
    repair.settle(ready_before.id, pay(ready_before, (36600, "cash")), actor=shop.cashier, now=NOW)
    van = db.session.scalar(sa.select(RescueUnit).where(RescueUnit.store_id == store.id))  # group_shops' van
    _rescue(store, actor(staff["rescue_dispatcher"]), van, MIDNIGHT + timedelta(hours=5), dispatched_after=4, arrived_after=28)
    db.session.flush()

    assert {NOVEMBER, OCTOBER} <= _fresh_months(store)  # forms and cases of the month do not touch its part
    trend = assurance.store_trend(store, NOVEMBER, now=NOW)
    assert trend.figures == _live(store)
    november = trend.current
    assert (november.ready - before.ready, november.settled - before.settled) == (3, 4)
    assert (november.forms - before.forms, november.open_cases, november.rescues) == (3, 1, 1)
    ranked = dict((s.id, f) for s, f in assurance.ranking([store, other_store], NOVEMBER, now=NOW))
    assert ranked == {store.id: _live(store, [NOVEMBER])[0], other_store.id: _live(other_store, [NOVEMBER])[0]}


def test_a_comeback_against_an_order_of_the_nights_part_marks_the_current_month_stale(shop, store):
    first = delivered(shop, now=NOW - timedelta(days=3))  # 20 November, before the night
    roll_up(now=NOW)
    assert NOVEMBER in _fresh_months(store)

    order = open_order(shop, "机油渗漏", now=NOW)
    add_labor(shop, order.jobs[0], now=NOW)
    repair.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=NOW)

    assert NOVEMBER not in _fresh_months(store)
    november = assurance.store_trend(store, NOVEMBER, now=NOW).current
    assert (november.settled, november.came_back) == (1, 1) and november == _live(store, [NOVEMBER])[0]
    assert first.settled_at < MIDNIGHT
    roll_up(now=NOW + timedelta(days=1))  # the next night counts it in its part
    assert NOVEMBER in _fresh_months(store)
    assert assurance.store_trend(store, NOVEMBER, now=NOW + timedelta(days=1)).current.came_back == 1


def test_a_month_closed_since_the_night_is_its_part_and_the_rest_live_until_the_night_makes_it_whole(
        group_shops, shop, store, other_store):
    last_night = datetime(2026, 10, 30, 19, 0, tzinfo=timezone.utc)  # 31 October 03:00 at the store
    roll_up(now=last_night, store_ids=[store.id])
    assert _until(store, OCTOBER) == datetime(2026, 10, 30, 16, 0, tzinfo=timezone.utc)
    # The last day of October, after that night; seen on 1 November before its night ran.
    late = delivered(shop, now=datetime(2026, 10, 31, 4, 0, tzinfo=timezone.utc))
    other = follow_up_of(delivered(shop, now=datetime(2026, 10, 31, 5, 0, tzinfo=timezone.utc)))
    first_of_november = datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)  # 01:00 at the store
    october = assurance.store_trend(store, OCTOBER, now=first_of_november).current
    assert october == _live(store, [OCTOBER])[0] and october.settled == 5
    # other_store has no row at all: counted live beside the store's part.
    ranked = dict((s.id, f) for s, f in assurance.ranking([store, other_store], OCTOBER, now=first_of_november))
    assert ranked == {store.id: _live(store, [OCTOBER])[0], other_store.id: _live(other_store, [OCTOBER])[0]}

    # A form of October now: the part counts its follow-ups live, so it stays read, and right.
    follow_up = follow_up_of(late)
    services.submit_feedback(token_of(follow_up), answers(1, 0, 1), now=first_of_november)
    assert OCTOBER in _fresh_months(store)
    assert assurance.store_trend(store, OCTOBER, now=first_of_november).current == _live(store, [OCTOBER])[0]

    # The night of 1 November makes October whole; a later form marks the whole month stale.
    roll_up(now=first_of_november + timedelta(hours=2), store_ids=[store.id])
    assert _until(store, OCTOBER) is None and OCTOBER in _fresh_months(store)
    services.submit_feedback(token_of(other), answers(2, 2, 2), now=first_of_november + timedelta(days=1))
    assert OCTOBER not in _fresh_months(store)
    assert assurance.store_trend(store, NOVEMBER, now=NOW).figures == _live(store)


def test_a_late_form_marks_its_closed_month_stale_and_the_next_night_rewrites_it(shop, store):
    order = delivered(shop, now=datetime(2026, 10, 30, 2, 0, tzinfo=timezone.utc))
    night = datetime(2026, 11, 1, 19, 0, tzinfo=timezone.utc)  # 2 November 03:00 at the store: October closed
    roll_up(now=night)
    assert OCTOBER in _fresh_months(store) and _until(store, OCTOBER) is None

    follow_up = follow_up_of(order)
    services.submit_feedback(token_of(follow_up), answers(1, 1, 1), now=night + timedelta(days=1))

    assert OCTOBER not in _fresh_months(store)
    trend = assurance.store_trend(store, NOVEMBER, now=NOW)
    assert trend.figures[-2].forms == 1 and trend.figures == _live(store)
    roll_up(now=NOW + timedelta(days=1))
    assert OCTOBER in _fresh_months(store) and assurance.store_trend(store, NOVEMBER, now=NOW).figures[-2].forms == 1


def test_a_case_closed_after_its_month_marks_the_month_stale(shop, store):
    order = delivered(shop, now=IN_OCTOBER)
    follow_up = follow_up_of(order)
    services.submit_feedback(token_of(follow_up), answers(-2, 0, 0), now=IN_OCTOBER + timedelta(hours=3))
    roll_up(now=NOW)
    assert assurance.store_trend(store, OCTOBER, now=NOW).current.open_cases == 1

    case = db.session.scalar(sa.select(SatisfactionCase).where(SatisfactionCase.follow_up_id == follow_up.id))
    services.close_case(case.id, outcome="已重新检修", actor=shop.manager, now=NOW)

    assert OCTOBER not in _fresh_months(store)
    assert assurance.store_trend(store, OCTOBER, now=NOW).current.open_cases == 0


def test_a_comeback_confirmed_later_marks_the_earlier_orders_month_stale(shop, store):
    first = delivered(shop, now=NOW - timedelta(days=25))  # 29 October, settled in October
    roll_up(now=NOW)
    assert assurance.store_trend(store, OCTOBER, now=NOW).current.came_back == 0

    order = open_order(shop, "机油渗漏", now=NOW)
    add_labor(shop, order.jobs[0], now=NOW)  # the same operation within the window: proposed
    repair.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=NOW)

    assert OCTOBER not in _fresh_months(store)
    october = assurance.store_trend(store, OCTOBER, now=NOW).current
    assert (october.settled, october.came_back, october.first_time_fix_pct) == (1, 1, 0.0)
    assert first.settled_at < NOW - timedelta(days=24)


def test_a_reversal_in_november_leaves_octobers_roll_up_as_live(shop, store):
    order = delivered(shop, now=IN_OCTOBER)
    roll_up(now=NOW)
    repair.reverse(order.id, reason="开错票", refunds=pay(order, (order.customer_total_fen, "cash")),
                   actor=shop.cashier, now=NOW)
    # The reversing order (红冲) is never counted and the original stays counted where it was: nothing to mark.
    assert OCTOBER in _fresh_months(store)
    assert assurance.store_trend(store, NOVEMBER, now=NOW).figures == _live(store)


def test_the_night_rewrites_the_last_closed_months_whatever_no_event_announced(shop, store):
    september = delivered(shop, now=NOW - timedelta(days=66))
    august = delivered(shop, now=NOW - timedelta(days=100))
    roll_up(now=NOW)
    # Changes no event announces (made by hand here): the last RECHECK_MONTHS closed months are rewritten nightly.
    for order in (september, august):
        _set(order, ready_at=order.promised_at + timedelta(minutes=30))
    assert RECHECK_MONTHS == 2
    roll_up(now=NOW + timedelta(days=1))
    trend = assurance.store_trend(store, NOVEMBER, now=NOW)
    assert trend.figures[-3] == _live(store, [SEPTEMBER])[0] and trend.figures[-3].on_time == 0
    # Older months are written once, and again only when marked stale: August keeps what it had.
    assert trend.figures[-4].on_time == 1 and _live(store, [date(2026, 8, 1)])[0].on_time == 0


def test_roll_up_is_a_nightly_task_of_every_store(shop, store):
    delivered(shop, now=IN_OCTOBER)
    assert "assurance_rollup" in [name for name, _function in nightly_tasks()]

    runs = run_nightly(now=NOW)

    assert (store.id, "assurance_rollup", date(2026, 11, 23)) in runs
    assert OCTOBER in _fresh_months(store)
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 1


def test_the_page_counts_a_stores_trend_and_the_stores_month_together_as_each_alone(group_shops, store,
                                                                                   other_store):
    roll_up(now=NOW)
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.month == SEPTEMBER).values(stale=True))
    for month in (NOVEMBER, OCTOBER):
        trend, side_by_side = assurance.overview(other_store, [store, other_store], month, now=NOW)
        assert trend == assurance.store_trend(other_store, month, now=NOW)
        assert trend.figures == _live(other_store, assurance.months_ending(month))
        assert side_by_side == assurance.ranking([store, other_store], month, now=NOW)
        assert side_by_side == [(each, _live(each, [month])[0]) for each in (store, other_store)]


# The current month brought forward every hour: the night's part moves up to the last whole hour at least an hour
# ago, and the pages, counting only what came since, still agree with the live computation figure for figure.
AN_HOUR_AGO = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # NOW is 02:00 UTC (10:00 at the store)


def _agrees(store, other_store, now=NOW):
    assert assurance.store_trend(store, NOVEMBER, now=now).figures == _live(store)
    ranked = dict((s.id, f) for s, f in assurance.ranking([store, other_store], NOVEMBER, now=now))
    assert ranked == {store.id: _live(store, [NOVEMBER])[0], other_store.id: _live(other_store, [NOVEMBER])[0]}


def test_the_hourly_part_moves_the_month_up_to_an_hour_ago_and_the_pages_still_agree(group_shops, shop, store,
                                                                                   other_store):
    assert ("assurance_current_month", "dealer.satisfaction.tasks:advance_current_months_job",
            {"trigger": "cron", "minute": 20}) in JOBS
    assert advance_current_months(now=NOW) == 0  # before the night: no part to move
    roll_up(now=NOW)
    # since the night: orders handed over in the morning (a late one, one over its approval, a comeback of the first
    # with a failed check), and one within the last hour
    _month(shop, MIDNIGHT + timedelta(hours=2), [(2, 2, 2), (-2, 0, 0), (1, 1, 1)])
    delivered(shop, now=NOW - timedelta(minutes=30))
    db.session.flush()

    assert advance_current_months(now=NOW) == 2
    assert _until(store, NOVEMBER) == _until(other_store, NOVEMBER) == AN_HOUR_AGO
    _agrees(store, other_store)
    assert advance_current_months(now=NOW + timedelta(minutes=10)) == 0  # the same hour: nothing to move

    # a comeback confirmed against an order of the part marks it stale (counted live); the next hour counts it afresh
    order = open_order(shop, "机油渗漏", now=NOW)
    add_labor(shop, order.jobs[0], now=NOW)
    repair.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=NOW)
    assert db.session.scalar(sa.select(RollupMonth.stale).where(RollupMonth.store_id == store.id,
                                                                RollupMonth.month == NOVEMBER))
    _agrees(store, other_store)
    later = NOW + timedelta(hours=1)
    assert advance_current_months(now=later) == 2
    assert _until(store, NOVEMBER) == AN_HOUR_AGO + timedelta(hours=1)
    assert not db.session.scalar(sa.select(RollupMonth.stale).where(RollupMonth.store_id == store.id,
                                                                    RollupMonth.month == NOVEMBER))
    _agrees(store, other_store, now=later)


def test_a_new_month_waits_for_its_night(shop, store):
    roll_up(now=NOW)
    # 00:30 on 1 December at the store: December has no part yet, November's is the night's until its night
    first_of_december = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)
    assert advance_current_months(now=first_of_december) == 0
    assert _until(store, NOVEMBER) == MIDNIGHT
    assert db.session.scalar(sa.select(RollupMonth).where(RollupMonth.month == date(2026, 12, 1))) is None
