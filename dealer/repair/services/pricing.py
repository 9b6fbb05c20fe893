"""The price of an order as the repair services need it: its lines, the store's VAT, the discounts that apply
(`dealer.repair.pricing.discount_rules`, asked with the order's customer and vehicle).

`dealer.repair.pricing` is the pure function; this module feeds it an order's lines and stores what it
computed on them (`reprice`), checking the owner's bill against what the owner approved (费用安心).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dealer.extensions import db
from dealer.money import yuan
from dealer.repair import pricing
from dealer.repair.errors import ApprovalWouldBeExceeded
from dealer.repair.models import (
    ESTIMATED,
    JOB_APPROVED,
    JOB_DECLINED,
    JOB_ESTIMATE,
    JOB_PENDING,
    OPEN,
    RepairLine,
    RepairOrder,
)
from dealer.repair.services.common import BILLED, jobs_of
from dealer.repair.services.settings import settings_for


def _inputs(lines: list[RepairLine]) -> list[pricing.LineInput]:
    return [pricing.LineInput(key=line.id, kind=line.kind, payer=line.payer, hours=line.hours or 0,
                              rate_fen=line.rate_fen or 0, quantity=line.quantity or 0,
                              unit_price_fen=line.unit_price_fen or 0, manual_discount_bp=line.manual_discount_bp)
            for line in lines]


def lines_of(order: RepairOrder, approvals: tuple[str, ...]) -> list[RepairLine]:
    return [line for job in jobs_of(order) if job.approval in approvals for line in job.lines]


def price(order: RepairOrder, approvals: tuple[str, ...] = BILLED, *,
          vat_rate_bp: int | None = None) -> pricing.OrderTotals:
    """Price the lines of the order's jobs in `approvals` (default: what the owner will pay for).

    A reversing order (红冲) is priced as the negative of the order it reverses. `vat_rate_bp`: the store's
    rate when the caller read it already (a list prices many orders of a store), else read here.
    """
    if order.is_reversal:
        return pricing.negate(price(order.reversal_of, approvals, vat_rate_bp=vat_rate_bp))
    if order.vat_rate_bp is not None:
        vat = order.vat_rate_bp
    else:
        vat = vat_rate_bp if vat_rate_bp is not None else settings_for(order.store_id).vat_rate_bp
    return _price_lines(order, lines_of(order, approvals), vat)


def _price_lines(order: RepairOrder, lines: list[RepairLine], vat: int) -> pricing.OrderTotals:
    inputs = _inputs(lines)
    discounts = ()
    if pricing.discount_rules:  # membership, campaigns: only asked when a module registered a rule
        discounts = pricing.discount_rules.collect(inputs, customer=order.customer, vehicle=order.vehicle)
    return pricing.price_order(inputs, vat_rate_bp=vat, points_fen=order.points_fen, discounts=discounts)


def pending_prices(order: RepairOrder, *, vat_rate_bp: int | None = None) -> dict[int, int]:
    """Return what each extra-work item (增项) waiting for the owner would add to their bill, VAT included, by
    job id: the bill with that item less the bill without it, so discounts and rounding count as they will.

    The owner's progress page shows it beside each item (费用安心). `vat_rate_bp`: as for price. Nothing waits:
    nothing is priced (the discount rules' query is not asked).
    """
    pending = [job for job in jobs_of(order) if job.approval == JOB_PENDING]
    if not pending:
        return {}
    if order.vat_rate_bp is not None:
        vat = order.vat_rate_bp
    else:
        vat = vat_rate_bp if vat_rate_bp is not None else settings_for(order.store_id).vat_rate_bp
    billed = lines_of(order, BILLED)
    base = _price_lines(order, billed, vat).total_fen
    return {job.id: _price_lines(order, billed + list(job.lines), vat).total_fen - base for job in pending}


def reprice(order: RepairOrder) -> pricing.OrderTotals:
    """Store each line's amount and discount, and check the bill against the owner's approval.

    Raises ApprovalWouldBeExceeded when the approved jobs would cost the owner more than approved.
    """
    db.session.flush()
    everything = price(order, (JOB_ESTIMATE, JOB_APPROVED, JOB_PENDING, JOB_DECLINED))
    for line in lines_of(order, (JOB_ESTIMATE, JOB_APPROVED, JOB_PENDING, JOB_DECLINED)):
        priced = everything.line_by_key[line.id]
        line.amount_fen, line.discount_fen, line.discount_source = (priced.amount_fen, priced.discount_fen,
                                                                    priced.discount_source)
    billed = price(order)
    if order.state not in (OPEN, ESTIMATED) and billed.total_fen > order.approved_total_fen:
        raise ApprovalWouldBeExceeded(_l(
            "The owner approved %(approved)s yuan; this change would bill %(total)s yuan. Record the owner's "
            "approval of the extra work first.", approved=yuan(order.approved_total_fen),
            total=yuan(billed.total_fen)))
    return billed


def reprice_without_limit(order: RepairOrder) -> pricing.OrderTotals:
    """Re-price before raising the limit: the approval being recorded is what allows the new total."""
    order_limit, order.approved_total_fen = order.approved_total_fen, 10**15
    try:
        return reprice(order)
    finally:
        order.approved_total_fen = order_limit
