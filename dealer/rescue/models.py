"""Rescue calls (救援来电), their timeline, and the store's own rescue units (救援车).

Every coordinate column is WGS-84 degrees (what a phone's GPS gives) and says so in its name; what a
map in China shows (GCJ-02, BD-09) is converted at the edges (dealer.rescue.geo), never stored.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, store_join, utcnow
from dealer.extensions import db

# What went wrong (故障类型).
NO_START = "no_start"          # won't start / battery (无法启动/电瓶亏电)
FLAT_TYRE = "flat_tyre"        # 爆胎/缺气
ACCIDENT = "accident"          # 事故
OUT_OF_FUEL = "out_of_fuel"    # 没油
LOCKED_OUT = "locked_out"      # 钥匙锁车内
OVERHEATING = "overheating"    # 水温高
EV_NO_CHARGE = "ev_no_charge"  # 电动车没电
OTHER = "other"
FAULT_TYPES = (NO_START, FLAT_TYRE, ACCIDENT, OUT_OF_FUEL, LOCKED_OUT, OVERHEATING, EV_NO_CHARGE, OTHER)

# Where the car is, for the speed model and the arrival target: in town (市区) or outside (郊区/县乡).
TOWN = "town"
OUTSIDE = "outside"
AREAS = (TOWN, OUTSIDE)

# The call's states, in order (the timeline's steps); cancelled ends it from any open state.
RECEIVED = "received"
DISPATCHED = "dispatched"
EN_ROUTE = "en_route"
ON_SCENE = "on_scene"
TOWING = "towing"
COMPLETED = "completed"
CANCELLED = "cancelled"
STATES = (RECEIVED, DISPATCHED, EN_ROUTE, ON_SCENE, TOWING, COMPLETED, CANCELLED)
OPEN_STATES = (RECEIVED, DISPATCHED, EN_ROUTE, ON_SCENE, TOWING)
# Timeline entries besides the states: a unit released for a re-dispatch, the guards' records.
RELEASED = "released"
TOLD_EMERGENCY = "told_emergency"    # told the caller to call 120 / 122 first
SENT_TO_12122 = "sent_to_12122"      # expressway: sent to the expressway rescue line
HANDED_OVER = "handed_over"          # expressway: the car was handed over to us off the expressway
TOW_IN_OPENED = "tow_in_opened"      # the repair order of the tow-in was opened
ACCEPTED = "accepted"                # a partner station accepted the job (within the store's timeout)
ETA_SLIPPED = "eta_slipped"          # the owner was told a later arrival time (the second SMS)
EVENT_KINDS = STATES + (RELEASED, TOLD_EMERGENCY, SENT_TO_12122, HANDED_OVER, TOW_IN_OPENED, ACCEPTED, ETA_SLIPPED)

# The store's own units (救援车) and what they can do: the partner stations' words (stores.models) and flatbed.
SERVICE_VAN = "service_van"   # 服务车
FLATBED = "flatbed"           # 平板拖车
WHEEL_LIFT = "wheel_lift"     # 拖吊车 (two wheels on the road)
UNIT_KINDS = (SERVICE_VAN, FLATBED, WHEEL_LIFT)
CAPABILITIES = ("towing", "flatbed", "jump_start", "tyre_change", "fuel_delivery", "lockout", "minor_repair",
                "accident_scene")
AVAILABLE = "available"
ON_JOB = "on_job"
OFF_SHIFT = "off_shift"
UNIT_STATUSES = (AVAILABLE, ON_JOB, OFF_SHIFT)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_COORDINATES = ("{p}latitude_wgs84 IS NULL OR {p}latitude_wgs84 BETWEEN -90 AND 90",
                "{p}longitude_wgs84 IS NULL OR {p}longitude_wgs84 BETWEEN -180 AND 180")


class RescueUnit(Timestamps, db.Model):
    """One of the store's own rescue vehicles with its crew (救援车): status and last known position."""

    __tablename__ = "rescue_units"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "name"),
        # One call per unit at a time: the backstop of the conditional update that assigns it.
        sa.UniqueConstraint("store_id", "current_call_id"),
        sa.CheckConstraint(_in("kind", UNIT_KINDS), name="kind_known"),
        sa.CheckConstraint(_in("status", UNIT_STATUSES), name="status_known"),
        sa.CheckConstraint(_COORDINATES[0].format(p=""), name="latitude_range"),
        sa.CheckConstraint(_COORDINATES[1].format(p=""), name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(12), default=SERVICE_VAN)
    crew: Mapped[str] = mapped_column(sa.String(60), default="")
    phone: Mapped[str] = mapped_column(sa.String(20))
    capabilities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default=AVAILABLE)
    current_call_id: Mapped[int | None] = mapped_column(sa.Integer)
    # Last position reported (the crew page's geolocation, or the API): WGS-84 degrees, and when.
    latitude_wgs84: Mapped[float | None] = mapped_column(sa.Float)
    longitude_wgs84: Mapped[float | None] = mapped_column(sa.Float)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)


