"""Rescue, second slice: the store's targets, station coverage and acceptance, the learned arrival estimate."""
import math
import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.rescue import eta, queries, services
from dealer.rescue.errors import RescueError, WrongState
from dealer.rescue.models import LearnedEta, RescueCall, RescueEvent, RescueSettings
from dealer.rescue.proposal import Coverage, propose
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, StationFactory
from tests.helpers import NOW, actor, fresh
from tests.repair.builders import TINY_PNG
from tests.rescue.builders import BAOAN, DONGGUAN, GUANGZHOU, NANSHAN, link, take_call, unit

SETTINGS = {"dispatch_target_minutes": 10, "arrival_town_minutes": 40, "arrival_outside_minutes": 90,
            "station_accept_minutes": 3, "stale_position_minutes": 60, "eta_slip_minutes": 10}


@pytest.fixture()
def manager(staff):
    return actor(staff["manager"])


def _call(at=BAOAN, area="town", **facts):
    values = dict(fault_type="no_start", tow_needed=False, drivable=None, needs_flatbed=False, area=area,
                  latitude_wgs84=at[0] if at else None, longitude_wgs84=at[1] if at else None)
    values.update(facts)
    return SimpleNamespace(has_position=at is not None, **values)


def _station(ident, at):
    return SimpleNamespace(id=ident, name=f"S{ident}", phone="2", active=True, capabilities=["jump_start"],
                           latitude=at[0], longitude=at[1])


# -- settings (救援设置) ----------------------------------------------------------------------------------

def test_update_settings_the_board_clocks_use_the_store_targets(ctx, store, dispatcher, manager):
    call = take_call(store, dispatcher)
    seven_minutes = NOW + timedelta(minutes=7)
    assert queries.clock(call, seven_minutes).dispatch_late  # the default: 5 minutes
    services.update_settings(store.id, SETTINGS, actor=manager, now=NOW)
    settings = services.settings_of(store.id)
    assert not queries.clock(call, seven_minutes, settings).dispatch_late
    assert not queries.board([store.id]).clock(call, NOW + timedelta(minutes=35)).arrival_late  # 40 in town now
    assert queries.board([store.id]).clock(call, NOW + timedelta(minutes=41)).arrival_late


@pytest.mark.parametrize("name, value", [("dispatch_target_minutes", 0), ("arrival_town_minutes", 601),
                                         ("station_accept_minutes", None), ("eta_slip_minutes", True)])
def test_update_settings_out_of_bounds_is_refused_and_changes_nothing(ctx, store, manager, name, value):
    with pytest.raises(RescueError) as refused:
        services.update_settings(store.id, dict(SETTINGS, **{name: value}), actor=manager, now=NOW)
    assert refused.value.field == name
    assert db.session.get(RescueSettings, store.id) is None


# -- station coverage and hours -------------------------------------------------------------------------

def test_propose_station_only_within_its_own_radius():
    stations = [_station(1, NANSHAN), _station(2, DONGGUAN)]  # 5 km and 53 km from Bao'an
    assert [c.key for c in propose(_call(), [], stations, now=NOW, zone="Asia/Shanghai")] == ["station:1"]
    wide = {2: Coverage(radius_km=60)}
    assert [c.key for c in propose(_call(), [], stations, now=NOW, zone="Asia/Shanghai", coverage=wide)] == [
        "station:1", "station:2"]
    narrow = {1: Coverage(radius_km=3)}
    assert propose(_call(), [], stations[:1], now=NOW, zone="Asia/Shanghai", coverage=narrow) == []


def test_propose_station_only_while_it_is_open_hours_over_midnight_too():
    station = [_station(1, NANSHAN)]
    office = {1: Coverage(opens_minute=8 * 60, closes_minute=18 * 60)}  # 08:00-18:00 at the store
    ten_am, eight_pm = NOW, NOW + timedelta(hours=10)  # 10:00 and 20:00 in Shenzhen
    assert propose(_call(), [], station, now=ten_am, zone="Asia/Shanghai", coverage=office)
    assert propose(_call(), [], station, now=eight_pm, zone="Asia/Shanghai", coverage=office) == []
    nights = {1: Coverage(opens_minute=20 * 60, closes_minute=6 * 60)}  # 20:00-06:00
    assert propose(_call(), [], station, now=eight_pm, zone="Asia/Shanghai", coverage=nights)
    assert propose(_call(), [], station, now=ten_am, zone="Asia/Shanghai", coverage=nights) == []


