import pytest
import sqlalchemy as sa

from dealer.extensions import db
from tests.factories import VehicleFactory


def test_vehicle_rows_are_rolled_back_between_tests_first(db_session):
    VehicleFactory()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("vehicles"))) == 1


def test_vehicle_rows_are_rolled_back_between_tests_second(db_session):
    VehicleFactory()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("vehicles"))) == 1


@pytest.mark.postgres_only
def test_postgresql_sessions_of_the_app_run_without_jit(db_session):
    # JIT compilation took seconds of statements that run in milliseconds (the reminder scan's batches,
    # the monthly figures): the app turns it off for its connections.
    assert db.session.scalar(sa.text("SHOW jit")) == "off"
    with db.engine.connect() as fresh:
        assert fresh.scalar(sa.text("SHOW jit")) == "off"
