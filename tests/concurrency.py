"""Two desks at once: run calls in parallel threads, each with its own app context and connection (PostgreSQL)."""
from __future__ import annotations

import threading

import pytest

from dealer.extensions import db


@pytest.fixture()
def shared_db(backend, request):
    """committed_db, on PostgreSQL only (SQLite serialises writers; there is no race to settle)."""
    if backend != "postgresql":
        pytest.skip("row locks and concurrent connections need PostgreSQL")
    return request.getfixturevalue("committed_db")


def at_once(app, *calls):
    """Run each call in its own thread, app context and connection, released together; return results.

    A call's result is what it returns or the exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        # A request context, not only an app context: a DomainError's message is translated when raised.
        with app.test_request_context():
            try:
                barrier.wait(timeout=10)
                results[index] = call()
            except Exception as error:  # noqa: BLE001  (the caller asserts on it)
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a desk is still waiting: deadlock?"
    return results
