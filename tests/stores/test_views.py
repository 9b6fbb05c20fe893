"""Store and partner-station pages: wiring, field errors, roles and store scope."""
import re

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.stores.families import MODEL_FAMILIES
from dealer.stores.models import PartnerStation, Store
from tests.factories import CustomerFactory, StationFactory, VehicleFactory
from tests.helpers import count, field_has_error, fresh, login, persist

STATION = {"name": "宝安区福永二级维修站", "address": "福永街道", "latitude": "22.67", "longitude": "113.81",
           "phone": "0755-12345678", "capabilities": ["towing", "jump_start"], "active": "y"}


def ticked(page: str, name: str) -> set[str]:
    """The values of the ticked checkboxes named `name`."""
    inputs = re.findall(r"<input([^>]*)>", page)
    return {re.search(r'value="([^"]*)"', attrs).group(1) for attrs in inputs
            if f'name="{name}"' in attrs and re.search(r"\bchecked\b", attrs)}


# -- stores ------------------------------------------------------------------------------------

def test_group_admin_sees_every_store_and_creates_one(client, group_admin, store, other_store):
    login(client, group_admin)
    page = client.get("/stores/").get_data(as_text=True)
    assert "SZ01" in page and "GZ01" in page
    form = client.get("/stores/new").get_data(as_text=True)
    assert ticked(form, "model_families") == set(MODEL_FAMILIES)  # every family, unless unticked
    response = client.post("/stores/new", data={"code": " sz02 ", "name": "深圳南山一汽-大众4S店",
                                                 "timezone": "Asia/Shanghai", "active": "y",
                                                 "model_families": list(MODEL_FAMILIES)})
    assert response.status_code == 302
    created = db.session.scalars(sa.select(Store).where(Store.code == "SZ02")).one()
    assert (created.name, created.model_families) == ("深圳南山一汽-大众4S店", None)  # None: every family


def test_a_store_lists_the_model_families_it_services_and_its_forms_offer_only_those(app, client, group_admin, store,
                                                                                       staff):
    login(client, group_admin)
    data = {"code": "SZ01", "name": store.name, "timezone": "Asia/Shanghai", "active": "y"}
    refused = client.post(f"/stores/{store.id}", data=data)
    assert refused.status_code == 200
    assert re.search(r'class="[^"]*is-invalid[^"]*" id="model_families"', refused.get_data(as_text=True))
    assert fresh(Store, store.id).model_families is None  # nothing changed

    assert client.post(f"/stores/{store.id}", data={**data, "model_families": ["suv", "ev"]}).status_code == 302
    assert fresh(Store, store.id).model_families == ["suv", "ev"]
    edit = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert ticked(edit, "model_families") == {"suv", "ev"}

    client = app.test_client()  # the store's manager
    login(client, staff["manager"])
    intervals = client.get("/reminders/intervals").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="([a-z]*)"', intervals[intervals.index('name="model_family"'):])
    assert offered[:3] == ["", "suv", "ev"] and "compact" not in offered
    wrong = client.post("/reminders/intervals", data={"model_family": "compact", "months": 6, "km": 5000})
    assert wrong.status_code == 200 and field_has_error(wrong, "model_family")

    vehicle = VehicleFactory(owner=CustomerFactory(store=store), model_family="compact")  # filed before
    persist()
    edit_vehicle = client.get(f"/vehicles/{vehicle.id}/edit").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="([a-z]*)"', edit_vehicle[edit_vehicle.index('name="model_family"'):])
    assert offered[:4] == ["", "suv", "ev", "compact"]  # the store's list, and what this car already has
    new_vehicle = client.get(f"/customers/{vehicle.owner_id}/vehicles/new").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="([a-z]*)"', new_vehicle[new_vehicle.index('name="model_family"'):])
    assert offered[:3] == ["", "suv", "ev"] and "compact" not in offered[:4]


def test_new_store_duplicate_code_shows_the_field_error(client, group_admin, store):
    db.session.commit()
    login(client, group_admin)
    response = client.post("/stores/new", data={"code": "sz01", "name": "重复", "timezone": "Asia/Shanghai",
                                                 "model_families": ["suv"]})
    assert response.status_code == 200
    assert field_has_error(response, "code")
    assert count(Store) == 1


def test_store_level_admin_cannot_create_a_store(client, staff):
    login(client, staff["admin"])
    response = client.post("/stores/new", data={"code": "SZ02", "name": "深圳南山店", "timezone": "Asia/Shanghai"})
    assert response.status_code == 200  # the refusal is shown above the form
    assert "alert-danger" in response.get_data(as_text=True)
    assert count(Store) == 1