class RescueCall(Timestamps, db.Model):
    """A call to the 24-hour rescue hotline and the job that follows it (救援单)."""

    __tablename__ = "rescue_calls"
    __table_args__ = (
        # The intake screen's own key: every autosave of one screen writes the same call, however they race.
        sa.UniqueConstraint("store_id", "intake_key"),
        sa.UniqueConstraint("crew_token_hash"),
        sa.Index("ix_rescue_calls_store_id_state_received_at", "store_id", "state", "received_at"),
        sa.Index("ix_rescue_calls_store_id_caller_phone", "store_id", "caller_phone"),
        # The month's figures read a store's calls by when they came; the closed-call search by plate.
        sa.Index("ix_rescue_calls_store_id_received_at", "store_id", "received_at"),
        sa.Index("ix_rescue_calls_store_id_plate", "store_id", "plate"),
        sa.CheckConstraint(_in("state", STATES), name="state_known"),
        sa.CheckConstraint("fault_type IS NULL OR " + _in("fault_type", FAULT_TYPES), name="fault_type_known"),
        sa.CheckConstraint(_in("area", AREAS), name="area_known"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
        sa.CheckConstraint(_COORDINATES[0].format(p=""), name="latitude_range"),
        sa.CheckConstraint(_COORDINATES[1].format(p=""), name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    intake_key: Mapped[str] = mapped_column(sa.String(36))
    caller_phone: Mapped[str] = mapped_column(sa.String(20))
    caller_name: Mapped[str] = mapped_column(sa.String(40), default="")
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicles.id"))
    # The customer file was opened by this call (a caller the store did not know: 救援新建).
    customer_created_by_rescue: Mapped[bool] = mapped_column(default=False)
    plate: Mapped[str] = mapped_column(sa.String(20), default="")  # as the caller said it
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    # Where the car is: WGS-84 degrees (entered as GCJ-02 from AMap or as GPS, converted on the way in).
    latitude_wgs84: Mapped[float | None] = mapped_column(sa.Float)
    longitude_wgs84: Mapped[float | None] = mapped_column(sa.Float)
    area: Mapped[str] = mapped_column(sa.String(8), default=TOWN)
    fault_type: Mapped[str | None] = mapped_column(sa.String(16))
    concern: Mapped[str] = mapped_column(sa.String(500), default="")
    drivable: Mapped[bool | None] = mapped_column()
    tow_needed: Mapped[bool] = mapped_column(default=False)
    # EVs, AWD and lowered cars must not be dragged on two wheels (平板拖车).
    needs_flatbed: Mapped[bool] = mapped_column(default=False)
    injuries: Mapped[bool] = mapped_column(default=False)
    told_emergency_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # told to call 120/122 first
    on_expressway: Mapped[bool] = mapped_column(default=False)
    sent_to_12122_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # off the expressway, to us
    children_waiting: Mapped[bool] = mapped_column(default=False)
    ev_low_charge: Mapped[bool] = mapped_column(default=False)
    # 1 urgent, 2 high, 3 normal: computed from the facts (services.priority_of), with the reasons.
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    priority_reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    state: Mapped[str] = mapped_column(sa.String(12), default=RECEIVED)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leg_dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the current leg's dispatch
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a partner station accepted this leg
    set_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the current leg's crew set off
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The responder of the current leg: one of the store's units or a partner station (二级维修站).
    leg: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rescue_units.id"))
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_stations.id"))
    eta_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eta_approximate: Mapped[bool] = mapped_column(default=False)
    eta_slips: Mapped[int] = mapped_column(sa.SmallInteger, default=0)  # the owner was told a later ETA this often
    # The proposal's estimate for the current leg, kept to compare with the arrival and learn from it
    # (dealer.rescue.eta): minutes from dispatch, the straight-line distance, who and the hour band.
    estimate_minutes: Mapped[float | None] = mapped_column(sa.Float)
    estimate_distance_km: Mapped[float | None] = mapped_column(sa.Float)
    estimate_kind: Mapped[str | None] = mapped_column(sa.String(8))
    estimate_band: Mapped[str | None] = mapped_column(sa.String(8))
    # The crew's link: only the SHA-256 of its token is kept; it ends with the leg or the job.
    crew_token_hash: Mapped[str | None] = mapped_column(sa.String(64))
    crew_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repair_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    # The owner's signature at hand-over (交车签字), a PNG file name in UPLOAD_FOLDER/rescue; or why the owner
    # was not there to sign.
    signature: Mapped[str | None] = mapped_column(sa.String(80))
    owner_absent_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    store = relationship("Store", lazy="raise_on_sql")
    customer = relationship("Customer", lazy="raise_on_sql")
    vehicle = relationship("Vehicle", lazy="raise_on_sql")
    unit: Mapped[RescueUnit | None] = relationship(lazy="raise_on_sql")
    station = relationship("PartnerStation", lazy="raise_on_sql")
    events: Mapped[list[RescueEvent]] = relationship(
        back_populates="call", primaryjoin=store_join("RescueCall", "RescueEvent", "call_id"),
        order_by="(RescueEvent.at, RescueEvent.id)", lazy="raise_on_sql")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def has_position(self) -> bool:
        return self.latitude_wgs84 is not None and self.longitude_wgs84 is not None


class RescueEvent(db.Model):
    """One step of a call's timeline (救援时间线), with its time and who: each step once per leg."""

    __tablename__ = "rescue_events"
    __table_args__ = (
        # Tapping "arrived" twice, or a retry after the crew's phone was offline, is one event.
        sa.UniqueConstraint("store_id", "call_id", "leg", "kind"),
        sa.CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("rescue_calls.id"))
    leg: Mapped[int] = mapped_column(sa.SmallInteger)
    kind: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    by: Mapped[str] = mapped_column(sa.String(60), default="")  # the dispatcher's or the crew's name
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rescue_units.id"))
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_stations.id"))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    photo: Mapped[str | None] = mapped_column(sa.String(80))  # a file name in UPLOAD_FOLDER/rescue

    call: Mapped[RescueCall] = relationship(back_populates="events", lazy="raise_on_sql")


class RescueSettings(db.Model):
    """A store's rescue settings (救援设置): its service-level targets and the dispatch rules' minutes.

    A store without a row has the defaults (`RescueSettings.defaults`), as insurers and makers promise.
    """

    __tablename__ = "rescue_settings"
    __table_args__ = (
        sa.CheckConstraint("dispatch_target_minutes BETWEEN 1 AND 240", name="dispatch_target_range"),
        sa.CheckConstraint("arrival_town_minutes BETWEEN 1 AND 600", name="arrival_town_range"),
        sa.CheckConstraint("arrival_outside_minutes BETWEEN 1 AND 600", name="arrival_outside_range"),
        sa.CheckConstraint("station_accept_minutes BETWEEN 1 AND 120", name="station_accept_range"),
        sa.CheckConstraint("stale_position_minutes BETWEEN 1 AND 1440", name="stale_position_range"),
        sa.CheckConstraint("eta_slip_minutes BETWEEN 1 AND 240", name="eta_slip_range"),
        sa.CheckConstraint("map_tile_system IN ('wgs84', 'gcj02')", name="map_tile_system_known"),
    )

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    dispatch_target_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=5)   # 派车时限
    arrival_town_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=30)     # 市区到达时限
    arrival_outside_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=60)  # 郊区到达时限
    station_accept_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=3)    # 二级站接单时限
    stale_position_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=15)   # 位置过时
    eta_slip_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=10)         # 延误再通知
    # The board's map (地图): a tile URL template ({z}/{x}/{y}, e.g. an intranet tile server); empty, no map.
    # Its coordinate system: wgs84 (OpenStreetMap-style tiles) or gcj02 (AMap-style tiles, offset in China).
    map_tile_url: Mapped[str] = mapped_column(sa.String(300), default="")
    map_tile_system: Mapped[str] = mapped_column(sa.String(6), default="wgs84")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the store's recorded rescues were last learned from (the values: rescue_learned_eta).
    learned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def defaults(cls, store_id: int) -> RescueSettings:
        return cls(store_id=store_id, dispatch_target_minutes=5, arrival_town_minutes=30, arrival_outside_minutes=60,
                   station_accept_minutes=3, stale_position_minutes=15, eta_slip_minutes=10, map_tile_url="",
                   map_tile_system="wgs84")

    def arrival_minutes(self, area: str) -> int:
        return self.arrival_town_minutes if area == TOWN else self.arrival_outside_minutes


