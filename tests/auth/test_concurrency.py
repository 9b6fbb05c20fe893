"""Wrong passwords tried in parallel on one account (PostgreSQL: row locks, one connection per thread)."""
from __future__ import annotations

import uuid

import pytest

from dealer.auth import services
from dealer.extensions import db
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW

pytestmark = pytest.mark.postgres_only


def test_parallel_wrong_passwords_get_no_more_tries_than_the_limit(app, shared_db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", None)
    username = "parallel-" + uuid.uuid4().hex[:12]  # counters of its own
    UserFactory(username=username, roles=["cashier"], store=StoreFactory(code="PAR1"))
    db.session.commit()

    def guess(number):
        return lambda: services.authenticate(username, f"guess-{number}", address=f"10.7.0.{number}", now=NOW)

    results = at_once(app, *(guess(number) for number in range(8)))

    assert sorted(type(result).__name__ for result in results) == ["InvalidCredentials"] * 3 + [
        "TooManyAttempts"] * 5
