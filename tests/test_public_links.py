"""Links texted to owners and crews carry the deployment's public address, whatever address staff used."""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.public_links import DEVELOPMENT_BASE, public_base, public_url
from dealer.rescue.models import RescueCall
from dealer.sms.models import SmsMessage
from tests.factories import PASSWORD
from tests.helpers import persist
from tests.rescue.builders import NANSHAN, unit

PUBLIC = "https://service.example.com/dealer/"


def test_a_configured_public_address_wins_over_the_lan_address_of_the_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC.rstrip("/"))  # with or without the last slash
    with app.test_request_context("/", base_url="http://192.168.1.10:8000"):
        assert public_base() == PUBLIC
        assert public_url("rescue.crew", token="abc") == PUBLIC + "rescue/crew/abc"


def test_without_one_the_request_address_is_used(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    with app.test_request_context("/", base_url="https://dealer.example.cn"):
        assert public_url("rescue.crew", token="abc") == "https://dealer.example.cn/rescue/crew/abc"


def test_outside_a_request_production_needs_it_and_development_uses_make_runs_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    with app.app_context():
        assert public_url("rescue.crew", token="abc") == DEVELOPMENT_BASE + "rescue/crew/abc"
        monkeypatch.setitem(app.config, "ENV", "production")
        with pytest.raises(RuntimeError, match="DEALER_PUBLIC_URL"):
            public_url("rescue.crew", token="abc")
        monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
        assert public_url("rescue.crew", token="abc") == PUBLIC + "rescue/crew/abc"


def test_the_crew_link_a_dispatcher_sends_from_the_store_lan_is_the_public_one(app, client, staff, ctx, store,
                                                                               monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    van = unit(store, "救援1号", NANSHAN)
    persist()
    lan = {"base_url": "http://192.168.1.10"}  # the dispatcher's desk reaches the app by the store's LAN
    user = staff["rescue_dispatcher"]
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}, **lan).status_code == 302
    client.post("/rescue/intake", data={"intake_key": uuid.uuid4().hex, "caller_phone": "07552778123",
                                        "coordinate_system": "wgs84", "area": "town", "fault_type": "no_start",
                                        "drivable": "", "latitude": "22.5553", "longitude": "113.8838"}, **lan)
    call = db.session.scalar(sa.select(RescueCall))

    client.post(f"/rescue/calls/{call.id}/dispatch", data={"responder": f"unit:{van.id}"}, **lan)

    texts = [message.params.get("link", "") for message in db.session.scalars(sa.select(SmsMessage))]
    assert any(re.fullmatch(re.escape(PUBLIC) + r"rescue/crew/[\w-]+", link) for link in texts), texts
