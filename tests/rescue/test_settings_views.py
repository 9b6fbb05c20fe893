"""Rescue settings pages and the station's acceptance on the board and the crew's page: the wiring."""
from datetime import timedelta

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.rescue import services
from dealer.rescue.models import RescueCall, RescueSettings
from tests.factories import StationFactory
from tests.helpers import actor, fresh, login, persist, text
from tests.rescue.builders import NANSHAN, link, take_call

FORM = {"dispatch_target_minutes": "8", "arrival_town_minutes": "35", "arrival_outside_minutes": "70",
        "station_accept_minutes": "4", "stale_position_minutes": "20", "eta_slip_minutes": "12"}


def test_manager_sets_the_targets_and_a_station_coverage(client, ctx, store, staff):
    station = StationFactory(store=store, name="沙井二级站")
    persist()
    login(client, staff["manager"])
    page = text(client.get("/rescue/settings"))
    assert "沙井二级站" in page and 'value="5"' in page  # the defaults before anything is set
    assert client.post("/rescue/settings", data=FORM).status_code == 302
    settings = db.session.get(RescueSettings, store.id)
    assert (settings.dispatch_target_minutes, settings.station_accept_minutes, settings.eta_slip_minutes) == (8, 4, 12)
    client.post(f"/rescue/settings/stations/{station.id}", data={"radius_km": "25", "opens": "08:00",
                                                                 "closes": "20:30"})
    assert services.coverage_of(store.id)[station.id] == services.settings.Coverage(25.0, 480, 1230)
    assert 'value="20:30"' in text(client.get("/rescue/settings"))


def test_bad_settings_are_told_in_chinese_and_change_nothing(client, ctx, store, staff):
    station = StationFactory(store=store)
    persist()
    login(client, staff["manager"])
    page = text(client.post("/rescue/settings", data={**FORM, "arrival_town_minutes": "0"}))
    assert "1" in page and "600" in page and "整分钟" in page
    assert db.session.get(RescueSettings, store.id) is None
    page = text(client.post(f"/rescue/settings/stations/{station.id}",
                            data={"radius_km": "25", "opens": "25:00", "closes": "08:00"}, follow_redirects=True))
    assert "例如 08:30" in page and services.coverage_of(store.id) == {}


def test_the_dispatcher_may_not_change_the_settings(client, ctx, store, staff):
    login(client, staff["rescue_dispatcher"])
    assert client.post("/rescue/settings", data=FORM).status_code == 403


def test_board_flags_a_station_not_accepting_and_the_call_offers_the_next(client, ctx, store, staff):
    dispatcher = actor(staff["rescue_dispatcher"])
    station = StationFactory(store=store, latitude=NANSHAN[0], longitude=NANSHAN[1], capabilities=["jump_start"])
    sent = utcnow() - timedelta(minutes=5)
    call = take_call(store, dispatcher, now=sent)
    tokens = []
    services.dispatch_call(call.id, responder=f"station:{station.id}", actor=dispatcher, now=sent,
                           crew_link=lambda token: tokens.append(token) or link(token))
    persist()
    login(client, staff["rescue_dispatcher"])
    assert 'data-testid="not-accepted"' in text(client.get("/rescue/live"))
    page = text(client.get(f"/rescue/calls/{call.id}"))
    assert 'data-testid="station-not-accepted"' in page and "未在" in page
    client.post("/logout")
    crew_page = text(client.get(f"/rescue/crew/{tokens[0]}"))
    assert 'data-testid="crew-step-accepted"' in crew_page
    client.post(f"/rescue/crew/{tokens[0]}/steps", data={"step": "accepted"})
    assert fresh(RescueCall, call.id).accepted_at is not None
    assert db.session.scalar(sa.select(RescueCall.accepted_at).where(RescueCall.id == call.id)) is not None