class StationCoverage(db.Model):
    """Where and when a partner station takes the store's rescue jobs: a radius and its hours (or 24 h)."""

    __tablename__ = "rescue_station_coverage"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "station_id"),
        sa.CheckConstraint("radius_km > 0 AND radius_km <= 500", name="radius_range"),
        sa.CheckConstraint("(opens_minute IS NULL AND closes_minute IS NULL) OR (opens_minute BETWEEN 0 AND 1439 "
                           "AND closes_minute BETWEEN 0 AND 1439 AND opens_minute <> closes_minute)",
                           name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_stations.id"))
    radius_km: Mapped[float] = mapped_column(sa.Float, default=40.0)
    # Minutes of the day at the store; both None: 24 h; opens after closes: over midnight.
    opens_minute: Mapped[int | None] = mapped_column(sa.SmallInteger)
    closes_minute: Mapped[int | None] = mapped_column(sa.SmallInteger)


class LearnedEta(db.Model):
    """A value the arrival estimate learned from the store's recorded rescues (dealer.rescue.eta.learn)."""

    __tablename__ = "rescue_learned_eta"
    __table_args__ = (sa.UniqueConstraint("store_id", "measure", "area", "band"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    measure: Mapped[str] = mapped_column(sa.String(16))
    area: Mapped[str] = mapped_column(sa.String(8))
    band: Mapped[str] = mapped_column(sa.String(8))
    value: Mapped[float] = mapped_column(sa.Float)
    samples: Mapped[int] = mapped_column()


class Handover(db.Model):
    """A dispatcher's shift handover (交班): a note, and what was open at that moment, listed automatically;
    the incoming dispatcher acknowledges it (接班确认)."""

    __tablename__ = "rescue_handovers"
    __table_args__ = (sa.Index("ix_rescue_handovers_store_id_written_at", "store_id", "written_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    written_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    written_by: Mapped[str] = mapped_column(sa.String(60), default="")
    note: Mapped[str] = mapped_column(sa.String(2000), default="")
    # What was open when it was written: [{"id", "state", "priority", "age", "responder", "dispatch_late",
    # "arrival_late", "eta_left", "not_accepted"}] and the units out [{"name", "status"}].
    open_calls: Mapped[list] = mapped_column(sa.JSON, default=list)
    units_out: Mapped[list] = mapped_column(sa.JSON, default=list)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_by: Mapped[str] = mapped_column(sa.String(60), default="")


# An accident call's insurance claim (代办理赔), in order; refused ends it from an open state.
CLAIM_REPORTED = "reported"   # 已报案: the insurer gave its report number (报案号)
CLAIM_SURVEYED = "surveyed"   # 已查勘: the insurer's surveyor saw the car
CLAIM_APPROVED = "approved"   # 已定损/核准: the insurer approved an amount
CLAIM_PAID = "paid"           # 已赔付
CLAIM_REFUSED = "refused"     # 拒赔, with the insurer's reason
CLAIM_STATES = (CLAIM_REPORTED, CLAIM_SURVEYED, CLAIM_APPROVED, CLAIM_PAID, CLAIM_REFUSED)
CLAIM_OPEN_STATES = (CLAIM_REPORTED, CLAIM_SURVEYED, CLAIM_APPROVED)
# Where each state may go next: one step forward, or refused while the insurer has not paid.
CLAIM_MOVES = {CLAIM_REPORTED: (CLAIM_SURVEYED, CLAIM_REFUSED), CLAIM_SURVEYED: (CLAIM_APPROVED, CLAIM_REFUSED),
               CLAIM_APPROVED: (CLAIM_PAID, CLAIM_REFUSED), CLAIM_PAID: (), CLAIM_REFUSED: ()}


class InsuranceClaim(db.Model):
    """The insurance claim the store handles for an accident call (代办理赔): one per call, each step with its
    time and who. Amounts in fen."""

    __tablename__ = "rescue_claims"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "call_id"),
        sa.Index("ix_rescue_claims_store_id_state", "store_id", "state"),
        sa.CheckConstraint(_in("state", CLAIM_STATES), name="state_known"),
        sa.CheckConstraint("approved_fen IS NULL OR approved_fen >= 0", name="approved_not_negative"),
        sa.CheckConstraint("paid_fen IS NULL OR paid_fen >= 0", name="paid_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("rescue_calls.id"))
    insurer: Mapped[str] = mapped_column(sa.String(60))              # 保险公司
    policy_number: Mapped[str] = mapped_column(sa.String(40), default="")  # 保单号
    report_number: Mapped[str] = mapped_column(sa.String(40))        # 报案号
    state: Mapped[str] = mapped_column(sa.String(10), default=CLAIM_REPORTED)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(sa.String(60), default="")
    surveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    surveyed_by: Mapped[str] = mapped_column(sa.String(60), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str] = mapped_column(sa.String(60), default="")
    approved_fen: Mapped[int | None] = mapped_column(sa.BigInteger)   # 核定金额
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by: Mapped[str] = mapped_column(sa.String(60), default="")
    paid_fen: Mapped[int | None] = mapped_column(sa.BigInteger)       # 赔付金额
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_by: Mapped[str] = mapped_column(sa.String(60), default="")
    refusal_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    @property
    def is_open(self) -> bool:
        return self.state in CLAIM_OPEN_STATES

    def steps(self) -> list[tuple[str, datetime, str]]:
        """The claim's steps so far: (state, when, who), in order."""
        found = [(state, getattr(self, f"{state}_at"), getattr(self, f"{state}_by")) for state in CLAIM_STATES]
        return [step for step in found if step[1] is not None]
