"""Stores and partner stations: the business rules, called directly, on both databases."""
import math
from datetime import datetime, timezone

import pytest

from dealer.actors import SYSTEM
from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.stores import services
from dealer.stores.models import PartnerStation, Store
from dealer.stores.services import StationInput, StoreInput
from tests.factories import StationFactory
from tests.helpers import actor, audit_entries, count


@pytest.fixture()
def admin(group_admin):
    return actor(group_admin)


# -- stores ------------------------------------------------------------------------------------

def test_create_store_normalises_the_code_and_audits(ctx, admin, group_admin):
    store = services.create_store(StoreInput(code=" sz-02 ", name=" 深圳南山一汽-大众4S店 ", brand="一汽-大众",
                                             rescue_hotline="400-800-1234"), actor=admin)
    row = db.session.get(Store, store.id)
    assert (row.code, row.name, row.timezone, row.active) == ("SZ-02", "深圳南山一汽-大众4S店", "Asia/Shanghai", True)
    [entry] = audit_entries("store_created")
    assert (entry.store_id, entry.entity_id, entry.actor_id, entry.changes) == (
        store.id, store.id, group_admin.id, {"code": "SZ-02"})


def test_create_store_duplicate_code_is_code_taken(ctx, admin, store):
    with pytest.raises(services.StoreCodeTaken) as caught:
        services.create_store(StoreInput(code="sz01", name="另一家店"), actor=admin)
    assert (caught.value.code, caught.value.field) == ("stores.code_taken", "code")
    assert count(Store) == 1  # the transaction is still usable after the refusal
    assert audit_entries("store_created") == []


@pytest.mark.parametrize("changes, field", [
    ({"code": "S"}, "code"), ({"code": "SZ 01"}, "code"), ({"code": "深圳01"}, "code"),
    ({"code": "-SZ"}, "code"), ({"code": "S" * 21}, "code"), ({"name": "   "}, "name"),
    ({"timezone": "Mars/Olympus"}, "timezone"), ({"timezone": "../etc/passwd"}, "timezone"),
])
def test_create_store_invalid_details_are_refused_per_field(ctx, admin, changes, field):
    with pytest.raises(services.InvalidStore) as caught:
        services.create_store(StoreInput(**{"code": "SZ02", "name": "深圳南山店", **changes}), actor=admin)
    assert (caught.value.code, caught.value.field, caught.value.status) == ("stores.invalid", field, 422)
    assert count(Store) == 0


def test_create_store_only_by_a_group_level_admin(ctx, store, staff, group_manager):
    for who in (actor(staff["admin"]), actor(staff["manager"]), actor(group_manager)):
        with pytest.raises(Forbidden) as caught:
            services.create_store(StoreInput(code="SZ02", name="深圳南山店"), actor=who)
        assert caught.value.code == "forbidden"
    assert count(Store) == 1


def test_create_store_by_the_system_for_setup_commands(ctx):
    assert services.create_store(StoreInput(code="SZ01", name="深圳宝安店"), actor=SYSTEM).code == "SZ01"


def test_update_store_changes_details_and_audits(ctx, admin, store):
    services.update_store(store.id, StoreInput(code="sz01", name="深圳宝安店", timezone="Asia/Urumqi"),
                          actor=admin)
    row = db.session.get(Store, store.id)
    assert (row.name, row.timezone) == ("深圳宝安店", "Asia/Urumqi")
    [entry] = audit_entries("store_updated")
    assert entry.changes["timezone"] == ["Asia/Shanghai", "Asia/Urumqi"]
    assert "code" not in entry.changes


def test_update_store_to_another_stores_code_is_code_taken(ctx, admin, store, other_store):
    with pytest.raises(services.StoreCodeTaken):
        services.update_store(other_store.id, StoreInput(code="SZ01", name="广州天河店"), actor=admin)
    assert db.session.get(Store, other_store.id).code == "GZ01"


def test_store_local_date_is_the_date_in_its_time_zone(ctx, store):
    late_evening_utc = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)
    assert store.local_date(late_evening_utc).isoformat() == "2026-11-24"
    store.timezone = "Asia/Urumqi"  # UTC+6
    assert store.local_date(datetime(2026, 11, 23, 17, 59, tzinfo=timezone.utc)).isoformat() == "2026-11-23"


def test_get_store_is_scoped_for_store_level_staff(ctx, store, other_store, manager, admin):
    assert services.get_store(store.id, actor=manager).id == store.id
    with pytest.raises(NotFound):
        services.get_store(other_store.id, actor=manager)
    assert services.get_store(other_store.id, actor=admin).id == other_store.id


# -- partner stations --------------------------------------------------------------------------

def station(**changes) -> StationInput:
    return StationInput(**{"name": "宝安区福永二级维修站", "latitude": 22.67, "longitude": 113.81,
                           "capabilities": ["towing"], **changes})


