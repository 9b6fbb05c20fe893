"""Schema only through migrations: the migrated database matches the models; migrations go both ways."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from dealer import create_app
from dealer.extensions import db
from tests.config import base_config


def _drift(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _append_only(engine) -> bool:
    """Tell whether the database refuses to change an audit entry (the migration's triggers)."""
    with engine.connect() as connection:
        with connection.begin():
            connection.execute(sa.text(
                "INSERT INTO audit_log (actor_name, action, entity_type, changes, created_at) "
                "VALUES ('t', 'migration_check', 'test', '{}', CURRENT_TIMESTAMP)"))
        transaction = connection.begin()
        try:
            connection.execute(sa.text("UPDATE audit_log SET action = 'changed'"))
        except sa.exc.DatabaseError:
            return True
        finally:
            transaction.rollback()
    return False


def test_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        assert _drift(connection) == []


def test_every_model_table_comes_from_a_migration(app):
    with app.app_context():
        assert _tables(db.engine) == set(db.metadata.tables) | {"alembic_version"}


@pytest.fixture()
def fresh_database_url(request, backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").create_database("dealer_fresh_" + uuid.uuid4().hex[:8])


def test_downgrade_to_base_and_upgrade_again(request, backend, fresh_database_url, tmp_path_factory, app):
    fresh = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with fresh.app_context():
        try:
            upgrade()
            assert _tables(db.engine) == set(db.metadata.tables) | {"alembic_version"}

            downgrade(revision="base")
            assert _tables(db.engine) == {"alembic_version"}

            upgrade()
            with db.engine.connect() as connection:
                assert _drift(connection) == []
            assert _append_only(db.engine)
        finally:
            db.session.remove()
            db.engine.dispose()