def test_set_station_coverage_the_proposal_uses_it(ctx, store, dispatcher, manager):
    far = StationFactory(store=store, latitude=DONGGUAN[0], longitude=DONGGUAN[1], capabilities=["jump_start"])
    call = take_call(store, dispatcher)
    assert queries.proposal_for(call, NOW) == []  # 53 km: outside the default 40
    services.set_station_coverage(far.id, services.CoverageInput(60), actor=manager)
    assert [c.key for c in queries.proposal_for(call, NOW)] == [f"station:{far.id}"]
    services.set_station_coverage(far.id, services.CoverageInput(60, 20 * 60, 6 * 60), actor=manager)
    assert queries.proposal_for(call, NOW) == []  # closed at 10:00


@pytest.mark.parametrize("data, field", [(services.CoverageInput(0), "radius_km"),
                                         (services.CoverageInput(501), "radius_km"),
                                         (services.CoverageInput(10, 480, None), "opens"),
                                         (services.CoverageInput(10, 480, 480), "opens")])
def test_set_station_coverage_bad_values_are_refused(ctx, store, manager, data, field):
    station = StationFactory(store=store)
    with pytest.raises(RescueError) as refused:
        services.set_station_coverage(station.id, data, actor=manager)
    assert refused.value.field == field and services.coverage_of(store.id) == {}


# -- a station must accept in time ------------------------------------------------------------------------

def _to_station(store, dispatcher):
    station = StationFactory(store=store, latitude=NANSHAN[0], longitude=NANSHAN[1], phone="0755-1234567",
                             capabilities=["jump_start", "towing"])
    tokens = []
    call, _ = services.dispatch_call(take_call(store, dispatcher).id, responder=f"station:{station.id}",
                                     override_reason="车主指定", actor=dispatcher, now=NOW,
                                     crew_link=lambda token: tokens.append(token) or link(token))
    return station, call, tokens[0]


def test_a_station_that_has_not_accepted_in_time_is_flagged_and_the_next_proposal_leaves_it_out(ctx, store,
                                                                                                 dispatcher):
    own = unit(store, "救援1", NANSHAN)
    station, call, _ = _to_station(store, dispatcher)
    board = queries.board([store.id])
    assert not board.clock(call, NOW + timedelta(minutes=3)).not_accepted
    assert board.clock(call, NOW + timedelta(minutes=4)).not_accepted
    assert [c.key for c in queries.proposal_for(call, NOW + timedelta(minutes=4))] == [f"unit:{own.id}"]
    call, _ = services.dispatch_call(call.id, responder=f"unit:{own.id}", override_reason="二级站未接单",
                                     actor=dispatcher, now=NOW + timedelta(minutes=4), crew_link=link)
    assert call.unit_id == own.id and not board.clock(call, NOW + timedelta(minutes=9)).not_accepted


def test_crew_accepts_once_and_the_flag_goes(ctx, store, dispatcher):
    _, call, token = _to_station(store, dispatcher)
    services.crew_step(token, "accepted", photo=None, folder="/nonexistent", now=NOW + timedelta(minutes=1))
    services.crew_step(token, "accepted", photo=None, folder="/nonexistent", now=NOW + timedelta(minutes=2))
    call = fresh(RescueCall, call.id)
    assert call.accepted_at == NOW + timedelta(minutes=1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RescueEvent).where(
        RescueEvent.call_id == call.id, RescueEvent.kind == "accepted")) == 1
    assert not queries.clock(call, NOW + timedelta(minutes=10)).not_accepted


def test_a_unit_cannot_accept_and_setting_off_accepts_for_a_station(ctx, store, dispatcher):
    own = unit(store, "救援1", NANSHAN)
    tokens = []
    services.dispatch_call(take_call(store, dispatcher).id, responder=f"unit:{own.id}", actor=dispatcher, now=NOW,
                           crew_link=lambda token: tokens.append(token) or token)
    with pytest.raises(WrongState):
        services.crew_step(tokens[0], "accepted", photo=None, folder="/nonexistent", now=NOW)
    _, call, token = _to_station(store, dispatcher)
    services.crew_step(token, "en_route", photo=None, folder="/nonexistent", now=NOW + timedelta(minutes=2))
    assert fresh(RescueCall, call.id).accepted_at == NOW + timedelta(minutes=2)


# -- the learned estimate: worked examples ----------------------------------------------------------------

def _sample(distance=10.0, set_off=8.0, travel=30.0, error=None, kind="unit", area="town", band="day"):
    return eta.Sample(kind=kind, area=area, band=band, distance_km=distance, set_off_minutes=set_off,
                      travel_minutes=travel, error_minutes=error)


