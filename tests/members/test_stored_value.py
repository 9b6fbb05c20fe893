"""The stored-value card (储值卡): top-ups with a bonus kept apart, payment at settlement, the refund of the paid
value, the reversal that puts a card payment back; the ledger is the balance."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import MembershipError, NotEnoughStoredValue
from dealer.members.models import Member, StoredValueEntry
from dealer.repair import services as repair
from dealer.repair.services import PaymentInput
from tests.helpers import NOW, audit_entries
from tests.repair.builders import finished_order, pay

BILL = 36600


def card(member) -> tuple[int, int]:
    row = db.session.execute(sa.select(Member.card_paid_fen, Member.card_bonus_fen).where(Member.id == member.id)).one()
    return tuple(row)


def rows(member) -> list[tuple[str, int, int]]:
    return [(e.kind, e.paid_fen, e.bonus_fen) for e in db.session.scalars(
        sa.select(StoredValueEntry).where(StoredValueEntry.member_id == member.id).order_by(StoredValueEntry.id))]


def top_up(shop, member, paid=100_000, bonus=10_000):
    return services.top_up(member.id, paid_fen=paid, bonus_fen=bonus, method="wechat_pay", reference="WX42",
                           actor=shop.cashier, now=NOW)


def test_top_up_keeps_the_bonus_apart_from_what_was_paid(shop, member):
    top_up(shop, member)
    assert card(member) == (100_000, 10_000)
    assert rows(member) == [("top_up", 100_000, 10_000)]
    assert audit_entries("member_card_topped_up")


def test_a_top_up_needs_an_amount_and_a_reference_unless_cash(shop, member):
    with pytest.raises(MembershipError) as refused:
        services.top_up(member.id, paid_fen=0, method="cash", actor=shop.cashier, now=NOW)
    assert refused.value.field == "paid_fen"
    with pytest.raises(MembershipError) as refused:
        services.top_up(member.id, paid_fen=100, method="alipay", reference=" ", actor=shop.cashier, now=NOW)
    assert refused.value.field == "reference"
    assert rows(member) == []


def test_the_card_pays_part_of_the_bill_in_the_cards_proportion(shop, member):
    top_up(shop, member)
    order = finished_order(shop)
    repair.settle(order.id, [PaymentInput("stored_value", 22_000), PaymentInput("cash", BILL - 22_000)],
                  actor=shop.cashier, now=NOW)
    assert rows(member)[-1] == ("pay", -20_000, -2_000)
    assert card(member) == (80_000, 8_000)


def test_the_card_cannot_pay_more_than_it_holds(shop, member):
    top_up(shop, member, paid=10_000, bonus=0)
    order = finished_order(shop)
    with pytest.raises(NotEnoughStoredValue) as refused:
        repair.settle(order.id, [PaymentInput("stored_value", BILL)], actor=shop.cashier, now=NOW)
    assert "100.00" in str(refused.value.message)


def test_refund_returns_only_the_paid_value_left_and_forfeits_the_bonus(shop, member):
    top_up(shop, member)
    order = finished_order(shop)
    repair.settle(order.id, [PaymentInput("stored_value", BILL)], actor=shop.cashier, now=NOW)
    paid, bonus = card(member)
    services.refund(member.id, method="cash", actor=shop.cashier, now=NOW)
    assert rows(member)[-1] == ("refund", -paid, -bonus)
    assert card(member) == (0, 0)
    with pytest.raises(MembershipError):
        services.refund(member.id, method="cash", actor=shop.cashier, now=NOW)
    assert services.ledger_drift(store_ids=[shop.store.id]) == []


def test_reversal_puts_the_card_payment_back_as_it_was_paid(shop, member):
    top_up(shop, member)
    order = finished_order(shop)
    repair.settle(order.id, [PaymentInput("stored_value", BILL)], actor=shop.cashier, now=NOW)
    with pytest.raises(MembershipError) as refused:  # the card's share goes back to the card
        repair.reverse(order.id, reason="开错", refunds=pay(order, (BILL, "cash")), actor=shop.manager, now=NOW)
    assert "366.00" in str(refused.value.message)
    db.session.rollback()
    repair.reverse(order.id, reason="开错", refunds=[PaymentInput("stored_value", BILL)], actor=shop.manager, now=NOW)
    assert card(member) == (100_000, 10_000)
    assert services.ledger_drift(store_ids=[shop.store.id]) == []
