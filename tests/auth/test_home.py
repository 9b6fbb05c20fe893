"""The home page: the panels the modules contribute for the person's roles, in position order."""
from __future__ import annotations

import pytest
from markupsafe import Markup

from dealer.actors import SERVICE_ADVISOR
from dealer.auth import signals
from dealer.signals import Panel
from tests.helpers import login, text
from tests.isolation import isolated_client


@pytest.fixture()
def extra_panels():
    """Connect receivers to the home page's signal for one test, as a module to come would."""
    connected = []

    def connect(receiver):
        signals.home_panels.connect(receiver, weak=False)
        connected.append(receiver)

    yield connect
    for receiver in connected:
        signals.home_panels.disconnect(receiver)


def test_home_shows_the_panels_modules_contribute_for_the_roles_in_position_order(app, client, staff,
                                                                                  extra_panels):
    seen = []

    def bookings(actor, *, now, **_):
        seen.append((actor.user_id, now.tzinfo is not None))
        if not actor.has_any({SERVICE_ADVISOR}):
            return None
        return Panel(10, Markup('<section data-testid="home-bookings">today</section>'))

    extra_panels(bookings)
    login(client, staff["service_advisor"])
    page = text(client.get("/"))

    assert seen == [(staff["service_advisor"].id, True)]
    assert (page.index('data-testid="home-search"') < page.index('data-testid="home-bookings"')
            < page.index('data-testid="home-workshop"'))
    technician = isolated_client(app)
    login(technician, staff["technician"])
    assert 'data-testid="home-bookings"' not in text(technician.get("/"))


def test_an_admin_goes_to_the_staff_list_and_others_see_their_work(app, client, staff):
    login(client, staff["admin"])
    assert client.get("/").headers["Location"] == "/users"
    cashier = isolated_client(app)
    login(cashier, staff["cashier"])
    page = text(cashier.get("/"))
    assert 'data-testid="home-to-settle"' in page
