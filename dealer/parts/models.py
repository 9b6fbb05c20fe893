"""The parts catalogue (配件目录), stock per store and the stock ledger (出入库台账).

Quantities are integers in thousandths (4.5 litres = 4500); money is integer fen.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import SearchKey, Timestamps, UTCDateTime, utcnow
from dealer.extensions import db

# Kinds of stock move; each changes on_hand by its signed quantity.
RECEIPT = "receipt"        # 入库: from the maker's delivery
ISSUE = "issue"            # 出库: to a repair order line
RETURN = "return"          # 退料: unused parts back from a repair order line
ADJUSTMENT = "adjustment"  # 盘点调整: a count or damage, with a reason
MOVE_KINDS = (RECEIPT, ISSUE, RETURN, ADJUSTMENT)


class Part(Timestamps, db.Model):
    """A part the store stocks or can order; one row per part number per store, with its stock."""

    __tablename__ = "parts"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "part_number"),
        sa.Index("ix_parts_store_id_name", "store_id", "name"),
        # Stock can never go below zero, whatever the code does: the database refuses it.
        sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        sa.CheckConstraint("price_fen >= 0 AND cost_fen >= 0", name="money_not_negative"),
        sa.CheckConstraint("reorder_level >= 0", name="reorder_level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    part_number: Mapped[str] = mapped_column(SearchKey)  # the maker's OEM number, upper case
    name: Mapped[str] = mapped_column(SearchKey)
    unit: Mapped[str] = mapped_column(sa.String(10), default="个")
    price_fen: Mapped[int] = mapped_column(sa.Integer)  # retail price to the owner, VAT included
    cost_fen: Mapped[int] = mapped_column(sa.Integer, default=0)
    genuine: Mapped[bool] = mapped_column(default=True)  # 原厂件; False: aftermarket (副厂件)
    bin_location: Mapped[str] = mapped_column(sa.String(20), default="")
    # Thousandths of a unit. Reserved: promised to approved jobs, not yet issued (may exceed on_hand:
    # the shortage shows on the low-stock list).
    on_hand: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reorder_level: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMove(db.Model):
    """One line of the stock ledger; stock changes only through these (append-only)."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        sa.Index("ix_stock_moves_store_id_part_id_id", "store_id", "part_id", "id"),
        sa.Index("ix_stock_moves_store_id_order_id", "store_id", "order_id"),
        sa.CheckConstraint("kind IN ('receipt', 'issue', 'return', 'adjustment')", name="kind_known"),
        sa.CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        sa.CheckConstraint("on_hand_after >= 0", name="on_hand_after_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    kind: Mapped[str] = mapped_column(sa.String(12))
    quantity: Mapped[int] = mapped_column(sa.BigInteger)  # signed change of on_hand, thousandths
    on_hand_after: Mapped[int] = mapped_column(sa.BigInteger)
    unit_cost_fen: Mapped[int | None] = mapped_column(sa.Integer)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_lines.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(60), default="")  # delivery note number
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[Part] = relationship(lazy="raise_on_sql")
