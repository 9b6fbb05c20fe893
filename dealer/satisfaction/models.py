"""Customer satisfaction (客户满意): follow-ups (回访), feedback forms, calls, cases, complaints (投诉), the month.

Supervision is apart from execution: what CS records here (forms, calls, complaints, the signed month) is
changed only by CS; advisors, technicians and managers read it.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, store_join, utcnow
from dealer.extensions import db

# Where a follow-up comes from: a delivered repair order today; quick-lane orders and rescues later.
REPAIR_ORDER = "repair_order"
QUICK_LANE = "quick_lane"
RESCUE = "rescue"
SOURCE_KINDS = (REPAIR_ORDER, QUICK_LANE, RESCUE)

# A follow-up's state: waiting for the owner's form (or CS's call), answered, or closed as unreachable.
WAITING = "waiting"
ANSWERED = "answered"
UNREACHABLE = "unreachable"
FOLLOW_UP_STATES = (WAITING, ANSWERED, UNREACHABLE)

# Who filled the form: the owner through the SMS link, or CS on the phone.
BY_LINK = "link"
BY_PHONE = "phone"
CHANNELS = (BY_LINK, BY_PHONE)

# Grades A to E and their points (the seed: A2 B1 C0 D-1 E-2).
GRADES = {"A": 2, "B": 1, "C": 0, "D": -1, "E": -2}
ITEMS = ("timeliness", "quality", "attitude")  # 服务及时性, 维修质量, 服务态度

# Calls: the follow-up call (an owner who did not answer the link) or the verification call (抽查核实).
FOLLOW_UP_CALL = "follow_up"
VERIFICATION = "verification"
CALL_PURPOSES = (FOLLOW_UP_CALL, VERIFICATION)
MAX_TRIES = 3

CASE_LOW_GRADE = "low_grade"
CASE_COMMENT = "comment"
OPEN = "open"
CLOSED = "closed"

# Complaints (投诉)
# "site": the public complaint and suggestion form on the store's site (no sign-in).
COMPLAINT_CHANNELS = ("hotline", "site", "follow_up", "visit", "other")
SITE = "site"
# A suggestion (建议) comes through the same form and is handled the same way, but is not counted as a complaint.
COMPLAINT = "complaint"
SUGGESTION = "suggestion"
COMPLAINT_KINDS = (COMPLAINT, SUGGESTION)
COMPLAINT_CATEGORIES = ("time", "cost", "quality", "attitude", "parts", "rescue", "other")
SEVERITIES = ("low", "normal", "high")
RECEIVED = "received"
ACKNOWLEDGED = "acknowledged"
INVESTIGATING = "investigating"
RESOLVED = "resolved"
COMPLAINT_STATES = (RECEIVED, ACKNOWLEDGED, INVESTIGATING, RESOLVED, CLOSED)
ROOT_CAUSES = ("process", "workmanship", "parts", "communication", "customer_expectation", "other")

DEFAULT_WORDS = "返修,没修好,还是,又坏"


class SatisfactionSettings(db.Model):
    """A store's follow-up and assessment settings; a store without a row uses the column defaults.

    Amounts in fen (1000 yuan = 100000). Complaint bands: 0 complaints; 1..low_max; ..mid_max; ..high_max; more.
    """

    __tablename__ = "satisfaction_settings"
    __table_args__ = (
        sa.CheckConstraint("verify_share_pct BETWEEN 0 AND 100", name="verify_share_range"),
        sa.CheckConstraint("complaints_low_max < complaints_mid_max AND complaints_mid_max < complaints_high_max",
                           name="bands_ascending"),
    )

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    follow_up_days: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    link_valid_days: Mapped[int] = mapped_column(sa.SmallInteger, default=7)
    verify_share_pct: Mapped[int] = mapped_column(sa.SmallInteger, default=20)
    thin_month_minimum: Mapped[int] = mapped_column(sa.SmallInteger, default=10)
    case_days: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    complaint_ack_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=24)
    complaint_days: Mapped[int] = mapped_column(sa.SmallInteger, default=7)
    case_words: Mapped[str] = mapped_column(sa.String(300), default=DEFAULT_WORDS)
    reward_fen: Mapped[int] = mapped_column(sa.BigInteger, default=100_000)
    penalty_fen: Mapped[int] = mapped_column(sa.BigInteger, default=100_000)
    extra_reward_fen: Mapped[int] = mapped_column(sa.BigInteger, default=100_000)
    extra_penalty_fen: Mapped[int] = mapped_column(sa.BigInteger, default=100_000)
    complaints_none_fen: Mapped[int] = mapped_column(sa.BigInteger, default=500_000)
    complaints_low_max: Mapped[int] = mapped_column(sa.SmallInteger, default=5)
    complaints_low_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    complaints_mid_max: Mapped[int] = mapped_column(sa.SmallInteger, default=10)
    complaints_mid_fen: Mapped[int] = mapped_column(sa.BigInteger, default=-300_000)
    complaints_high_max: Mapped[int] = mapped_column(sa.SmallInteger, default=15)
    complaints_high_fen: Mapped[int] = mapped_column(sa.BigInteger, default=-500_000)
    complaints_top_fen: Mapped[int] = mapped_column(sa.BigInteger, default=-1_000_000)
    complaints_action_at: Mapped[int] = mapped_column(sa.SmallInteger, default=30)
    # The top-marks check (满分 asked for at the desk): an advisor whose forms are all top marks, at least
    # `top_marks_min_forms` of them, and `on_the_spot_share_pct` % or more filled within `on_the_spot_minutes`
    # of the hand-over is flagged for CS to check.
    top_marks_min_forms: Mapped[int] = mapped_column(sa.SmallInteger, default=5, server_default="5")
    on_the_spot_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=30, server_default="30")
    on_the_spot_share_pct: Mapped[int] = mapped_column(sa.SmallInteger, default=50, server_default="50")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class FollowUp(db.Model):
    """A follow-up (回访) of one delivered order (or quick-lane order, or rescue): due within the store's days."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "source_kind", "source_ref"),
        sa.UniqueConstraint("token_hash"),
        sa.Index("ix_follow_ups_store_id_state_due_at", "store_id", "state", "due_at"),
        sa.Index("ix_follow_ups_store_id_service_month", "store_id", "service_month"),
        # the follow-ups list, newest service first (queries.follow_up_page): a page, not the store's follow-ups sorted
        sa.Index("ix_follow_ups_store_id_served_at", "store_id", "served_at"),
        # the forms drawn for a verification call, in the call list's order (queries.call_list): a few a store
        sa.Index("ix_follow_ups_store_id_verify_pending", "store_id", "state", "due_at",
                 postgresql_where=sa.text("verify_state = 'pending'"), sqlite_where=sa.text("verify_state = 'pending'")),
        sa.CheckConstraint("state IN ('waiting', 'answered', 'unreachable')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    source_kind: Mapped[str] = mapped_column(sa.String(20))
    source_ref: Mapped[int] = mapped_column(sa.BigInteger)
    source_number: Mapped[str] = mapped_column(sa.String(30), default="")  # the order's number, as shown
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicles.id"))
    # Who handled the service (the advisor): never the one who verifies it.
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    served_at: Mapped[datetime] = mapped_column(UTCDateTime)
    service_month: Mapped[date] = mapped_column(sa.Date)  # the store's local month of the service, its 1st
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    token_hash: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of the link's token (the token is not kept)
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(12), default=WAITING)
    tries: Mapped[int] = mapped_column(sa.SmallInteger, default=0)  # failed follow-up calls
    # The verification call (抽查核实): none (not drawn), pending, done, unreachable.
    verify_state: Mapped[str] = mapped_column(sa.String(12), default="none")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The form's time and points (sum of the three items), kept here when the form is recorded (a form never
    # changes): the five assurances' after-repair figures read the follow-ups alone (docs/satisfaction.md).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points: Mapped[int | None] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store = relationship("Store", lazy="raise_on_sql")
    customer = relationship("Customer", lazy="raise_on_sql")
    vehicle = relationship("Vehicle", lazy="raise_on_sql")
    handled_by = relationship("User", lazy="raise_on_sql")
    form: Mapped[FeedbackForm | None] = relationship(
        primaryjoin=store_join("FollowUp", "FeedbackForm", "follow_up_id"), uselist=False, viewonly=True,
        lazy="raise_on_sql")
    calls: Mapped[list[CallAttempt]] = relationship(
        primaryjoin=store_join("FollowUp", "CallAttempt", "follow_up_id"), order_by="CallAttempt.id",
        viewonly=True, lazy="raise_on_sql")
    cases: Mapped[list[SatisfactionCase]] = relationship(
        primaryjoin=store_join("FollowUp", "SatisfactionCase", "follow_up_id"), order_by="SatisfactionCase.id",
        viewonly=True, lazy="raise_on_sql")


