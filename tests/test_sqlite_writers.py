"""The embedded database under a normal day's use: sign-ins, form posts and the scheduler at once.

SQLite answers "database is locked" at once, whatever busy_timeout says, to a transaction that read and
then wants to write while another holds the write lock: such a transaction cannot wait, so it must start
as a writer. Here 8 desks sign in, search and post forms while the scheduler keeps its lease and sends
SMS, against the file database, for DURATION seconds: no request may fail and the scheduler never loses
its lease.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from dealer.auth import services
from dealer.extensions import db
from dealer.scheduler import SchedulerRunner
from tests.factories import PASSWORD, StoreFactory, UserFactory
from tests.helpers import NOW
from tests.isolation import isolated_client

DURATION = float(os.environ.get("DEALER_SQLITE_SOAK_SECONDS", "60"))
DESKS = 8


@pytest.mark.sqlite_only
def test_desks_and_scheduler_share_the_embedded_database_without_an_error(app, committed_db):
    store = StoreFactory(code="SZ01")
    users = [UserFactory(username=f"desk{i}", roles=["service_advisor"], store=store) for i in range(DESKS)]
    db.session.commit()
    user_names = [user.username for user in users]
    store_id = store.id
    db.session.remove()

    failures: list[str] = []
    done = threading.Event()
    requests = [0] * DESKS

    def desk(index: int) -> None:
        number = 0
        while not done.is_set():
            client = isolated_client(app)
            number += 1
            steps = [
                ("POST", "/login", {"username": user_names[index], "password": PASSWORD}, 302),
                ("GET", "/desk?q=王", None, 200),
                ("POST", "/customers/new", {"name": f"王{index}-{number}", "mobile": f"139{index:02d}{number:06d}",
                                            "store": str(store_id), "advisor": "0"}, 302),
                ("POST", "/logout", {}, 302),
            ]
            for method, url, data, expected in steps:
                try:
                    response = client.open(url, method=method, data=data)
                except Exception as error:  # noqa: BLE001  (every error is a failure to report)
                    failures.append(f"desk {index} {method} {url}: {error!r}")
                    continue
                requests[index] += 1
                if response.status_code != expected:
                    failures.append(f"desk {index} {method} {url}: {response.status_code}")

    runner = SchedulerRunner(app, ttl=timedelta(seconds=3), heartbeat=0.5, holder="soak")
    leadership: list[bool] = []

    def scheduler() -> None:
        while not done.is_set():
            leadership.append(runner.tick())
            time.sleep(0.2)

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(DESKS)]
    threads.append(threading.Thread(target=scheduler))
    for thread in threads:
        thread.start()
    time.sleep(DURATION)
    done.set()
    for thread in threads:
        thread.join(timeout=30)
    runner.stop()

    assert failures == []
    assert sum(requests) > DESKS * 4  # every desk got through whole rounds
    assert leadership and all(leadership)  # the lease was never lost


@pytest.mark.sqlite_only
def test_a_sign_in_leaves_the_write_lock_free_while_its_password_is_checked(app, committed_db):
    # A password's hash takes about 0.1 s to check; a sign-in that held SQLite's write lock meanwhile kept every
    # desk's form waiting, and 8 desks at once ran past busy_timeout. Here the hash is made slow (about 1 s)
    # and another process's writer (a connection of its own, not waiting) tries the lock while it is checked.
    user = UserFactory(username="slowhash", roles=["service_advisor"], store=StoreFactory(code="SZ01"))
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:3000000")
    db.session.commit()
    db.session.remove()
    outcome: list[object] = []

    def sign_in():
        with app.test_request_context("/login", method="POST"):
            try:
                outcome.append(services.sign_in("slowhash", PASSWORD, address="10.1.0.1", now=NOW).username)
            except Exception as error:  # noqa: BLE001  (reported by the assertion below)
                outcome.append(error)
            finally:
                db.session.remove()

    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    thread = threading.Thread(target=sign_in)
    tries = free = 0
    thread.start()
    while thread.is_alive():
        tries += 1
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked
            pass
        else:
            other.execute("ROLLBACK")
            free += 1
        time.sleep(0.02)
    other.close()

    assert outcome == ["slowhash"]
    assert tries >= 20  # the check took its time
    assert free >= tries * 0.8  # the lock was held only to write the sign-in, not while the hash was checked
