"""The totals an order shows: stored at settlement once settled, priced live before (the order page, the
printed documents and the API all show these), and its lines grouped by payer."""
from __future__ import annotations

from dataclasses import dataclass

from dealer.repair import pricing
from dealer.repair.models import (
    CANCELLED,
    DELIVERED,
    ESTIMATED,
    OPEN,
    PARTS,
    PAYERS,
    SETTLED,
    RepairLine,
    RepairOrder,
)
from dealer.repair.services.common import BILLED, PROPOSED, QUOTED
from dealer.repair.services.pricing import lines_of, price

# States whose bill is fixed (the figures stored at settlement are shown, never re-priced).
FIXED_STATES = (SETTLED, DELIVERED)


@dataclass
class Totals:
    """What the order page, the documents and the API show about money."""

    basis: str  # estimate (before approval), billed (approved work), settled (fixed at settlement)
    by_payer: dict[str, pricing.PayerTotal]
    points_fen: int
    total_fen: int  # what the owner pays, VAT included
    net_fen: int
    vat_fen: int
    vat_rate_bp: int
    approved_total_fen: int
    pending_fen: int = 0  # what extra work waiting for approval would add to the owner's bill
    labor_fen: int = 0  # the owner's labor, after discounts
    parts_fen: int = 0  # the owner's parts, after discounts


def _stored_by_payer(lines: list[RepairLine]) -> dict[str, pricing.PayerTotal]:
    sums = {payer: [0, 0] for payer in PAYERS}
    for line in lines:
        sums[line.payer][0] += line.amount_fen
        sums[line.payer][1] += line.discount_fen
    return {payer: pricing.PayerTotal(amount, discount) for payer, (amount, discount) in sums.items()}


def _stored_owner_share(lines: list[RepairLine], kind: str) -> int:
    return sum(line.net_fen for line in lines if line.payer == pricing.CUSTOMER and line.kind == kind)


def display_totals(order: RepairOrder, *, vat_rate_bp: int | None = None) -> Totals:
    """Return the totals to show for an order: the figures stored at settlement once settled (a later change
    of rates or discounts never alters a settled bill), the live pricing before (the estimate, then the bill
    so far). The order page, the printed documents and the API all show these.
    """
    if order.state in FIXED_STATES and order.customer_total_fen is not None:
        billed = lines_of(order, BILLED)
        return Totals("settled", _stored_by_payer(billed), order.points_fen, order.customer_total_fen,
                      order.net_fen, order.vat_fen, order.vat_rate_bp, order.approved_total_fen,
                      labor_fen=_stored_owner_share(billed, "labor"), parts_fen=_stored_owner_share(billed, PARTS))
    if order.state in (OPEN, ESTIMATED, CANCELLED):
        priced = price(order, QUOTED, vat_rate_bp=vat_rate_bp)
        return Totals("estimate", priced.by_payer, priced.points_fen, priced.total_fen, priced.net_fen,
                      priced.vat_fen, priced.vat_rate_bp, order.approved_total_fen, labor_fen=priced.labor_fen,
                      parts_fen=priced.parts_fen)
    priced = price(order, vat_rate_bp=vat_rate_bp)
    with_pending = price(order, BILLED + PROPOSED, vat_rate_bp=vat_rate_bp)
    return Totals("billed", priced.by_payer, priced.points_fen, priced.total_fen, priced.net_fen,
                  priced.vat_fen, priced.vat_rate_bp, order.approved_total_fen,
                  pending_fen=max(with_pending.total_fen - priced.total_fen, 0), labor_fen=priced.labor_fen,
                  parts_fen=priced.parts_fen)


@dataclass
class PayerLines:
    payer: str
    lines: list[RepairLine]
    total: pricing.PayerTotal


def lines_by_payer(order: RepairOrder, approvals: tuple[str, ...]) -> list[PayerLines]:
    """Return the lines of the order's jobs in `approvals`, grouped by payer (customer first)."""
    lines = lines_of(order, approvals)
    groups = []
    for payer in PAYERS:
        mine = [line for line in lines if line.payer == payer]
        if mine:
            groups.append(PayerLines(payer, mine, _stored_by_payer(mine)[payer]))
    return groups
