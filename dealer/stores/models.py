"""Stores (门店) and partner second-tier stations (二级维修站)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dealer.database import Timestamps
from dealer.extensions import db
from dealer.timezones import DEFAULT_TIMEZONE, local_date


class Store(Timestamps, db.Model):
    """A 4S store: the unit every business record belongs to."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    brand: Mapped[str] = mapped_column(sa.String(50), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    rescue_hotline: Mapped[str] = mapped_column(sa.String(30), default="")
    timezone: Mapped[str] = mapped_column(sa.String(40), default=DEFAULT_TIMEZONE)
    active: Mapped[bool] = mapped_column(default=True)
    # The model families this store services (dealer.stores.families codes); None: every family.
    model_families: Mapped[list[str] | None] = mapped_column(sa.JSON)

    def local_date(self, moment: datetime) -> date:
        """Return the calendar date at the store (in its time zone) at `moment`, an aware datetime."""
        return local_date(moment, self)

    def __repr__(self) -> str:
        return f"<Store {self.code}>"


class PartnerStation(Timestamps, db.Model):
    """A county-level second-tier repair station (县市二级维修站) that works for a store."""

    __tablename__ = "partner_stations"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "name"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    # Degrees (WGS-84), as a phone's location or a map pin gives them.
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    capabilities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    store: Mapped[Store] = db.relationship(lazy="raise_on_sql")


# What a partner station can do, for rescue dispatch.
STATION_CAPABILITIES = ("towing", "jump_start", "tyre_change", "fuel_delivery", "lockout", "minor_repair",
                        "accident_scene")
