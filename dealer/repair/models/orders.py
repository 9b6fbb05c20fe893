"""Repair orders (维修工单/委托书): jobs, labor and parts lines, approvals, workflow, payments, QC.

Hours are integers in hundredths (1.5 h = 150), part quantities in thousandths, percentages in basis
points (13% = 1300); money is integer fen.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, store_join, utcnow
from dealer.extensions import db

if TYPE_CHECKING:  # the annotation only; SQLAlchemy resolves it by name
    from dealer.repair.models.settings import LaborOperation

# Workflow states, in order (see dealer/repair/services/workflow.py for the allowed transitions).
OPEN = "open"                    # 接车
ESTIMATED = "estimated"          # 已报价
APPROVED = "approved"            # 客户已确认
IN_PROGRESS = "in_progress"      # 维修中 (派工)
QUALITY_CHECK = "quality_check"  # 质检
READY = "ready"                  # 完工, waiting for the owner
SETTLED = "settled"              # 已结算: locked for ever
DELIVERED = "delivered"          # 已交车
CANCELLED = "cancelled"
STATES = (OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK, READY, SETTLED, DELIVERED, CANCELLED)

# Kinds of work.
MAINTENANCE = "maintenance"
GENERAL_REPAIR = "general_repair"
BODY_PAINT = "body_paint"
WARRANTY = "warranty"
ACCIDENT = "accident"
ORDER_KINDS = (MAINTENANCE, GENERAL_REPAIR, BODY_PAINT, WARRANTY, ACCIDENT)

# Labor categories; the store sets an hourly rate for each.
LABOR_CATEGORIES = ("mechanical", "electrical", "body", "paint", "maintenance", "diagnosis")

# Who pays a line.
CUSTOMER = "customer"    # 客户付费
WARRANTY_PAYER = "warranty"  # 保修索赔: billed to the maker
INSURANCE = "insurance"  # 保险理赔: billed to the insurer
INTERNAL = "internal"    # 内部
PAYERS = (CUSTOMER, WARRANTY_PAYER, INSURANCE, INTERNAL)

LABOR = "labor"
PARTS = "parts"
LINE_KINDS = (LABOR, PARTS)

# A job's approval by the owner.
JOB_ESTIMATE = "estimate"  # on the estimate, before the owner approved it
JOB_APPROVED = "approved"
JOB_PENDING = "pending"    # extra work (增项) found during the repair, waiting for the owner
JOB_DECLINED = "declined"
JOB_APPROVALS = (JOB_ESTIMATE, JOB_APPROVED, JOB_PENDING, JOB_DECLINED)

# A job's progress in the workshop.
WORK_WAITING = "waiting"
WORK_STARTED = "started"
WORK_DONE = "done"
WORK_STATES = (WORK_WAITING, WORK_STARTED, WORK_DONE)

# The link to an earlier job this one may be a comeback (返修) of.
COMEBACK_PROPOSED = "proposed"
COMEBACK_CONFIRMED = "confirmed"
COMEBACK_DISMISSED = "dismissed"

# How the owner approved.
BY_SIGNATURE = "signature"  # signed on the advisor's screen
BY_PHONE = "phone"          # a recorded phone approval
ONLINE = "online"           # on the owner's progress page
APPROVAL_METHODS = (BY_SIGNATURE, BY_PHONE, ONLINE)
# Agreed in person at the desk with no signature pad: only a service of another module that records the
# owner's consent its own way (the quick lane's package price and its extra work) uses it, never a form.
IN_PERSON = "in_person"
RECORDED_METHODS = (*APPROVAL_METHODS, IN_PERSON)

PAYMENT_METHODS = ("cash", "bank_card", "wechat_pay", "alipay", "transfer", "stored_value")
# Means of payment another module takes at settlement through `signals.order_settled` (the membership's
# stored-value card, 储值卡): no slip number, the module that answers the signal checks and debits it.
OTHER_MEANS = ("stored_value",)

# Where an order came from; all but the front desk name their record (source_ref).
FRONT_DESK = "front_desk"  # 接车 at the service desk
BOOKING = "booking"        # a booking's check-in (预约)
RESCUE = "rescue"          # a rescue's tow-in (救援拖车)
QUICK_LANE = "quick_lane"  # a quick-lane package (快修)
SOURCE_KINDS = (FRONT_DESK, BOOKING, RESCUE, QUICK_LANE)

# Multi-point inspection (多项检查) results.
GREEN = "green"
YELLOW = "yellow"
RED = "red"
INSPECTION_STATUSES = (GREEN, YELLOW, RED)

_BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class RepairOrder(Timestamps, db.Model):
    """A repair order (维修工单): the vehicle, the owner's concerns as jobs, and where the work stands."""

    __tablename__ = "repair_orders"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "number"),
        sa.Index("ix_repair_orders_store_id_state", "store_id", "state"),
        sa.Index("ix_repair_orders_store_id_vehicle_id", "store_id", "vehicle_id"),
        sa.Index("ix_repair_orders_store_id_opened_at", "store_id", "opened_at"),
        sa.Index("ix_repair_orders_store_id_advisor_id", "store_id", "advisor_id"),
        # A group manager's list over many stores, newest first: one index range instead of a sort.
        sa.Index("ix_repair_orders_opened_at_id", "opened_at", "id"),
        # The month's figures: settled orders (quality), ready orders (time).
        sa.Index("ix_repair_orders_store_id_settled_at", "store_id", "settled_at"),
        sa.Index("ix_repair_orders_store_id_ready_at", "store_id", "ready_at"),
        # The owners with a paid visit (since a day) as a set, index only (members.targeting.paid_visit).
        sa.Index("ix_repair_orders_store_id_paid_visits", "store_id", "settled_at", "customer_id",
                 postgresql_where=sa.text("state IN ('settled', 'delivered') AND reversal_of_id IS NULL"),
                 sqlite_where=sa.text("state IN ('settled', 'delivered') AND reversal_of_id IS NULL")),
        sa.CheckConstraint(
            "state IN ('open', 'estimated', 'approved', 'in_progress', 'quality_check', 'ready', 'settled', "
            "'delivered', 'cancelled')", name="state_known"),
        sa.CheckConstraint(
            "kind IN ('maintenance', 'general_repair', 'body_paint', 'warranty', 'accident')", name="kind_known"),
        sa.CheckConstraint("approved_total_fen >= 0", name="approved_total_not_negative"),
        sa.CheckConstraint("source_kind IN ('front_desk', 'booking', 'rescue', 'quick_lane')",
                           name="source_kind_known"),
        # The order a booking, a rescue or a quick-lane package became.
        sa.Index("ix_repair_orders_store_id_source_kind_source_ref", "store_id", "source_kind", "source_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    number: Mapped[str] = mapped_column(sa.String(20))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=GENERAL_REPAIR)
    state: Mapped[str] = mapped_column(sa.String(20), default=OPEN)
    odometer_km: Mapped[int | None] = mapped_column(sa.Integer)
    fuel_eighths: Mapped[int | None] = mapped_column(sa.SmallInteger)  # fuel gauge, 0..8
    damage_notes: Mapped[str] = mapped_column(sa.Text, default="")  # existing damage seen at the walk-around
    valuables: Mapped[str] = mapped_column(sa.String(200), default="")  # valuables left in the car
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The quality checks' outcome (终检), kept as each is signed: None never checked, False every check passed, True
    # a check failed. QC first pass (质量安心) reads it here, not two probes of the checks per order.
    qc_failed: Mapped[bool | None] = mapped_column(default=None)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    # The most the owner has agreed to pay (费用安心): raised only by a recorded approval.
    approved_total_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The membership issue redeems points here (fen off the customer total).
    points_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Figures fixed at settlement (the statement), so later rate changes never alter a settled bill.
    customer_total_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    net_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    vat_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    vat_rate_bp: Mapped[int | None] = mapped_column(sa.Integer)
    # Where the order came from (front desk, booking, rescue, quick lane) and that record's id.
    source_kind: Mapped[str] = mapped_column(sa.String(12), default=FRONT_DESK, server_default=FRONT_DESK)
    source_ref: Mapped[int | None] = mapped_column(sa.BigInteger)
    # A reversing order (红冲) points at the settled order it cancels out.
    reversal_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"), unique=True)

    store = relationship("Store", lazy="raise_on_sql")
    vehicle = relationship("Vehicle", lazy="raise_on_sql")
    customer = relationship("Customer", lazy="raise_on_sql")
    advisor = relationship("User", lazy="raise_on_sql")
    reversal_of: Mapped[RepairOrder | None] = relationship(remote_side=[id], foreign_keys=[reversal_of_id], lazy="raise_on_sql")
    jobs: Mapped[list[RepairJob]] = relationship(back_populates="order", order_by="RepairJob.position",
                                                 primaryjoin=store_join("RepairOrder", "RepairJob", "order_id"),
                                                 cascade="all, delete-orphan", lazy="raise_on_sql")
    lines: Mapped[list[RepairLine]] = relationship(back_populates="order", order_by="RepairLine.id",
                                                   primaryjoin=store_join("RepairOrder", "RepairLine", "order_id"),
                                                   viewonly=True, lazy="raise_on_sql")
    approvals: Mapped[list[Approval]] = relationship(
        back_populates="order", primaryjoin=store_join("RepairOrder", "Approval", "order_id"), order_by="Approval.id",
        lazy="raise_on_sql")
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", primaryjoin=store_join("RepairOrder", "OrderEvent", "order_id"), order_by="OrderEvent.id",
        lazy="raise_on_sql")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", primaryjoin=store_join("RepairOrder", "Payment", "order_id"), order_by="Payment.id",
        lazy="raise_on_sql")
    quality_checks: Mapped[list[QualityCheck]] = relationship(
        back_populates="order", primaryjoin=store_join("RepairOrder", "QualityCheck", "order_id"), order_by="QualityCheck.id",
        lazy="raise_on_sql")

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None