def test_learn_worked_example_speed_set_off_and_error():
    # 20 rescues in town by day: 10 km in a straight line in 30 minutes = 20 km/h; they set off after 8 minutes.
    learned = eta.learn([_sample() for _ in range(20)] + [_sample(error=e) for e in (-5, 2, 10)])
    assert learned[(eta.STRAIGHT_KMH, "town", "day")] == eta.Learned(20.0, 23)
    assert learned[(eta.SET_OFF["unit"], "all", "day")] == eta.Learned(8.0, 23)
    assert learned[(eta.ERROR, "all", "all")] == eta.Learned(5.0, 3)  # median of 5, 2, 10
    model = eta.EtaModel(learned=learned)
    # 5 km: 8 minutes to set off + 5 / 20 x 60 = 15 minutes on the road.
    assert eta.estimate_minutes(5, kind="unit", area="town", band="day", model=model) == (23.0, True)
    # Nothing learned by night yet: the defaults, 5 + 5 minutes to set off, 25 km/h / 1.4 on the road.
    minutes, learned_night = eta.estimate_minutes(5, kind="unit", area="town", band="night", model=model)
    assert not learned_night and minutes == pytest.approx(10 + 5 / (25 / 1.4) * 60)


def test_learn_needs_enough_rescues_and_the_median_ignores_one_crew_stuck():
    assert eta.learn([_sample() for _ in range(19)]) == {}
    stuck = [_sample() for _ in range(20)] + [_sample(travel=300.0)]
    assert eta.learn(stuck)[(eta.STRAIGHT_KMH, "town", "day")].value == 20.0
    no_set_off = eta.learn([_sample(set_off=None, travel=None) for _ in range(30)])
    assert (eta.STRAIGHT_KMH, "town", "day") not in no_set_off


def test_band_of_night_rush_and_day_at_the_store():
    assert eta.band_of(NOW, "Asia/Shanghai") == eta.DAY  # 10:00
    assert eta.band_of(NOW - timedelta(hours=2), "Asia/Shanghai") == eta.RUSH  # 08:00
    assert eta.band_of(NOW + timedelta(hours=13), "Asia/Shanghai") == eta.NIGHT  # 23:00
    assert eta.percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)


def test_a_stale_position_is_the_store_setting(ctx, store, dispatcher, manager):
    unit(store, "救援1", NANSHAN, position_at=NOW - timedelta(minutes=40))
    call = take_call(store, dispatcher)
    assert queries.proposal_for(call, NOW)[0].stale_minutes == 40
    services.update_settings(store.id, SETTINGS, actor=manager, now=NOW)  # stale after 60
    assert queries.proposal_for(call, NOW)[0].stale_minutes is None


def _recorded(store, dispatcher, responder_id, *, set_off_after, arrive_after, start):
    tokens = []
    call, _ = services.dispatch_call(take_call(store, dispatcher, now=start).id, responder=f"unit:{responder_id}",
                                     actor=dispatcher, now=start, crew_link=lambda token: tokens.append(token) or token)
    services.crew_step(tokens[0], "en_route", photo=None, folder="/x", now=start + timedelta(minutes=set_off_after))
    services.crew_step(tokens[0], "on_scene", photo=None, folder="/x", now=start + timedelta(minutes=arrive_after))
    services.advance_call(call.id, "completed", actor=dispatcher, now=start + timedelta(minutes=arrive_after + 20))
    return fresh(RescueCall, call.id)


def test_dispatch_keeps_the_estimate_and_learn_eta_learns_from_recorded_rescues(ctx, store, dispatcher):
    own = unit(store, "救援1", NANSHAN)  # 5.4 km from Bao'an
    first = _recorded(store, dispatcher, own.id, set_off_after=2, arrive_after=30, start=NOW)
    assert first.estimate_kind == "unit" and first.estimate_band == "day"
    assert first.estimate_distance_km == pytest.approx(5.4, abs=0.3)
    assert first.estimate_minutes == pytest.approx(5 + first.estimate_distance_km / (25 / 1.4) * 60, abs=0.01)
    for day in range(1, 20):
        db.session.execute(sa.update(type(own)).where(type(own).id == own.id)
                           .values(position_at=NOW + timedelta(days=day)))
        _recorded(store, dispatcher, own.id, set_off_after=2, arrive_after=30, start=NOW + timedelta(days=day))
    assert services.learn_eta(now=NOW + timedelta(days=30), store_ids=[store.id]) == 3
    rows = {(r.measure, r.area, r.band): (round(r.value, 2), r.samples)
            for r in db.session.scalars(sa.select(LearnedEta).where(LearnedEta.store_id == store.id))}
    kmh = round(first.estimate_distance_km / 28 * 60, 2)
    error = round(30 - first.estimate_minutes, 2)
    assert rows == {("straight_kmh", "town", "day"): (pytest.approx(kmh, abs=0.01), 20),
                    ("set_off_unit", "all", "day"): (2.0, 20), ("error", "all", "all"): (pytest.approx(error), 20)}
    later = NOW + timedelta(days=30)
    db.session.execute(sa.update(type(own)).where(type(own).id == own.id).values(position_at=later))
    proposal = queries.proposal_for(take_call(store, dispatcher, now=later), later)
    assert proposal[0].learned and proposal[0].estimate == pytest.approx(30, abs=0.05)  # 2 + 28 min, as recorded
    assert proposal.error.value == pytest.approx(error) and proposal.error.samples == 20


