"""Test fixtures: the app on SQLite and on a throwaway PostgreSQL, each test in a rolled-back transaction.

Every test that uses `app` or `db_session` runs twice, once per backend ([sqlite], [postgresql]).
PostgreSQL runs when its server binaries are found; with DEALER_REQUIRE_ALL=1 (CI) a missing
PostgreSQL or Chromium is a failure, not a skip.
"""
from __future__ import annotations

import os
import uuid

import pytest
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from dealer import create_app
from dealer.extensions import db
from tests.config import base_config, missing
from tests.isolation import isolated_client
from tests.pgcluster import PostgresCluster, find_bindir

# Shared fixtures: stores, staff and signed-in clients (tests.helpers), the SMS stand-in (sms_standin),
# shared_db (tests.concurrency).
pytest_plugins = ["tests.helpers", "tests.sms.standin", "tests.concurrency"]
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config, items):
    """Run PostgreSQL-only tests (concurrency: row locks, parallel connections) on PostgreSQL only, and
    SQLite-only ones (the embedded database's own locking) on SQLite only.

    The other variants are deselected rather than skipped, so a green run has nothing skipped.
    """
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        wrong = ((backend == "sqlite" and item.get_closest_marker("postgres_only"))
                 or (backend == "postgresql" and item.get_closest_marker("sqlite_only")))
        (drop if wrong else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_cluster():
    bindir = find_bindir()
    if bindir is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl)")
    cluster = PostgresCluster(bindir).start()
    yield cluster
    cluster.stop()


def make_database_url(request, tmp_path_factory, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database("dealer_test_" + uuid.uuid4().hex[:8])


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory, backend):
    return make_database_url(request, tmp_path_factory, backend)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application on a database built by the migrations (upgrade head), once per backend."""
    os.environ.pop("DATABASE_URL", None)
    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=database_url))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def db_session(app):
    """Run the test in a transaction that is rolled back; services' commits release savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                    scopefunc=_app_ctx_id)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture()
def committed_db(app):
    """A database whose commits are real (concurrency tests); every table is emptied afterwards."""
    with app.app_context():
        yield db
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Lets the audit log be cleared, for this transaction only: a plain SET stayed on the pooled
                # connection and turned the log's triggers off for the tests that came after.
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for table in reversed(db.metadata.sorted_tables):
                    conn.exec_driver_sql(f'DELETE FROM "{table.name}"')
            else:
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
                for table in reversed(db.metadata.sorted_tables):
                    conn.exec_driver_sql(f'DELETE FROM "{table.name}"')
                conn.exec_driver_sql("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                                     "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


@pytest.fixture()
def client(app, db_session):
    """A test client whose every request gets its own app context (and `g`), as in production."""
    return isolated_client(app)


@pytest.fixture()
def ctx(app, db_session):
    """An app context (and request context) for calling services directly."""
    with app.test_request_context():
        yield

