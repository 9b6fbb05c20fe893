"""The multi-point inspection (多项检查): the store's checklist, findings per order and their photos."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import UTCDateTime, store_join, utcnow
from dealer.extensions import db


class InspectionItem(db.Model):
    """An item of the store's multi-point inspection checklist (多项检查): tyres, brakes, lights..."""

    __tablename__ = "inspection_items"
    __table_args__ = (sa.UniqueConstraint("store_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(60))
    hint: Mapped[str] = mapped_column(sa.String(120), default="")  # e.g. "tread depth, mm"
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    active: Mapped[bool] = mapped_column(default=True)


class InspectionResult(db.Model):
    """The technician's finding for one checklist item on one order: green, yellow or red."""

    __tablename__ = "inspection_results"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "item_id"),
        sa.Index("ix_inspection_results_store_id_order_id", "store_id", "order_id"),
        sa.CheckConstraint("status IN ('green', 'yellow', 'red')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_items.id"))
    status: Mapped[str] = mapped_column(sa.String(8))
    measurement: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[InspectionItem] = relationship(lazy="raise_on_sql")
    photos: Mapped[list[InspectionPhoto]] = relationship(back_populates="result", order_by="InspectionPhoto.id",
                                                         primaryjoin=store_join("InspectionResult", "InspectionPhoto", "result_id"),
                                                         cascade="all, delete-orphan", lazy="raise_on_sql")


class InspectionPhoto(db.Model):
    """A photo of an inspection finding, stored in the upload folder under a random name."""

    __tablename__ = "inspection_photos"
    __table_args__ = (sa.Index("ix_inspection_photos_result_id", "result_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_results.id"))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int] = mapped_column(sa.Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    result: Mapped[InspectionResult] = relationship(back_populates="photos", lazy="raise_on_sql")
