"""Property-based: for any sequence of earnings, redemptions, expiries, reversals, corrections and clawbacks, the
points balance equals the ledger's sum, the lots hold exactly what may be spent, and the balance is below zero
only after an explicit clawback."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealer.extensions import db
from dealer.members import ledger
from dealer.members.errors import NotEnoughPoints, NotEnoughStoredValue
from dealer.members.models import (
    ADJUST,
    CLAWBACK,
    EARN,
    REFUND,
    TOP_UP,
    Member,
    PointsEntry,
    PointsLot,
    StoredValueEntry,
)
from dealer.members.services import tiers_of
from tests.factories import CustomerFactory, RepairOrderFactory, VehicleFactory
from tests.helpers import NOW

operations = st.lists(st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 2000)),
    st.tuples(st.just("redeem"), st.integers(1, 2500)),
    st.tuples(st.just("expire"), st.integers(1, 500)),  # days pass, then the nightly expiry
    st.tuples(st.just("reverse"), st.integers(0, 30)),  # reverse the n-th order still standing
    st.tuples(st.just("adjust"), st.integers(-800, 800).filter(bool)),
    st.tuples(st.just("clawback"), st.integers(1, 800)),
), max_size=25)


def _member(store):
    customer = CustomerFactory(store=store)
    member = Member(store_id=store.id, customer_id=customer.id, number=f"P{customer.id:09d}",
                    joined_on=date(2026, 1, 1), tier_id=tiers_of(store.id)[0].id, points_balance=0,
                    card_paid_fen=0, card_bonus_fen=0, override_reason="")
    db.session.add(member)
    db.session.flush()
    return member, customer


def _order(store, vehicle):
    return RepairOrderFactory(store=store, vehicle=vehicle, customer=vehicle.owner, state="settled").id


def _check(member) -> None:
    db.session.flush()
    summed = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))
                               .where(PointsEntry.member_id == member.id))
    assert member.points_balance == summed
    lots = db.session.execute(sa.select(PointsLot.remaining, PointsLot.earned)
                              .where(PointsLot.member_id == member.id)).all()
    assert all(0 <= remaining <= earned for remaining, earned in lots)
    assert sum(remaining for remaining, _earned in lots) == max(member.points_balance, 0)
    if member.points_balance < 0:
        assert db.session.scalar(sa.select(sa.func.count()).where(
            PointsEntry.member_id == member.id, PointsEntry.kind == CLAWBACK)) > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_any_sequence_keeps_the_balance_equal_to_the_ledger(db_session, store, steps):
    member, customer = _member(store)
    vehicle = VehicleFactory(owner=customer, store=store)
    today, now = date(2026, 11, 23), NOW
    orders: list[int] = []
    for step, amount in steps:
        if step == "earn":
            orders.append(_order(store, vehicle))
            ledger.open_lot(member, EARN, amount, today=today, actor_id=None, now=now, order_id=orders[-1])
        elif step == "redeem":
            order_id = _order(store, vehicle)
            before = member.points_balance
            try:
                with db.session.begin_nested():
                    ledger.redeem(member, amount, order_id=order_id, today=today, actor_id=None, now=now)
                orders.append(order_id)
            except NotEnoughPoints:
                db.session.refresh(member)
                ledger.expire(member, today=today, now=now)  # what the refused redemption had expired
                assert amount > member.points_balance or member.points_balance < before
        elif step == "expire":
            today += timedelta(days=amount)
            now += timedelta(days=amount)
            ledger.expire(member, today=today, now=now)
        elif step == "reverse" and orders:
            order_id = orders.pop(amount % len(orders))
            ledger.reverse_order(member, order_id=order_id, order_number=str(order_id), actor_id=None, now=now)
        elif step == "adjust":
            if amount > 0:
                ledger.open_lot(member, ADJUST, amount, today=today, actor_id=None, now=now, reason="调整")
            elif -amount <= member.points_balance:
                ledger.expire(member, today=today, now=now)
                if -amount <= member.points_balance:
                    assert ledger.take(member, ADJUST, -amount, actor_id=None, now=now, today=today,
                                       reason="调整") == 0
        elif step == "clawback":
            ledger.clawback(member, amount, actor_id=None, now=now, reason="追回")
        _check(member)


# -- the stored-value card (储值卡): top-ups with bonus, payments, refunds and reversals of payments --------------

card_operations = st.lists(st.one_of(
    st.tuples(st.just("top_up"), st.integers(1, 100_000), st.integers(0, 20_000)),  # paid, bonus (fen)
    st.tuples(st.just("pay"), st.integers(1, 150_000), st.just(0)),
    st.tuples(st.just("refund"), st.just(0), st.just(0)),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.just(0)),  # reverse the n-th payment still standing
), max_size=25)


def _check_card(member) -> None:
    db.session.flush()
    paid, bonus = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(StoredValueEntry.paid_fen), 0),
        sa.func.coalesce(sa.func.sum(StoredValueEntry.bonus_fen), 0)).where(
        StoredValueEntry.member_id == member.id)).one()
    assert (member.card_paid_fen, member.card_bonus_fen) == (paid, bonus)
    assert member.card_paid_fen >= 0 and member.card_bonus_fen >= 0
    last = db.session.scalars(sa.select(StoredValueEntry).where(StoredValueEntry.member_id == member.id)
                              .order_by(StoredValueEntry.id.desc()).limit(1)).first()
    if last is not None:
        assert (last.paid_after_fen, last.bonus_after_fen) == (member.card_paid_fen, member.card_bonus_fen)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=card_operations)
def test_any_sequence_keeps_the_card_equal_to_its_ledger(db_session, store, steps):
    member, customer = _member(store)
    vehicle = VehicleFactory(owner=customer, store=store)
    payments: list[tuple[int, int]] = []  # (order, amount paid from the card)
    for step, amount, bonus in steps:
        if step == "top_up":
            ledger.card_entry(member, TOP_UP, amount, bonus, actor_id=None, now=NOW, method="cash")
        elif step == "pay":
            order_id, before = _order(store, vehicle), member.card_balance_fen
            try:
                with db.session.begin_nested():
                    ledger.pay(member, amount, order_id=order_id, actor_id=None, now=NOW)
                payments.append((order_id, amount))
                assert member.card_balance_fen == before - amount
            except NotEnoughStoredValue:
                db.session.refresh(member)
                assert amount > before and member.card_balance_fen == before
        elif step == "refund" and member.card_paid_fen > 0:
            ledger.card_entry(member, REFUND, -member.card_paid_fen, -member.card_bonus_fen, actor_id=None, now=NOW,
                              method="cash")
            assert member.card_balance_fen == 0
        elif step == "reverse" and payments:
            order_id, paid = payments.pop(amount % len(payments))
            before = member.card_balance_fen
            assert ledger.reverse_payment(member, order_id=order_id, reversal_id=_order(store, vehicle),
                                          actor_id=None, now=NOW) == paid
            assert member.card_balance_fen == before + paid
        _check_card(member)
