"""Quick lane (快修区): the store's lane settings and roster, express packages (快保套餐) and lane orders.

A lane order is the lane's ticket for one repair order (`repair_order_id`): which package, which key tag,
the owner's promise and the stage the car is in. The repair order keeps the lines, prices and payment.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, store_join, utcnow
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair.models import LaborOperation

PARTS = "parts"
LABOR = "labor"
ITEM_KINDS = (PARTS, LABOR)

WAITING = "waiting"
IN_BAY = "in_bay"
WASHING = "washing"
READY = "ready"
HANDED_OVER = "handed_over"
# Extra work the owner approved took the car out of the lane: its repair order goes on in the ordinary workflow.
LEFT_LANE = "left_lane"
# Closed by the manager at the end of the day with a reason: off the lane, its repair order as any order.
CLOSED = "closed"
STAGES = (WAITING, IN_BAY, WASHING, READY, HANDED_OVER, LEFT_LANE, CLOSED)
IN_LANE = (WAITING, IN_BAY, WASHING, READY)  # the car is still at the lane
NOT_READY = (WAITING, IN_BAY, WASHING)

DEFAULT_BAYS = 2
DEFAULT_CAP = 4
DEFAULT_CLOSE_BY = "19:00"
LOUNGE_LOCALES = ("zh_Hans_CN", "en")  # the lounge screen's languages (the app's)


class LaneSettings(Timestamps, db.Model):
    """A store's lane: how many bays, and how many waiting owners may be promised per quarter hour."""

    __tablename__ = "quick_lane_settings"
    __table_args__ = (sa.UniqueConstraint("store_id"),
                      sa.CheckConstraint("bays BETWEEN 1 AND 20 AND cap_per_quarter BETWEEN 1 AND 50",
                                         name="in_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    bays: Mapped[int] = mapped_column(sa.SmallInteger, default=DEFAULT_BAYS)
    cap_per_quarter: Mapped[int] = mapped_column(sa.SmallInteger, default=DEFAULT_CAP)
    # Closing the day (日结): by this local time ("HH:MM") the managers are reminded if cars are left in the
    # lane; with `close_reminder_sms` the manager on duty (值班经理) gets an SMS too.
    close_by: Mapped[str] = mapped_column(sa.String(5), default=DEFAULT_CLOSE_BY, server_default=DEFAULT_CLOSE_BY)
    close_reminder_sms: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    duty_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The lounge screen (休息区屏幕): the name it shows (empty: the store's) and its language (empty: the default).
    lounge_name: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    lounge_locale: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")


class LaneShift(Timestamps, db.Model):
    """A technician of the lane and whether they are on shift now (上班) or off (下班)."""

    __tablename__ = "quick_lane_shifts"
    __table_args__ = (sa.UniqueConstraint("store_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    on_shift: Mapped[bool] = mapped_column(default=True)


class ExpressPackage(Timestamps, db.Model):
    """An express package (快保套餐): catalogue parts and labor at one package price, with standard minutes
    in the bay and at the wash (0: no wash)."""

    __tablename__ = "quick_lane_packages"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "code"),
        sa.CheckConstraint("price_fen >= 0 AND bay_minutes > 0 AND wash_minutes >= 0", name="in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(60))
    price_fen: Mapped[int] = mapped_column(sa.Integer)
    bay_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    wash_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    # The maintenance this package is (5,000 km ...): the car whose maintenance is due gets it preselected.
    interval_km: Mapped[int | None] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(default=True)

    items: Mapped[list[PackageItem]] = relationship(
        back_populates="package", primaryjoin=store_join("ExpressPackage", "PackageItem", "package_id"),
        cascade="all, delete-orphan", order_by="PackageItem.position", lazy="raise_on_sql")

    @property
    def standard_minutes(self) -> int:
        return self.bay_minutes + self.wash_minutes


class PackageItem(db.Model):
    """One item of a package: a catalogue part with its quantity, or a labor operation with its hours."""

    __tablename__ = "quick_lane_package_items"
    __table_args__ = (
        sa.Index("ix_quick_lane_package_items_store_id_package_id", "store_id", "package_id"),
        sa.CheckConstraint("(kind = 'parts' AND part_id IS NOT NULL AND quantity > 0) OR "
                           "(kind = 'labor' AND operation_id IS NOT NULL AND hours > 0)", name="complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("quick_lane_packages.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    kind: Mapped[str] = mapped_column(sa.String(8))
    part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parts.id"))
    quantity: Mapped[int | None] = mapped_column(sa.BigInteger)  # thousandths
    operation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("labor_operations.id"))
    hours: Mapped[int | None] = mapped_column(sa.Integer)  # hundredths

    package: Mapped[ExpressPackage] = relationship(back_populates="items", lazy="raise_on_sql")
    part: Mapped[Part] = relationship(lazy="raise_on_sql")
    operation: Mapped[LaborOperation] = relationship(lazy="raise_on_sql")


class LaneOrder(db.Model):
    """A car in the quick lane: its repair order, package, key tag, the owner's promise and its stage.

    `version` grows with every stage change: a screen sends the version it showed, and a change made from a
    stale screen is refused (two taps from two tablets never apply twice).
    """

    __tablename__ = "quick_lane_orders"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "repair_order_id"),
        sa.Index("ix_quick_lane_orders_store_id_stage_key_at", "store_id", "stage", "key_at"),
        sa.Index("ix_quick_lane_orders_store_id_promised_at", "store_id", "promised_at"),
        # A bay holds one car: the database refuses a second car in the same bay.
        sa.Index("uq_quick_lane_orders_store_id_bay", "store_id", "bay", unique=True,
                 sqlite_where=sa.text("stage = 'in_bay'"), postgresql_where=sa.text("stage = 'in_bay'")),
        sa.CheckConstraint("stage IN ('waiting', 'in_bay', 'washing', 'ready', 'handed_over', 'left_lane', 'closed')",
                           name="stage_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    repair_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("quick_lane_packages.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))
    plate: Mapped[str] = mapped_column(sa.String(20))  # as at opening: the boards show it without a join
    package_name: Mapped[str] = mapped_column(sa.String(60))
    key_tag: Mapped[str] = mapped_column(sa.String(10))
    stage: Mapped[str] = mapped_column(sa.String(12), default=WAITING)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # The package's job on the repair order and its price then: the package discount keeps the owner's total.
    package_job_id: Mapped[int | None] = mapped_column(sa.Integer)
    package_price_fen: Mapped[int] = mapped_column(sa.Integer)
    # Standard minutes as at opening, and extra minutes added since: the approved pieces of extra work found in
    # the bay (the sum of their `LaneExtraWork.minutes`, kept with each answer for the forecast of the queue).
    bay_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    wash_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    extra_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    bay: Mapped[int | None] = mapped_column(sa.SmallInteger)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    key_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the key handed over: the clock starts
    promised_at: Mapped[datetime] = mapped_column(UTCDateTime)  # fixed when the owner agreed
    estimate_at: Mapped[datetime] = mapped_column(UTCDateTime)  # recomputed on every event of the lane
    in_bay_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    washing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Extra work found in the bay (增项), waiting for the owner: its pending job (the piece, with the minutes it
    # adds, is its `LaneExtraWork` row; the board shows the badge from this column alone).
    extra_job_id: Mapped[int | None] = mapped_column(sa.Integer)
    # The owner approved it: the order left the lane then, with this new promise (the lane's stays as agreed).
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closing the day (日结): carried over to the next day (last time), or closed with the manager's reason.
    carried_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


EXTRA_PENDING = "pending"
EXTRA_APPROVED = "approved"
EXTRA_DECLINED = "declined"
EXTRA_ANSWERS = (EXTRA_PENDING, EXTRA_APPROVED, EXTRA_DECLINED)


class LaneExtraWork(db.Model):
    """One piece of extra work found in the bay (增项) of a lane order: its repair job, the minutes it adds in the
    bay (its time impact, as proposed to the owner) and the owner's answer. At most one waits per car."""

    __tablename__ = "quick_lane_extra_work"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "job_id"),
        sa.Index("ix_quick_lane_extra_work_store_id_lane_order_id", "store_id", "lane_order_id"),
        sa.Index("ix_quick_lane_extra_work_store_id_proposed_at", "store_id", "proposed_at"),
        # One piece waits for the owner at a time: the database refuses a second.
        sa.Index("uq_quick_lane_extra_work_store_id_lane_order_id_pending", "store_id", "lane_order_id",
                 unique=True, sqlite_where=sa.text("answer = 'pending'"),
                 postgresql_where=sa.text("answer = 'pending'")),
        sa.CheckConstraint("minutes BETWEEN 1 AND 480", name="minutes_in_range"),
        sa.CheckConstraint("answer IN ('pending', 'approved', 'declined')", name="answer_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    lane_order_id: Mapped[int] = mapped_column(sa.ForeignKey("quick_lane_orders.id"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_jobs.id"))
    minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    answer: Mapped[str] = mapped_column(sa.String(10), default=EXTRA_PENDING)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DayReminder(db.Model):
    """The reminder to close the lane's day (日结提醒), once per store and local day: the managers see it on their
    home page while cars are left in the lane; `sms_message_id` the SMS to the manager on duty, if one went."""

    __tablename__ = "quick_lane_day_reminders"
    __table_args__ = (sa.UniqueConstraint("store_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    cars: Mapped[int] = mapped_column(sa.SmallInteger)  # left in the lane when reminded
    reminded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sms_message_id: Mapped[int | None] = mapped_column(sa.Integer)
