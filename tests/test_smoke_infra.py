import sqlalchemy as sa

from dealer.extensions import db
from tests.factories import VehicleFactory


def test_vehicle_rows_are_rolled_back_between_tests_first(db_session):
    VehicleFactory()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("vehicles"))) == 1


def test_vehicle_rows_are_rolled_back_between_tests_second(db_session):
    VehicleFactory()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("vehicles"))) == 1