def test_create_station_records_it_with_sorted_capabilities_and_audits(ctx, store, manager):
    created = services.create_station(store.id, station(name=" 福永站 ", capabilities=[
        "tyre_change", "towing", "jump_start", "towing"]), actor=manager)
    row = db.session.get(PartnerStation, created.id)
    assert (row.store_id, row.name, row.latitude, row.longitude) == (store.id, "福永站", 22.67, 113.81)
    assert row.capabilities == ["jump_start", "towing", "tyre_change"]
    [entry] = audit_entries("station_created")
    assert (entry.store_id, entry.entity_id) == (store.id, created.id)


def test_create_station_without_coordinates_is_allowed(ctx, store, manager):
    created = services.create_station(store.id, station(latitude=None, longitude=None, capabilities=[]),
                                      actor=manager)
    assert (created.latitude, created.longitude, created.capabilities) == (None, None, [])


@pytest.mark.parametrize("latitude, longitude", [(0.0, 0.0), (90.0, 180.0), (-90.0, -180.0)])
def test_create_station_accepts_the_edges_of_the_ranges(ctx, store, manager, latitude, longitude):
    created = services.create_station(store.id, station(latitude=latitude, longitude=longitude),
                                      actor=manager)
    assert (created.latitude, created.longitude) == (latitude, longitude)


@pytest.mark.parametrize("changes, field", [
    ({"latitude": 90.01}, "latitude"),
    ({"latitude": -91.0}, "latitude"),
    ({"latitude": math.nan}, "latitude"),
    ({"longitude": 180.5}, "longitude"),
    ({"longitude": -181.0}, "longitude"),
    ({"longitude": math.inf}, "longitude"),
    ({"longitude": None}, "latitude"),             # both or neither
    ({"latitude": None}, "latitude"),
    ({"capabilities": ["towing", "teleport"]}, "capabilities"),
    ({"name": "  "}, "name"),
])
def test_create_station_invalid_details_are_refused_per_field(ctx, store, manager, changes, field):
    with pytest.raises(services.InvalidStore) as caught:
        services.create_station(store.id, station(**changes), actor=manager)
    assert (caught.value.code, caught.value.field) == ("stores.invalid", field)
    assert count(PartnerStation) == 0


def test_create_station_name_is_unique_per_store(ctx, store, other_store, manager, admin):
    services.create_station(store.id, station(name="福永站"), actor=manager)
    with pytest.raises(services.InvalidStore) as caught:
        services.create_station(store.id, station(name=" 福永站 "), actor=manager)
    assert caught.value.field == "name"
    assert count(PartnerStation) == 1  # still usable after the refusal
    services.create_station(other_store.id, station(name="福永站"), actor=admin)
    assert count(PartnerStation, PartnerStation.name == "福永站") == 2


def test_create_station_for_another_store_is_forbidden(ctx, other_store, manager):
    with pytest.raises(Forbidden):
        services.create_station(other_store.id, station(), actor=manager)
    assert count(PartnerStation) == 0


def test_update_station_changes_it_and_audits(ctx, store, manager):
    existing = StationFactory(store=store, name="福永站", capabilities=["towing"])
    services.update_station(existing.id, station(name="福永站", capabilities=["towing", "lockout"],
                                                 active=False), actor=manager)
    row = db.session.get(PartnerStation, existing.id)
    assert (row.capabilities, row.active, row.latitude) == (["lockout", "towing"], False, 22.67)
    [entry] = audit_entries("station_updated")
    assert entry.changes["capabilities"] == [["towing"], ["lockout", "towing"]]


def test_update_station_to_a_taken_name_is_refused(ctx, store, manager):
    StationFactory(store=store, name="福永站")
    second = StationFactory(store=store, name="沙井站")
    with pytest.raises(services.InvalidStore) as caught:
        services.update_station(second.id, station(name="福永站"), actor=manager)
    assert caught.value.field == "name"
    assert db.session.get(PartnerStation, second.id).name == "沙井站"


def test_manager_cannot_edit_another_stores_station(ctx, other_store, manager):
    theirs = StationFactory(store=other_store, name="天河站", capabilities=["towing"])
    with pytest.raises(NotFound):
        services.get_station(theirs.id, actor=manager)
    with pytest.raises(NotFound):
        services.update_station(theirs.id, station(name="被改了"), actor=manager)
    db.session.expire_all()
    assert db.session.get(PartnerStation, theirs.id).name == "天河站"
    assert audit_entries("station_updated") == []


def test_group_level_manager_may_edit_any_stores_station(ctx, other_store, group_manager):
    theirs = StationFactory(store=other_store, name="天河站")
    services.update_station(theirs.id, station(name="天河站", phone="020-12345678"), actor=actor(group_manager))
    assert db.session.get(PartnerStation, theirs.id).phone == "020-12345678"


def test_list_stations_is_scoped_to_the_store(ctx, store, other_store, manager, admin):
    ours = StationFactory(store=store, name="福永站")
    theirs = StationFactory(store=other_store, name="天河站")
    assert [s.id for s in services.list_stations(actor=manager)] == [ours.id]
    assert {s.id for s in services.list_stations(actor=admin)} == {ours.id, theirs.id}
