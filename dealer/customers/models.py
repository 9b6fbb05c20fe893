"""Customers (客户), their vehicles (车辆), odometer history and ownership history."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import SearchKey, Timestamps, UTCDateTime, store_join, utcnow
from dealer.extensions import db

USE_PRIVATE = "private"
USE_COMMERCIAL = "commercial"
VEHICLE_USES = (USE_PRIVATE, USE_COMMERCIAL)
# The vehicle's class for the annual inspection: the same strings as dealer.reminders.rules (a test keeps
# them equal; that module stays free of the database).
VEHICLE_CLASSES = ("small_passenger", "van", "large_passenger", "truck")
# Where a customer file was opened: at the front desk, by an online booking (网上预约), by a rescue call (救援),
# by joining the membership online (会员注册).
DESK, ONLINE_BOOKING, RESCUE, MEMBER_JOIN = "desk", "online_booking", "rescue", "member_join"
CUSTOMER_SOURCES = (DESK, ONLINE_BOOKING, RESCUE, MEMBER_JOIN)


class Customer(Timestamps, db.Model):
    """A car owner's file (客户档案). One per mobile number per store."""

    __tablename__ = "customers"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "mobile"),
        sa.Index("ix_customers_store_id_mobile_last4", "store_id", "mobile_last4"),
        sa.Index("ix_customers_store_id_name", "store_id", "name"),
        # A campaign's target counted over a store's owners (members.targeting) without reading their rows: the
        # store's customers are spread over the whole table, so a heap scan reads all of it.
        sa.Index("ix_customers_store_id_targeting", "store_id", "id", "created_at", "marketing_consent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(SearchKey)
    mobile: Mapped[str] = mapped_column(sa.String(11))
    mobile_last4: Mapped[str] = mapped_column(sa.String(4))
    phone2: Mapped[str] = mapped_column(sa.String(20), default="")
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    birthday: Mapped[date | None] = mapped_column(sa.Date)
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Service SMS (reminders, car ready, booking codes) go to everyone who has not refused them.
    service_sms_opt_out: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # When the owner was last told that their marketing opt-out (reply T) took effect: told once.
    opt_out_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(sa.String(20), default=DESK, server_default=DESK)  # CUSTOMER_SOURCES

    store = relationship("Store", lazy="raise_on_sql")
    advisor = relationship("User", lazy="raise_on_sql")
    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="owner", primaryjoin=store_join("Customer", "Vehicle", "owner_id"),
                                                   order_by="Vehicle.id", lazy="raise_on_sql")

    def set_mobile(self, mobile: str) -> None:
        self.mobile = mobile
        self.mobile_last4 = mobile[-4:]


