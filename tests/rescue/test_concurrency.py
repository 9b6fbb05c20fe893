"""Dispatchers at once, on PostgreSQL: the database settles which call gets a unit."""
import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.rescue import services
from dealer.rescue.errors import ResponderNotAvailable
from dealer.rescue.models import RescueCall, RescueUnit
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW, actor
from tests.rescue.builders import NANSHAN, link, take_call, unit

pytestmark = pytest.mark.postgres_only
TRIES = 20


def test_twenty_dispatchers_send_one_unit_to_twenty_calls_at_once_one_wins(app, shared_db):
    store = StoreFactory(code="SZ01")
    desks = [actor(UserFactory(username=f"dispatcher-{i}", roles=["rescue_dispatcher"], store=store))
             for i in range(TRIES)]
    db.session.commit()
    with app.test_request_context():
        van_id = unit(store, "救援1号", NANSHAN).id
        # Landlines: no customer file to open first, so every thread goes straight for the unit.
        calls = [take_call(store, desks[i], phone=f"07552778{i:04d}").id for i in range(TRIES)]
        db.session.remove()

    def send(i):
        return lambda: services.dispatch_call(calls[i], responder=f"unit:{van_id}", override_reason="测试",
                                              actor=desks[i], now=NOW, crew_link=link)[0].id

    results = at_once(app, *(send(i) for i in range(TRIES)))

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, ResponderNotAvailable) for r in results if not isinstance(r, int)), results
    with app.app_context():
        dispatched = db.session.scalars(sa.select(RescueCall.id).where(RescueCall.state == "dispatched")).all()
        van = db.session.get(RescueUnit, van_id)
        assert dispatched == winners and van.current_call_id == winners[0] and van.status == "on_job"