class RepairJob(db.Model):
    """One concern of the owner, or one finding (增项), with its labor and parts lines."""

    __tablename__ = "repair_jobs"
    __table_args__ = (
        sa.Index("ix_repair_jobs_order_id", "order_id"),  # an order's jobs are loaded by order_id alone
        sa.Index("ix_repair_jobs_store_id_vehicle_id", "store_id", "vehicle_id"),
        sa.Index("ix_repair_jobs_comeback_of_id", "comeback_of_id"),
        # a store's comebacks as a set (dealer.repair.measures.came_back): a few hundred rows, not the store's jobs
        sa.Index("ix_repair_jobs_store_id_comebacks", "store_id", "comeback_of_id",
                 postgresql_where=sa.text("comeback_of_id IS NOT NULL"),
                 sqlite_where=sa.text("comeback_of_id IS NOT NULL")),
        # the confirmed comebacks, by the earlier order they point at and by their own order: one probe per order
        # (dealer.repair.measures.came_back / is_comeback), a few hundred rows a store
        sa.Index("ix_repair_jobs_store_id_came_back", "store_id", "comeback_of_order_id",
                 postgresql_where=sa.text("comeback_state = 'confirmed'"),
                 sqlite_where=sa.text("comeback_state = 'confirmed'")),
        sa.Index("ix_repair_jobs_store_id_order_id_comeback", "store_id", "order_id",
                 postgresql_where=sa.text("comeback_state = 'confirmed'"),
                 sqlite_where=sa.text("comeback_state = 'confirmed'")),
        sa.CheckConstraint("approval IN ('estimate', 'approved', 'pending', 'declined')", name="approval_known"),
        sa.CheckConstraint("work IN ('waiting', 'started', 'done')", name="work_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))  # for the comeback search
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    concern: Mapped[str] = mapped_column(sa.String(500))  # in the owner's words, or the finding
    is_extra: Mapped[bool] = mapped_column(default=False)  # found during the repair (增项)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approval: Mapped[str] = mapped_column(sa.String(12), default=JOB_ESTIMATE)
    work: Mapped[str] = mapped_column(sa.String(12), default=WORK_WAITING)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earlier job this one may be a comeback (返修) of, and whether the advisor confirmed it.
    comeback_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_jobs.id"))
    # The earlier job's order, kept beside the link (set with it): an order's "came back" is one index probe.
    comeback_of_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    comeback_state: Mapped[str | None] = mapped_column(sa.String(12))
    under_warranty: Mapped[bool] = mapped_column(default=False)  # a confirmed comeback the owner pays nothing for
    inspection_result_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_results.id"))

    order: Mapped[RepairOrder] = relationship(back_populates="jobs", foreign_keys=[order_id], lazy="raise_on_sql")
    lines: Mapped[list[RepairLine]] = relationship(back_populates="job", order_by="RepairLine.id",
                                                   primaryjoin=store_join("RepairJob", "RepairLine", "job_id"),
                                                   cascade="all, delete-orphan", lazy="raise_on_sql")
    assignments: Mapped[list[JobAssignment]] = relationship(
        back_populates="job", primaryjoin=store_join("RepairJob", "JobAssignment", "job_id"), cascade="all, delete-orphan",
        lazy="raise_on_sql")
    comeback_of: Mapped[RepairJob | None] = relationship(remote_side=[id], lazy="raise_on_sql")


class RepairLine(db.Model):
    """A labor or parts line of a job, with the amounts the pricing function last computed."""

    __tablename__ = "repair_lines"
    __table_args__ = (
        sa.Index("ix_repair_lines_order_id", "order_id"),
        sa.Index("ix_repair_lines_job_id", "job_id"),
        sa.Index("ix_repair_lines_part_id", "part_id"),
        sa.CheckConstraint("kind IN ('labor', 'parts')", name="kind_known"),
        sa.CheckConstraint("payer IN ('customer', 'warranty', 'insurance', 'internal')", name="payer_known"),
        sa.CheckConstraint("manual_discount_bp BETWEEN 0 AND 10000", name="manual_discount_range"),
        sa.CheckConstraint("reserved >= 0 AND issued >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_jobs.id"))
    kind: Mapped[str] = mapped_column(sa.String(8))
    payer: Mapped[str] = mapped_column(sa.String(12), default=CUSTOMER)
    description: Mapped[str] = mapped_column(sa.String(200))
    # Labor: an operation of the catalogue or written in by hand; hours in hundredths x rate per hour.
    labor_operation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("labor_operations.id"))
    operation_code: Mapped[str] = mapped_column(sa.String(40), default="")
    category: Mapped[str] = mapped_column(sa.String(20), default="")
    hours: Mapped[int | None] = mapped_column(sa.Integer)
    rate_fen: Mapped[int | None] = mapped_column(sa.Integer)
    # Parts: quantity in thousandths x unit price (VAT included), copied from the catalogue.
    part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parts.id"))
    part_number: Mapped[str] = mapped_column(sa.String(40), default="")
    unit: Mapped[str] = mapped_column(sa.String(10), default="")
    quantity: Mapped[int | None] = mapped_column(sa.BigInteger)
    unit_price_fen: Mapped[int | None] = mapped_column(sa.Integer)
    genuine: Mapped[bool] = mapped_column(default=True)
    # An aftermarket part needs the owner's recorded consent (an approval row).
    aftermarket_consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_approvals.id"))
    reserved: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # thousandths held in stock for it
    issued: Mapped[int] = mapped_column(sa.BigInteger, default=0)    # thousandths handed to the workshop
    # The advisor's discount; above the store's limit it needs a manager's recorded approval.
    manual_discount_bp: Mapped[int] = mapped_column(sa.Integer, default=0)
    discount_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # What the pricing function computed (kept for lists, reports and the statement).
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_source: Mapped[str] = mapped_column(sa.String(12), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[RepairOrder] = relationship(back_populates="lines", viewonly=True, lazy="raise_on_sql")
    job: Mapped[RepairJob] = relationship(back_populates="lines", lazy="raise_on_sql")
    part = relationship("Part", lazy="raise_on_sql")
    labor_operation: Mapped[LaborOperation | None] = relationship(lazy="raise_on_sql")

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.discount_fen


class Approval(db.Model):
    """The owner's recorded approval (确认): of the estimate, of extra work, of an aftermarket part."""

    __tablename__ = "repair_approvals"
    __table_args__ = (
        sa.Index("ix_repair_approvals_store_id_order_id", "store_id", "order_id"),
        sa.CheckConstraint("method IN ('signature', 'phone', 'online', 'in_person')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    subject: Mapped[str] = mapped_column(sa.String(20))  # estimate | extra_work | aftermarket_part
    job_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # what it adds to the approved total
    approved_total_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the limit after it
    method: Mapped[str] = mapped_column(sa.String(12))
    approver_name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")  # the number that was called
    signature_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)  # drawn on the advisor's screen
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(sa.String(60), default="")
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[RepairOrder] = relationship(back_populates="approvals", lazy="raise_on_sql")


class OrderEvent(db.Model):
    """One step of the workflow: who moved the order from which state to which, and when (append-only)."""

    __tablename__ = "repair_order_events"
    __table_args__ = (sa.Index("ix_repair_order_events_store_id_order_id", "store_id", "order_id"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(30))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[RepairOrder] = relationship(back_populates="events", lazy="raise_on_sql")


class JobAssignment(db.Model):
    """A technician assigned to a job (派工)."""

    __tablename__ = "repair_job_assignments"
    __table_args__ = (sa.Index("ix_repair_job_assignments_store_id_technician_id", "store_id", "technician_id"),)

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_jobs.id"), primary_key=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job: Mapped[RepairJob] = relationship(back_populates="assignments", lazy="raise_on_sql")
    technician = relationship("User", lazy="raise_on_sql")


class TimeEntry(db.Model):
    """A technician's clock-on and clock-off on one job; at most one open entry per technician."""

    __tablename__ = "repair_time_entries"
    __table_args__ = (
        sa.Index("ix_repair_time_entries_store_id_job_id", "store_id", "job_id"),
        sa.Index("uq_repair_time_entries_open_per_technician", "technician_id", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_jobs.id"))
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    job: Mapped[RepairJob] = relationship(lazy="raise_on_sql")


class QualityCheck(db.Model):
    """The inspector's signed QC checklist (质检): pass moves the order to ready, fail back to the workshop."""

    __tablename__ = "repair_quality_checks"
    __table_args__ = (sa.Index("ix_repair_quality_checks_store_id_order_id", "store_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    passed: Mapped[bool] = mapped_column()
    checklist: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # item code -> true/false
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    inspector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    inspector_name: Mapped[str] = mapped_column(sa.String(60), default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[RepairOrder] = relationship(back_populates="quality_checks", lazy="raise_on_sql")


class Payment(db.Model):
    """A payment taken at settlement; several may make up the total (refunds are negative, on reversals)."""

    __tablename__ = "repair_payments"
    __table_args__ = (
        sa.Index("ix_repair_payments_store_id_received_at", "store_id", "received_at"),
        sa.Index("ix_repair_payments_order_id", "order_id"),
        sa.CheckConstraint("method IN ('cash', 'bank_card', 'wechat_pay', 'alipay', 'transfer', 'stored_value')",
                           name="method_known"),
        sa.CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    method: Mapped[str] = mapped_column(sa.String(12))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    reference: Mapped[str] = mapped_column(sa.String(60), default="")  # card slip, WeChat/Alipay order number
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[RepairOrder] = relationship(back_populates="payments", lazy="raise_on_sql")