class FeedbackForm(db.Model):
    """The owner's feedback form (意见反馈表): three items graded A-E (2..-2), a comment, may we call."""

    __tablename__ = "feedback_forms"
    __table_args__ = (
        sa.UniqueConstraint("follow_up_id"),  # one form per follow-up: a second submission is the same form
        sa.Index("ix_feedback_forms_store_id_follow_up_id", "store_id", "follow_up_id"),
        sa.CheckConstraint("timeliness BETWEEN -2 AND 2 AND quality BETWEEN -2 AND 2 AND attitude BETWEEN -2 AND 2",
                           name="grades_range"),
        sa.CheckConstraint("channel IN ('link', 'phone')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    follow_up_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_ups.id"))
    timeliness: Mapped[int] = mapped_column(sa.SmallInteger)
    quality: Mapped[int] = mapped_column(sa.SmallInteger)
    attitude: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    may_call: Mapped[bool] = mapped_column(default=True)
    channel: Mapped[str] = mapped_column(sa.String(8))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # CS, on the phone
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    recorded_by = relationship("User", lazy="raise_on_sql")

    @property
    def points(self) -> int:
        return self.timeliness + self.quality + self.attitude


class CallAttempt(db.Model):
    """One call by CS: reached or not, and when reached the owner's answers (grades of the three items)."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        sa.Index("ix_call_attempts_store_id_follow_up_id", "store_id", "follow_up_id"),
        sa.CheckConstraint("purpose IN ('follow_up', 'verification')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    follow_up_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_ups.id"))
    purpose: Mapped[str] = mapped_column(sa.String(12))
    reached: Mapped[bool] = mapped_column()
    timeliness: Mapped[int | None] = mapped_column(sa.SmallInteger)
    quality: Mapped[int | None] = mapped_column(sa.SmallInteger)
    attitude: Mapped[int | None] = mapped_column(sa.SmallInteger)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    called_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)

    called_by = relationship("User", lazy="raise_on_sql")


class SatisfactionCase(db.Model):
    """A case for the responsible manager: a D or E, or a comment that names a comeback (返修) or a fault."""

    __tablename__ = "satisfaction_cases"
    __table_args__ = (
        sa.UniqueConstraint("form_id"),
        sa.Index("ix_satisfaction_cases_store_id_state_deadline_at", "store_id", "state", "deadline_at"),
        sa.Index("ix_satisfaction_cases_store_id_follow_up_id", "store_id", "follow_up_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    follow_up_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_ups.id"))
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_forms.id"))
    reason: Mapped[str] = mapped_column(sa.String(12))
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(8), default=OPEN)
    outcome: Mapped[str] = mapped_column(sa.String(500), default="")
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    responsible = relationship("User", foreign_keys=[responsible_id], lazy="raise_on_sql")


class Complaint(Timestamps, db.Model):
    """A complaint (投诉) with its clock: due by `deadline_at`, which a pause (waiting on the owner) moves on."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.Index("ix_complaints_store_id_received_at", "store_id", "received_at"),
        sa.Index("ix_complaints_store_id_state_deadline_at", "store_id", "state", "deadline_at"),
        sa.Index("ix_complaints_store_id_technician_id", "store_id", "technician_id"),
        sa.CheckConstraint("state IN ('received', 'acknowledged', 'investigating', 'resolved', 'closed')",
                           name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    channel: Mapped[str] = mapped_column(sa.String(12))
    kind: Mapped[str] = mapped_column(sa.String(12), default=COMPLAINT, server_default=COMPLAINT)
    category: Mapped[str] = mapped_column(sa.String(12))
    severity: Mapped[str] = mapped_column(sa.String(8), default="normal")
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    contact_name: Mapped[str] = mapped_column(sa.String(50), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    order_number: Mapped[str] = mapped_column(sa.String(30), default="")
    # The store's repair order of that number, found at intake (the page links it and names its advisor).
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    # The technician concerned (one of the store's technicians, chosen by CS at intake), as the order names the advisor.
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(sa.String(1000))
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default=RECEIVED)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the clock stands still since then
    pause_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    paused_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)  # every pause so far, added up
    resolution: Mapped[str] = mapped_column(sa.String(1000), default="")
    owner_confirmed: Mapped[bool] = mapped_column(default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    root_cause: Mapped[str] = mapped_column(sa.String(24), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    responsible = relationship("User", foreign_keys=[responsible_id], lazy="raise_on_sql")
    order = relationship("RepairOrder", lazy="raise_on_sql")
    technician = relationship("User", foreign_keys=[technician_id], lazy="raise_on_sql")

    def overdue(self, now: datetime) -> bool:
        """Past its deadline and not resolved; a paused clock is never overdue."""
        return self.state not in (RESOLVED, CLOSED) and self.paused_at is None and now > self.deadline_at

    @classmethod
    def overdue_at(cls, now: datetime):
        """`overdue` in SQL, for the list's count and filter."""
        return sa.and_(cls.state.not_in((RESOLVED, CLOSED)), cls.paused_at.is_(None), cls.deadline_at < now)


class MonthAssessment(db.Model):
    """A signed month sheet (月度考核), frozen: a later correction is a new version, both kept."""

    __tablename__ = "month_assessments"
    __table_args__ = (sa.UniqueConstraint("store_id", "month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    month: Mapped[date] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(sa.SmallInteger)
    figures: Mapped[dict] = mapped_column(sa.JSON)  # the sheet as signed (assessment.Assessment.as_dict)
    net_fen: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.String(300), default="")  # why a correction was signed
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    signed_by = relationship("User", lazy="raise_on_sql")


# Supervision notes (监督记录): what designated staff saw unannounced (啄木鸟, the "woodpecker") and what a key
# customer said on a visit (重点客户拜访). Read only by CS / supervision and managers; never edited.
OBSERVATION = "observation"
VISIT = "visit"
NOTE_KINDS = (OBSERVATION, VISIT)


class SupervisionNote(db.Model):
    """One supervision note: an observation (啄木鸟) or a key-customer visit (拜访); append-only."""

    __tablename__ = "supervision_notes"
    __table_args__ = (
        sa.Index("ix_supervision_notes_store_id_noted_on", "store_id", "noted_on"),
        sa.CheckConstraint("kind IN ('observation', 'visit')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(sa.String(12))
    noted_on: Mapped[date] = mapped_column(sa.Date)  # the store's day it was seen or the visit took place
    subject: Mapped[str] = mapped_column(sa.String(100))  # where (front desk, workshop ...) or whom visited
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    concerns_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # the staff member it is about
    text: Mapped[str] = mapped_column(sa.String(2000))
    needs_action: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    concerns = relationship("User", foreign_keys=[concerns_id], lazy="raise_on_sql")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="raise_on_sql")


class RollupMonth(db.Model):
    """A store's month whose five assurances' counts are rolled up (`RollupFigure`), or marked stale.

    The nightly task writes it: a closed month whole (`until` None); the current month as far as the night (a
    partial month: the orders' counts of what was ready or settled before `until`, the store's midnight; the pages
    add the orders since, and count its follow-ups and rescues live). A late change to the month (a form, a case
    closed, a comeback confirmed) marks it stale and the pages compute that month live until the next night
    rewrites it (docs/satisfaction.md).
    """

    __tablename__ = "satisfaction_rollup_months"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # the store's local month, its 1st
    stale: Mapped[bool] = mapped_column(default=True)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a partial month: counted up to here (None: whole)


class RollupFigure(db.Model):
    """One count of one store-month's five assurances (`assurance.Figures`' fields: n, numerators, sums)."""

    __tablename__ = "satisfaction_rollup_figures"
    __table_args__ = (sa.ForeignKeyConstraint(["store_id", "month"], ["satisfaction_rollup_months.store_id",
                                                                      "satisfaction_rollup_months.month"],
                                              ondelete="CASCADE"),)

    store_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[float | None] = mapped_column(sa.Double)  # a count, a sum of seconds or points, or None


class OperationRun(db.Model):
    """How far the service operations dashboard's days are rolled up for a store: every day before `through` (the
    store's days), written by the night (`operations.rollup`); the dashboard counts the days from it live."""

    __tablename__ = "satisfaction_operation_runs"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    through: Mapped[date] = mapped_column(sa.Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OperationRevenue(db.Model):
    """A store's day of revenue by line kind and payer (what `operations.counting` counts live)."""

    __tablename__ = "satisfaction_operation_revenue"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # labor, parts
    payer: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    discount_fen: Mapped[int] = mapped_column(sa.BigInteger)


class OperationOrders(db.Model):
    """A store's day of settled orders (reversals apart) by kind: how many, what the owners paid, how many paid."""

    __tablename__ = "satisfaction_operation_orders"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    orders: Mapped[int] = mapped_column(sa.Integer)
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger)
    paying: Mapped[int] = mapped_column(sa.Integer)


class OperationHours(db.Model):
    """A store's day of hours per technician on the jobs of the orders settled that day: sold (hundredths of an
    hour, shared by the job's crew) and clocked (seconds)."""

    __tablename__ = "satisfaction_operation_hours"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    sold: Mapped[float] = mapped_column(sa.Double)
    clocked: Mapped[float] = mapped_column(sa.Double)
