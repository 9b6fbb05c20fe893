"""A store's repair settings, hourly labor rates, the labor catalogue and the order-number counter."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import SearchKey, Timestamps, store_join
from dealer.extensions import db


class RepairSettings(db.Model):
    """A store's repair settings; a store without a row uses the defaults of the columns."""

    __tablename__ = "repair_settings"
    __table_args__ = (
        sa.CheckConstraint("vat_rate_bp BETWEEN 0 AND 10000", name="vat_rate_range"),
        sa.CheckConstraint("manual_discount_limit_bp BETWEEN 0 AND 10000", name="manual_discount_limit_range"),
    )

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    vat_rate_bp: Mapped[int] = mapped_column(sa.Integer, default=1300)
    # A manual discount above this needs a manager's recorded approval.
    manual_discount_limit_bp: Mapped[int] = mapped_column(sa.Integer, default=1000)
    comeback_window_days: Mapped[int] = mapped_column(sa.Integer, default=30)
    warranty_months: Mapped[int] = mapped_column(sa.Integer, default=3)
    warranty_km: Mapped[int] = mapped_column(sa.Integer, default=5000)
    warranty_terms: Mapped[str] = mapped_column(sa.Text, default="")
    # The final inspection (终检) is signed by someone other than the technicians of the order's jobs.
    independent_final_inspection: Mapped[bool] = mapped_column(sa.Boolean, default=True,
                                                               server_default=sa.true())


class LaborRate(db.Model):
    """The store's hourly labor rate (工时单价) for one labor category, VAT included."""

    __tablename__ = "labor_rates"
    __table_args__ = (sa.CheckConstraint("rate_fen >= 0", name="rate_not_negative"),)

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    rate_fen: Mapped[int] = mapped_column(sa.Integer)


class LaborOperation(Timestamps, db.Model):
    """A labor operation of the store's catalogue (工时项目) with its flat-rate hours (标准工时)."""

    __tablename__ = "labor_operations"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "code"),
        sa.Index("ix_labor_operations_store_id_name", "store_id", "name"),
        sa.CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(SearchKey)
    name: Mapped[str] = mapped_column(SearchKey)
    category: Mapped[str] = mapped_column(sa.String(20))
    hours: Mapped[int] = mapped_column(sa.Integer)  # hundredths of an hour, for any model family
    active: Mapped[bool] = mapped_column(default=True)

    family_hours: Mapped[list[LaborOperationHours]] = relationship(
        back_populates="operation", primaryjoin=store_join("LaborOperation", "LaborOperationHours", "operation_id"),
        cascade="all, delete-orphan", order_by="LaborOperationHours.model_family", lazy="raise_on_sql")

    def hours_for(self, model_family: str) -> int:
        """Return the flat-rate hours for a model family, or the operation's own."""
        for row in self.family_hours:
            if row.model_family == model_family:
                return row.hours
        return self.hours


class LaborOperationHours(db.Model):
    """Flat-rate hours of an operation that differ for one model family."""

    __tablename__ = "labor_operation_hours"
    __table_args__ = (sa.CheckConstraint("hours >= 0", name="hours_not_negative"),)

    operation_id: Mapped[int] = mapped_column(sa.ForeignKey("labor_operations.id"), primary_key=True)
    model_family: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    hours: Mapped[int] = mapped_column(sa.Integer)

    operation: Mapped[LaborOperation] = relationship(back_populates="family_hours", lazy="raise_on_sql")


class OrderCounter(db.Model):
    """The last order number given out per store and day (RO-20261122-0042)."""

    __tablename__ = "repair_order_counters"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # YYYYMMDD at the store
    last: Mapped[int] = mapped_column(sa.Integer, default=0)
