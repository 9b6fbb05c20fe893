"""How repair answers what the modules below it ask (connected when the app is built, see dealer.app)."""
from __future__ import annotations

import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts import signals as parts_signals
from dealer.repair.models import RepairOrder


@parts_signals.name_orders.connect
def _order_numbers(part, *, order_ids, **_) -> dict[int, str]:
    """The numbers of the part's store's orders that stock moves name (the part's ledger shows them)."""
    return dict(db.session.execute(sa.select(RepairOrder.id, RepairOrder.number).where(
        RepairOrder.store_id == part.store_id, RepairOrder.id.in_(order_ids))).all())