def test_manager_cannot_open_the_new_store_page_and_sees_only_their_store(client, staff, other_store):
    login(client, staff["manager"])
    assert client.post("/stores/new", data={"code": "SZ02", "name": "x", "timezone": "Asia/Shanghai"}
                       ).status_code == 403
    page = client.get("/stores/").get_data(as_text=True)
    assert "SZ01" in page and "GZ01" not in page


# -- partner stations --------------------------------------------------------------------------

def test_manager_records_a_station_for_their_store(client, staff, store):
    login(client, staff["manager"])
    assert client.get("/stores/stations/new").status_code == 200
    response = client.post("/stores/stations/new", data={**STATION, "store": store.id})
    assert response.status_code == 302
    row = db.session.scalars(sa.select(PartnerStation)).one()
    assert (row.store_id, row.name, row.capabilities) == (store.id, "宝安区福永二级维修站", ["jump_start", "towing"])
    page = client.get("/stores/stations").get_data(as_text=True)
    assert "宝安区福永二级维修站" in page and "22.6700, 113.8100" in page


def test_manager_cannot_record_a_station_for_another_store(client, staff, other_store):
    db.session.commit()
    login(client, staff["manager"])
    response = client.post("/stores/stations/new", data={**STATION, "store": other_store.id})
    assert response.status_code == 200
    assert field_has_error(response, "store")
    assert count(PartnerStation) == 0


@pytest.mark.parametrize("changes, field", [
    ({"longitude": ""}, "latitude"),          # both or neither
    ({"latitude": "95"}, "latitude"),
    ({"longitude": "-181"}, "longitude"),
    ({"latitude": "north"}, "latitude"),
    ({"name": ""}, "name"),
])
def test_new_station_invalid_input_shows_the_field_error(client, staff, store, changes, field):
    db.session.commit()
    login(client, staff["manager"])
    response = client.post("/stores/stations/new", data={**STATION, "store": store.id, **changes})
    assert response.status_code == 200
    assert field_has_error(response, field)
    assert count(PartnerStation) == 0


def test_new_station_name_taken_in_the_store_shows_the_field_error(client, staff, store):
    StationFactory(store=store, name="宝安区福永二级维修站")
    db.session.commit()
    login(client, staff["manager"])
    response = client.post("/stores/stations/new", data={**STATION, "store": store.id})
    assert response.status_code == 200
    assert field_has_error(response, "name")
    assert count(PartnerStation) == 1


def test_manager_edits_their_stores_station(client, staff, store):
    ours = StationFactory(store=store, name="福永站", capabilities=["towing"])
    login(client, staff["manager"])
    assert client.get(f"/stores/stations/{ours.id}").status_code == 200
    response = client.post(f"/stores/stations/{ours.id}", data={**STATION, "name": "福永站",
                                                               "capabilities": ["lockout"]})
    assert response.status_code == 302
    assert fresh(PartnerStation, ours.id).capabilities == ["lockout"]


def test_manager_cannot_edit_another_stores_station(client, staff, other_store):
    theirs = StationFactory(store=other_store, name="天河站", capabilities=["towing"])
    db.session.commit()
    login(client, staff["manager"])
    page = client.get(f"/stores/stations/{theirs.id}")
    assert page.status_code == 404
    assert 'name="name"' not in page.get_data(as_text=True)  # no form for it
    response = client.post(f"/stores/stations/{theirs.id}",
                           data={**STATION, "name": "被改了", "store": other_store.id})
    assert response.status_code != 200  # refused; the row below is what matters
    row = fresh(PartnerStation, theirs.id)
    assert (row.name, row.capabilities) == ("天河站", ["towing"])
    assert "天河站" not in client.get("/stores/stations").get_data(as_text=True)


def test_rescue_dispatcher_sees_stations_but_cannot_record_them(client, staff, store):
    StationFactory(store=store, name="福永站")
    login(client, staff["rescue_dispatcher"])
    assert "福永站" in client.get("/stores/stations").get_data(as_text=True)
    assert client.post("/stores/stations/new", data={**STATION, "store": store.id}).status_code == 403
    assert count(PartnerStation) == 1


def test_group_admin_lists_every_stores_stations_with_the_stores_code(client, group_admin, store, other_store):
    StationFactory(store=store, name="福永站")
    StationFactory(store=other_store, name="天河站")
    login(client, group_admin)
    db.session.expunge_all()  # the request reads the stations and their stores itself, as in production

    page = client.get("/stores/stations")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert all(word in text for word in ("SZ01", "GZ01", "福永站", "天河站"))
