"""Coordinates and the proposal: GCJ-02 round trips on published points, ranking with real Guangdong towns."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from dealer.rescue import eta, geo
from dealer.rescue.proposal import DEFAULT_MODEL, STATION, UNIT, Coverage, propose, required_capabilities
from tests.rescue.builders import ALL_ROUND, BAOAN, DONGGUAN, GUANGZHOU, HUIZHOU, NANSHAN

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shenzhen
# Published WGS-84 -> GCJ-02 pairs (googollee/eviltransform's test points: Shanghai, Shenzhen, Beijing).
REFERENCE = [((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
             ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
             ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657))]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_published_points_and_comes_back(wgs, gcj):
    assert geo.from_wgs84(*wgs, geo.GCJ02) == pytest.approx(gcj, abs=1e-7)
    assert geo.to_wgs84(*gcj, geo.GCJ02) == pytest.approx(wgs, abs=1e-6)  # within ~10 cm


def test_bd09_round_trip_and_outside_china_unchanged():
    there = geo.from_wgs84(*BAOAN, geo.BD09)
    assert there != pytest.approx(BAOAN, abs=1e-3)
    assert geo.to_wgs84(*there, geo.BD09) == pytest.approx(BAOAN, abs=1e-5)
    assert geo.to_wgs84(48.8584, 2.2945, geo.GCJ02) == pytest.approx((48.8584, 2.2945))  # Paris: no offset


def test_haversine_between_guangdong_towns():
    assert geo.haversine_km(*BAOAN, *NANSHAN) == pytest.approx(5.4, abs=0.3)
    assert geo.haversine_km(*BAOAN, *DONGGUAN) == pytest.approx(53.2, abs=1.0)
    assert geo.haversine_km(*GUANGZHOU, *HUIZHOU) == pytest.approx(108.6, abs=1.5)


def _call(at=BAOAN, area="town", **facts):
    values = dict(latitude_wgs84=at[0] if at else None, longitude_wgs84=at[1] if at else None, area=area,
                  fault_type="no_start", tow_needed=False, drivable=None, needs_flatbed=False)
    values.update(facts)
    call = SimpleNamespace(**values)
    call.has_position = at is not None
    return call


def _unit(ident, at, *, capabilities=ALL_ROUND, status="available", position_at=NOW):
    return SimpleNamespace(id=ident, name=f"U{ident}", phone="1", active=True, status=status,
                           capabilities=capabilities, latitude_wgs84=at[0] if at else None,
                           longitude_wgs84=at[1] if at else None, position_at=position_at)


def _station(ident, at, *, capabilities=("towing", "jump_start")):
    return SimpleNamespace(id=ident, name=f"S{ident}", phone="2", active=True, capabilities=list(capabilities),
                           latitude=at[0] if at else None, longitude=at[1] if at else None)


def test_nearest_capable_units_and_covering_stations_ranked_by_eta():
    units = [_unit(1, DONGGUAN), _unit(2, NANSHAN), _unit(3, BAOAN, status="on_job"),
             _unit(4, NANSHAN, capabilities=["tyre_change"])]
    stations = [_station(10, NANSHAN), _station(11, DONGGUAN), _station(12, HUIZHOU)]
    ranked = propose(_call(), units, stations, now=NOW, zone="Asia/Shanghai")
    assert [c.key for c in ranked] == ["unit:2", "station:10", "unit:1"]
    first = ranked[0]
    # 5.4 km x 1.4 / 25 km/h = 18.1 min, + 5 min to set off
    assert first.eta_minutes == 24 and first.distance_km == pytest.approx(5.4, abs=0.3) and not first.approximate
    assert ranked[1].eta_minutes == 29  # the same road, a station's 10 minutes to set off
    # Dongguan's station is 53 km away: outside its 40 km coverage; Huizhou's too.
    assert all(c.key not in ("station:11", "station:12") for c in ranked)


def test_outside_town_drives_faster_and_night_sets_off_later():
    call = _call(area="outside")
    day = propose(call, [_unit(1, DONGGUAN)], [], now=NOW, zone="Asia/Shanghai")[0]
    assert day.eta_minutes == 95  # 53.2 km x 1.4 / 50 km/h = 89.4 min + 5
    midnight = NOW.replace(hour=16)  # 00:00 in Shenzhen
    night = propose(call, [_unit(1, DONGGUAN, position_at=midnight)], [], now=midnight, zone="Asia/Shanghai")[0]
    assert night.night and night.eta_minutes == day.eta_minutes + DEFAULT_MODEL.defaults.night_extra_minutes


def test_a_stale_position_counts_less_and_says_so():
    fresh, stale = _unit(1, DONGGUAN), _unit(2, NANSHAN, position_at=NOW - timedelta(minutes=40))
    ranked = propose(_call(), [fresh, stale], [], now=NOW, zone="Asia/Shanghai")
    assert ranked[0].key == "unit:2" and ranked[0].stale_minutes == 40
    assert ranked[0].eta_minutes == 24 + DEFAULT_MODEL.stale_penalty_minutes


def test_a_call_without_coordinates_is_proposed_on_its_area_and_marked_approximate():
    ranked = propose(_call(at=None, area="outside"), [_unit(1, NANSHAN)], [_station(10, None)], now=NOW,
                     zone="Asia/Shanghai")
    assert [(c.kind, c.approximate) for c in ranked] == [(UNIT, True), (STATION, True)]
    assert ranked[0].eta_minutes == DEFAULT_MODEL.defaults.approximate_minutes["outside"] + 5


def test_only_capable_responders_a_flatbed_for_an_ev():
    call = _call(fault_type="ev_no_charge")
    assert required_capabilities(call) == {"towing", "flatbed"}
    wheel_lift = _unit(1, NANSHAN, capabilities=["towing", "jump_start"])
    flatbed = _unit(2, DONGGUAN, capabilities=["towing", "flatbed"])
    ranked = propose(call, [wheel_lift, flatbed], [_station(10, NANSHAN, capabilities=["towing"])], now=NOW,
                     zone="Asia/Shanghai")
    assert [c.key for c in ranked] == ["unit:2"]
    assert required_capabilities(_call(fault_type="flat_tyre", drivable=False)) == {"tyre_change", "towing"}


def test_the_ranking_estimates_as_the_eta_module_with_learned_values():
    """The proposal looks the learned values up once per kind; each estimate is still eta.estimate_minutes."""
    learned = {(eta.STRAIGHT_KMH, "town", "day"): eta.Learned(30.0, 40),
               (eta.SET_OFF[STATION], "all", "day"): eta.Learned(7.5, 25)}
    model = eta.EtaModel(learned=learned)
    call = _call()
    ranked = propose(call, [_unit(1, NANSHAN)], [_station(10, DONGGUAN)], now=NOW, zone="Asia/Shanghai",
                     model=model, coverage={10: Coverage(radius_km=80)})
    assert [c.key for c in ranked] == ["unit:1", "station:10"]
    for candidate, kind in zip(ranked, (UNIT, STATION)):
        expected, learned_used = eta.estimate_minutes(candidate.distance_km, kind=kind, area="town", band="day",
                                                      model=model)
        assert candidate.estimate == pytest.approx(expected) and candidate.learned and learned_used