class Vehicle(Timestamps, db.Model):
    """A car the store serves. Plate and VIN are unique within a store."""

    __tablename__ = "vehicles"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "plate"),
        # A car filed before its VIN is known (booked online, 待补录) has none: the VINs it has are unique.
        sa.Index("uq_vehicles_store_id_vin", "store_id", "vin", unique=True,
                 postgresql_where=sa.text("vin IS NOT NULL"), sqlite_where=sa.text("vin IS NOT NULL")),
        # The front-desk search: plate suffix (last 4) and VIN suffix (last 6) through reversed keys.
        sa.Index("ix_vehicles_store_id_plate_reversed", "store_id", "plate_reversed"),
        sa.Index("ix_vehicles_store_id_vin_reversed", "store_id", "vin_reversed"),
        sa.Index("ix_vehicles_store_id_owner_id", "store_id", "owner_id"),
        sa.CheckConstraint("use IN ('private', 'commercial')", name="use_known"),
        sa.CheckConstraint("seats IS NULL OR seats BETWEEN 1 AND 99", name="seats_range"),
        # The nightly reminder scan: due dates by store.
        sa.Index("ix_vehicles_store_id_next_inspection_due", "store_id", "next_inspection_due"),
        sa.Index("ix_vehicles_store_id_insurance_expiry", "store_id", "insurance_expiry"),
        sa.Index("ix_vehicles_store_id_next_maintenance_due", "store_id", "next_maintenance_due"),
        # The owners seen since a day (members.targeting.seen_since): a range of the store's cars, index only.
        sa.Index("ix_vehicles_store_id_last_maintenance", "store_id", "last_maintenance_date", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    plate: Mapped[str] = mapped_column(SearchKey)
    plate_reversed: Mapped[str] = mapped_column(SearchKey)
    # None until check-in for a car booked online (plate and model only, 待补录, source online_booking).
    vin: Mapped[str | None] = mapped_column(SearchKey)
    vin_reversed: Mapped[str | None] = mapped_column(SearchKey)
    source: Mapped[str] = mapped_column(sa.String(20), default=DESK, server_default=DESK)  # CUSTOMER_SOURCES
    brand: Mapped[str] = mapped_column(sa.String(40), default="")
    model: Mapped[str] = mapped_column(sa.String(60), default="")
    model_year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    colour: Mapped[str] = mapped_column(sa.String(20), default="")
    engine_number: Mapped[str] = mapped_column(sa.String(30), default="")
    purchase_date: Mapped[date | None] = mapped_column(sa.Date)
    registration_date: Mapped[date | None] = mapped_column(sa.Date)
    use: Mapped[str] = mapped_column(sa.String(12), default=USE_PRIVATE)
    seats: Mapped[int | None] = mapped_column(sa.SmallInteger)
    insurance_expiry: Mapped[date | None] = mapped_column(sa.Date)
    last_inspection_date: Mapped[date | None] = mapped_column(sa.Date)
    # The latest odometer reading, kept with the history so lists need no extra query.
    odometer_km: Mapped[int | None] = mapped_column(sa.Integer)
    # Inspection class (年审车型分类) and the maintenance interval's model family (store setting).
    vehicle_class: Mapped[str] = mapped_column(sa.String(20), default="small_passenger",
                                               server_default="small_passenger")
    model_family: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    last_maintenance_date: Mapped[date | None] = mapped_column(sa.Date)
    last_maintenance_km: Mapped[int | None] = mapped_column(sa.Integer)
    # Derived from the fields above by dealer.reminders whenever they change; the nightly scan reads them.
    next_inspection_due: Mapped[date | None] = mapped_column(sa.Date)
    next_inspection_on_site: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    next_maintenance_due: Mapped[date | None] = mapped_column(sa.Date)

    store = relationship("Store", lazy="raise_on_sql")
    owner: Mapped[Customer] = relationship(back_populates="vehicles", lazy="raise_on_sql")
    readings: Mapped[list[OdometerReading]] = relationship(
        back_populates="vehicle", primaryjoin=store_join("Vehicle", "OdometerReading", "vehicle_id"), order_by="(OdometerReading.read_on.desc(), OdometerReading.id.desc())", lazy="raise_on_sql")
    ownerships: Mapped[list[VehicleOwnership]] = relationship(
        back_populates="vehicle", primaryjoin=store_join("Vehicle", "VehicleOwnership", "vehicle_id"),
        order_by="VehicleOwnership.started_at.desc()", lazy="raise_on_sql")

    def set_plate(self, plate: str) -> None:
        self.plate = plate
        self.plate_reversed = plate[::-1]

    def set_vin(self, vin: str | None) -> None:
        self.vin = vin
        self.vin_reversed = vin[::-1] if vin else None


class OdometerReading(db.Model):
    """One odometer reading (里程). Readings never go backwards unless marked as a correction."""

    __tablename__ = "odometer_readings"
    __table_args__ = (
        sa.Index("ix_odometer_readings_store_id_vehicle_id_read_on", "store_id", "vehicle_id", "read_on"),
        sa.CheckConstraint("km >= 0", name="km_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))
    read_on: Mapped[date] = mapped_column(sa.Date)
    km: Mapped[int] = mapped_column(sa.Integer)
    is_correction: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle: Mapped[Vehicle] = relationship(back_populates="readings", lazy="raise_on_sql")
    recorded_by = relationship("User", lazy="raise_on_sql")


class VehicleOwnership(db.Model):
    """A period during which a customer owned a vehicle; a change of owner keeps the history (过户)."""

    __tablename__ = "vehicle_ownerships"
    __table_args__ = (sa.Index("ix_vehicle_ownerships_store_id_vehicle_id", "store_id", "vehicle_id"),
                      sa.Index("ix_vehicle_ownerships_store_id_customer_id", "store_id", "customer_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    vehicle: Mapped[Vehicle] = relationship(back_populates="ownerships", lazy="raise_on_sql")
    customer: Mapped[Customer] = relationship(lazy="raise_on_sql")
