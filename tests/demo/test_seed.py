"""`flask seed-demo`: the service center's demo data, made through the real services, and made once."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from dealer.actors import Actor
from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.parts.models import Part, StockMove
from dealer.quicklane.models import ExpressPackage, LaneOrder
from dealer.repair import queries, services
from dealer.repair.models import (
    JOB_PENDING,
    LABOR_CATEGORIES,
    InspectionItem,
    LaborOperation,
    LaborOperationHours,
    LaborRate,
    Payment,
    RepairOrder,
    RepairSettings,
)
from dealer.satisfaction.models import Complaint, FollowUp
from dealer.stores.models import Store
from tests.helpers import count


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """The demo staff's passwords hashed cheaply: scrypt's deliberate slowness is not what is tested here."""

    monkeypatch.setattr("dealer.auth.services.generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"))


def seed(app, vehicles: int):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", str(vehicles)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture()
def seeded(app, db_session):
    output = seed(app, 16)
    stores = list(db.session.scalars(sa.select(Store).order_by(Store.code)))
    return output, stores


def check_catalogue(output, stores):
    assert [s.code for s in stores] == ["GZ01", "SZ01"]
    for store in stores:
        rates = dict(db.session.execute(sa.select(LaborRate.category, LaborRate.rate_fen)
                                        .where(LaborRate.store_id == store.id)).all())
        assert set(rates) == set(LABOR_CATEGORIES)
        assert rates["mechanical"] == 15_000  # ¥150 an hour
        assert db.session.get(RepairSettings, store.id).warranty_terms
        assert count(LaborOperation, LaborOperation.store_id == store.id) >= 20
        assert count(LaborOperationHours, LaborOperationHours.store_id == store.id) >= 2
        assert count(Part, Part.store_id == store.id) >= 40
        assert count(Part, Part.store_id == store.id, Part.genuine.is_(False)) >= 2
        low = count(Part, Part.store_id == store.id, Part.reorder_level > 0,
                    Part.on_hand - Part.reserved <= Part.reorder_level)
        assert low >= 3
        # Stock came in through the ledger: every part's stock is the sum of its moves.
        unbalanced = db.session.scalar(
            sa.select(sa.func.count()).select_from(Part).where(
                Part.store_id == store.id,
                Part.on_hand != sa.select(sa.func.coalesce(sa.func.sum(StockMove.quantity), 0))
                .where(StockMove.part_id == Part.id).scalar_subquery()))
        assert unbalanced == 0
        codes = set(db.session.scalars(sa.select(InspectionItem.code).where(InspectionItem.store_id == store.id)))
        assert {"TYRE_FL", "BRAKE_FRONT", "LIGHTS", "WIPERS", "BATTERY", "LEAKS", "SUSPENSION"} <= codes
    assert "labor operations" in output


def check_orders(stores):
    now = datetime.now(timezone.utc)

    for store in stores:
        orders = list(db.session.scalars(sa.select(RepairOrder).where(
            RepairOrder.store_id == store.id, RepairOrder.source_kind != "quick_lane").options(
            selectinload(RepairOrder.jobs), selectinload(RepairOrder.events))))
        states = sorted(order.state for order in orders)
        assert states == ["delivered", "estimated", "in_progress", "in_progress", "open", "ready"]
        late = [o for o in orders if o.state == "in_progress" and queries.overdue(o, now)]
        assert len(late) == 1
        delivered = next(o for o in orders if o.state == "delivered")
        payments = db.session.scalars(sa.select(Payment).where(Payment.order_id == delivered.id)).all()
        assert sorted(p.method for p in payments) == ["cash", "wechat_pay"]
        assert sum(p.amount_fen for p in payments) == delivered.customer_total_fen > 0
        assert delivered.net_fen + delivered.vat_fen == delivered.customer_total_fen
        ready = next(o for o in orders if o.state == "ready")
        assert ready.ready_at <= ready.promised_at
        assert any(job.approval == JOB_PENDING for o in orders for job in o.jobs)  # extra work waiting
        assert all(event.actor_name for o in orders for event in o.events)


def check_quick_lane(stores):
    for store in stores:
        packages = db.session.scalars(sa.select(ExpressPackage).where(ExpressPackage.store_id == store.id)
                                      .order_by(ExpressPackage.code)).all()
        assert [(p.code, p.price_fen) for p in packages] == [("Q10K", 49_900), ("Q5K", 34_900)]
        lane = db.session.scalars(sa.select(LaneOrder).where(LaneOrder.store_id == store.id)).one()
        assert (lane.stage, lane.key_tag, lane.package_id) == ("waiting", "Q01", packages[1].id)
        order = services.get_order(lane.repair_order_id, actor=SYSTEM_FOR(store))
        assert services.price(order, services.QUOTED).total_fen == 34_900  # the package price kept (list price 377.60)


def SYSTEM_FOR(store):  # noqa: N802 (reads as the actor it is)
    return Actor(user_id=None, store_id=store.id, roles=frozenset({"manager"}))


def test_seed_fills_the_service_center_once(app, seeded):
    """One seed checked whole (it takes seconds): catalogue, stock, checklist, orders; then seeded again."""
    output, stores = seeded
    # What it says is the summary and the sign-ins; no progress bar's label when not on a terminal.
    assert output.startswith("SZ01: ") and "\nVehicles" not in "\n" + output
    check_catalogue(output, stores)
    check_orders(stores)
    check_quick_lane(stores)
    before = {model: count(model) for model in (LaborRate, LaborOperation, Part, StockMove, InspectionItem,
                                                 RepairOrder, Payment, Vehicle, ExpressPackage, LaneOrder,
                                                 Complaint, FollowUp)}
    assert before[Complaint] == len(stores) and before[FollowUp] >= len(stores)  # a delivered order each

    again = seed(app, 16)

    assert {model: count(model) for model in before} == before
    assert "0 labor operations, 0 parts, 0 repair orders and 0 express packages added" in again
    assert "0 complaints added" in again


def test_seed_without_vehicles_makes_the_catalogue_but_no_orders(app, db_session):
    seed(app, 0)

    assert count(Vehicle) == 0 and count(RepairOrder) == 0
    assert count(LaborOperation) >= 40 and count(Part) >= 80

    seed(app, 14)  # the cars come later: so do the orders

    assert count(RepairOrder) == 12