# -- the second SMS when the arrival slips -----------------------------------------------------------------

def _late_messages(call_id):
    return list(db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind == "rescue_eta_late")
                                   .order_by(SmsMessage.id)))


def _sent_unit(store, dispatcher):
    CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678", name="王先生")
    own = unit(store, "救援1", NANSHAN)
    tokens = []
    call, _ = services.dispatch_call(take_call(store, dispatcher).id, responder=f"unit:{own.id}", actor=dispatcher,
                                     now=NOW, crew_link=lambda token: tokens.append(token) or token)
    return own, call, tokens[0]


def test_a_slip_over_the_store_minutes_tells_the_owner_once_per_slip(ctx, store, dispatcher):
    own, call, token = _sent_unit(store, dispatcher)
    told = call.eta_at
    assert told == NOW + timedelta(minutes=24)
    # Set off and drove the wrong way: from Dongguan, 53 km, the arrival is hours away.
    services.crew_step(token, "en_route", photo=None, folder="/x", now=NOW + timedelta(minutes=5))
    services.crew_position(token, latitude=DONGGUAN[0], longitude=DONGGUAN[1], now=NOW + timedelta(minutes=10))
    call = fresh(RescueCall, call.id)
    late = _late_messages(call.id)
    assert len(late) == 1 and call.eta_slips == 1 and call.eta_at > told + timedelta(minutes=100)
    assert late[0].params["eta_minutes"] == str(math.ceil((call.eta_at - NOW - timedelta(minutes=10)).total_seconds() / 60))
    # The same place a minute later: on the new time, no second message.
    services.crew_position(token, latitude=DONGGUAN[0], longitude=DONGGUAN[1], now=NOW + timedelta(minutes=11))
    assert len(_late_messages(call.id)) == 1
    # Farther again (Guangzhou): a new slip, a new message; the timeline keeps the leg's first.
    services.crew_position(token, latitude=GUANGZHOU[0], longitude=GUANGZHOU[1], now=NOW + timedelta(minutes=20))
    assert len(_late_messages(call.id)) == 2 and fresh(RescueCall, call.id).eta_slips == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RescueEvent).where(
        RescueEvent.call_id == call.id, RescueEvent.kind == "eta_slipped")) == 1


def test_a_small_slip_or_an_arrival_tells_nobody(ctx, store, dispatcher, manager):
    own, call, token = _sent_unit(store, dispatcher)
    # 20 minutes later still at the base: 5 + 18 minutes from now is 19 minutes past the time told; over 30: nothing
    services.update_settings(store.id, dict(SETTINGS, eta_slip_minutes=30), actor=manager, now=NOW)
    services.crew_position(token, latitude=NANSHAN[0], longitude=NANSHAN[1], now=NOW + timedelta(minutes=20))
    assert _late_messages(call.id) == []
    services.crew_step(token, "on_scene", photo=TINY_PNG, folder=str(_tmp()), now=NOW + timedelta(minutes=25))
    services.crew_position(token, latitude=DONGGUAN[0], longitude=DONGGUAN[1], now=NOW + timedelta(minutes=26))
    assert _late_messages(call.id) == []


def test_a_unit_position_from_the_api_tells_the_owner_of_a_slip(ctx, store, dispatcher):
    own, call, _ = _sent_unit(store, dispatcher)
    services.report_unit(own.id, actor=dispatcher, now=NOW + timedelta(minutes=10), latitude=DONGGUAN[0],
                         longitude=DONGGUAN[1], coordinate_system="wgs84")
    assert len(_late_messages(call.id)) == 1 and fresh(RescueCall, call.id).eta_slips == 1


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="rescue-photos-"))
