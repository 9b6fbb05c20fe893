"""Benchmark the repair-order reads at dealer-group scale: workshop board, lists, order page, monthly figures.

Usage, from the repository root (PostgreSQL, the production database):
    DATABASE_URL=postgresql://user@host/dealer_bench .venv/bin/python scripts/bench_repair.py --orders 1000000
SQLite (embedded default) works too, at a smaller scale:
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python scripts/bench_repair.py --orders 20000

It migrates the database, makes sure the demo data exists (`seed-demo --vehicles N`: stores, staff, the labor
catalogue, parts), then tops the repair orders up to --orders in bulk (COPY on PostgreSQL, executemany
elsewhere; never through the services, far too slow at this scale), with their jobs, lines and technicians:
- every store's history over 3 years of opening days (08:00-18:00 at the store, busier at weekends):
  delivered, about 2% cancelled, settled figures (customer total, net, VAT) computed from the lines with
  dealer.money as the pricing function does; about 8% ready after the promised time;
- a few hundred orders per store in the workshop now (open, estimated, approved, in progress, quality check,
  ready, settled and waiting for the owner), with the timestamps of their state;
- about 3% of finished orders are a confirmed comeback (返修): a job of theirs points at the vehicle's previous
  job (comeback_of_id, comeback_state = 'confirmed', under the repair warranty when inside 3 months);
- 1 or 2 technicians per approved job; order numbers RO-YYYYMMDD-NNNN from the store's per-day counters
  (repair_order_counters is kept up to date, so the app's next number on any of those days follows on).
A re-run with the same --orders adds nothing; a larger one adds the difference.

Then it times, as a store-level advisor (sz01-advisor1) and as the group-level manager (group), each call
--rounds times (the month figures fewer) and reports the latency in milliseconds (p50, p95, max) measured
around the service call, with the rows it returned. On PostgreSQL it then prints EXPLAIN (ANALYZE, BUFFERS)
of the slowest statement each call ran (captured with SQLAlchemy's before/after_cursor_execute), so the
index used, or missing, shows (--no-explain to skip).
"""
from __future__ import annotations

import argparse
import bisect
import functools
import random
import re
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

# Run as a file from the repository root (`python scripts/bench_...py`): Python puts scripts/ on the path,
# not the root that holds the `dealer` package (which runs from its folder, without an install step).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

YEARS = 3
VAT_BP = 1300
COMEBACK_SHARE = 0.03
CANCELLED_SHARE = 0.02
QC_FAILED_SHARE = 0.04
# Orders in the workshop now, per store and state (the rest of a store's orders are history).
WORKSHOP = {"open": 40, "estimated": 40, "approved": 30, "in_progress": 150, "quality_check": 30, "ready": 80,
            "settled": 30}

# Columns written, in order; checked against the tables so a schema change fails loudly here.
ORDER_COLS = ("id", "store_id", "number", "vehicle_id", "customer_id", "advisor_id", "kind", "state",
              "odometer_km", "fuel_eighths", "damage_notes", "valuables", "notes", "promised_at", "opened_at",
              "ready_at", "settled_at", "delivered_at", "cancelled_at", "cancel_reason", "approved_total_fen",
              "points_fen", "customer_total_fen", "net_fen", "vat_fen", "vat_rate_bp", "reversal_of_id",
              "created_at", "updated_at", "source_kind", "source_ref", "qc_failed")
JOB_COLS = ("id", "store_id", "order_id", "vehicle_id", "position", "concern", "is_extra", "reported_by_id",
            "approval", "work", "done_at", "comeback_of_id", "comeback_of_order_id", "comeback_state", "under_warranty",
            "inspection_result_id")
LINE_COLS = ("id", "store_id", "order_id", "job_id", "kind", "payer", "description", "labor_operation_id",
             "operation_code", "category", "hours", "rate_fen", "part_id", "part_number", "unit", "quantity",
             "unit_price_fen", "genuine", "aftermarket_consent_id", "reserved", "issued",
             "manual_discount_bp", "discount_approved_by_id", "amount_fen", "discount_fen", "discount_source",
             "created_at")
ASSIGNMENT_COLS = ("job_id", "technician_id", "store_id", "assigned_at")

# kind, weight, hours of work (low, high)
KINDS = (("maintenance", 45, 1, 3), ("general_repair", 33, 2, 8), ("body_paint", 10, 24, 72),
         ("warranty", 6, 2, 8), ("accident", 6, 48, 168))
# concern, labor operation codes, parts (part number, quantities in thousandths to choose from), for the kinds
TEMPLATES = (
    ("常规保养", ("MNT-OIL", "MNT-CHECK"), (("G055167M4", (4000, 4500, 5000)), ("04E115561H", (1000,))),
     ("maintenance",)),
    ("保养：更换空气滤和空调滤", ("MNT-AIRF", "MNT-CABF"), (("04E129620A", (1000,)), ("5Q0819653", (1000,))),
     ("maintenance",)),
    ("6 万公里保养：火花塞、刹车油", ("MNT-SPARK", "MNT-BRKFL"), (("04E905612C", (4000,)), ("B000750M3", (1000,))),
     ("maintenance",)),
    ("更换双离合变速箱油", ("MNT-DSG",), (("G055529A2", (6000,)),), ("maintenance",)),
    ("踩刹车时前轮有尖锐异响", ("BRK-PADF",), (("5Q0698151B", (1000,)),), ("general_repair", "warranty")),
    ("后刹车片磨损到限", ("BRK-PADR",), (("5Q0698451M", (1000,)),), ("general_repair",)),
    ("高速方向盘抖动、跑偏", ("CHS-ALIGN", "CHS-BAL"), (), ("general_repair",)),
    ("右前轮胎鼓包", ("CHS-TYRE", "CHS-BAL"), (("TY-MIC-2254517", (1000, 2000)),), ("general_repair",)),
    ("空调出风不够凉", ("AC-SERV",), (("G055164A2", (500, 600)),), ("general_repair", "warranty")),
    ("早上启动困难，电瓶亏电", ("ELE-BATT",), (("000915105DG", (1000,)),), ("general_repair", "warranty")),
    ("仪表盘发动机故障灯亮", ("DIAG-OBD",), (), ("general_repair", "warranty")),
    ("发动机冷启动有异响，怀疑正时皮带老化", ("ENG-TBELT", "ENG-WPUMP"),
     (("04E109119J", (1000,)), ("04E121600AL", (1000,)), ("G013A8JM1", (5000,))), ("general_repair",)),
    ("过减速带前悬挂异响", ("CHS-SHOCKF",), (("5Q0413031GT", (1000,)), ("5Q0411315A", (2000,))),
     ("general_repair", "warranty")),
    ("前保险杠右侧刮擦，需钣喷", ("BODY-BUMPF", "PNT-PANEL"), (("5Q0853651", (1000,)),), ("body_paint",)),
    ("左前翼子板凹陷，钣金喷漆", ("PNT-PANEL",), (), ("body_paint",)),
    ("追尾事故，前部受损", ("BODY-BUMPF", "PNT-PANEL", "ELE-LAMP"),
     (("5GG807221", (1000,)), ("5GG941005", (1000,)), ("5Q0853651", (1000,))), ("accident",)),
    ("刮擦事故，左侧两门喷漆", ("PNT-PANEL",), (), ("accident",)),
)
EXTRA_FINDINGS = (("前雨刮片老化，刮不干净", (), (("5GG955427", (1000,)),)),
                  ("轮胎偏磨，建议四轮定位", ("CHS-ALIGN",), ()),
                  ("前刹车片剩余 3 毫米", ("BRK-PADF",), (("5Q0698151B", (1000,)),)),
                  ("空调滤芯脏污", ("MNT-CABF",), (("5Q0819653", (1000,)),)),
                  ("蓄电池检测电压偏低", ("ELE-BATT",), (("000915105DG", (1000,)),)))
CANCEL_REASONS = ("客户改约时间", "客户嫌价格高，不修了", "配件缺货，客户不愿等待", "客户车辆已另行处理")


# -- the data --------------------------------------------------------------------------------------

class StoreData:
    """What the generator needs of one store: its people, vehicles, catalogue and day counters."""

    def __init__(self, store, counters: dict):
        from dealer.auth.models import User, UserRole
        from dealer.customers.models import Vehicle
        from dealer.extensions import db
        from dealer.parts.models import Part
        from dealer.repair.models import LaborOperation, LaborRate

        self.id, self.code = store.id, store.code
        self.zone = ZoneInfo(store.timezone or "Asia/Shanghai")

        def staff(role):
            return list(db.session.scalars(sa.select(User.id).join(UserRole).where(
                User.store_id == store.id, User.active, UserRole.role == role).order_by(User.id)))

        self.advisors, self.technicians = staff("service_advisor"), staff("technician")
        if not self.advisors or not self.technicians:
            raise SystemExit(f"store {store.code} has no advisor or no technician: run seed-demo first")
        self.vehicles = db.session.execute(sa.select(Vehicle.id, Vehicle.owner_id, Vehicle.odometer_km).where(
            Vehicle.store_id == store.id)).all()
        if not self.vehicles:
            raise SystemExit(f"store {store.code} has no vehicles: run seed-demo first")
        rates = dict(db.session.execute(sa.select(LaborRate.category, LaborRate.rate_fen)
                                        .where(LaborRate.store_id == store.id)).tuples().all())
        self.operations = {code: (oid, name, category, hours, rates.get(category, 15_000))
                           for oid, code, name, category, hours in db.session.execute(
                               sa.select(LaborOperation.id, LaborOperation.code, LaborOperation.name,
                                         LaborOperation.category, LaborOperation.hours)
                               .where(LaborOperation.store_id == store.id))}
        self.parts = {number: (pid, name, unit, price, genuine) for pid, number, name, unit, price, genuine in
                      db.session.execute(sa.select(Part.id, Part.part_number, Part.name, Part.unit,
                                                   Part.price_fen, Part.genuine)
                                         .where(Part.store_id == store.id))}
        if not self.operations or not self.parts:
            raise SystemExit(f"store {store.code} has no labor catalogue or parts: run seed-demo first")
        self.counters = counters  # (store_id, YYYYMMDD) -> last number given out, shared by the stores
        # vehicle id -> (job id, finished at, template) of its latest finished job, for comebacks
        self.last_job: dict[int, tuple[int, datetime, tuple, int]] = {}  # job, finished, concern, order

    def number(self, opened_at: datetime) -> tuple[str, str]:
        day = opened_at.astimezone(self.zone).strftime("%Y%m%d")
        last = self.counters.get((self.id, day), 0) + 1
        self.counters[(self.id, day)] = last
        return f"RO-{day}-{last:04d}", day


@functools.lru_cache(maxsize=None)
def _labor_amount(hours: int, rate: int) -> int:
    from dealer import money

    return money.labor_amount(hours, rate)


@functools.lru_cache(maxsize=None)
def _parts_amount(quantity: int, price: int) -> int:
    from dealer import money

    return money.parts_amount(quantity, price)


@functools.lru_cache(maxsize=None)
def _discount(amount: int, bp: int) -> int:
    from dealer import money

    return money.percent_of(amount, bp)


class Generator:
    """Builds rows (tuples in the *_COLS order) for orders, jobs, lines and assignments, with explicit ids."""

    def __init__(self, rng: random.Random, now: datetime, next_ids: dict[str, int]):
        self.rng, self.now = rng, now
        self.next = dict(next_ids)
        self.orders: list[tuple] = []
        self.jobs: list[tuple] = []
        self.lines: list[tuple] = []
        self.assignments: list[tuple] = []
        self.touched_days: set[tuple[int, str]] = set()
        kinds = [k[0] for k in KINDS]
        weights = [k[1] for k in KINDS]
        self.kind_cum = list(_accumulate(weights))
        self.kinds = kinds
        self.kind_hours = {k[0]: (k[2], k[3]) for k in KINDS}
        self.templates = {kind: [t for t in TEMPLATES if kind in t[3]] for kind in kinds}

    def _id(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def pick_kind(self) -> str:
        return self.kinds[bisect.bisect_right(self.kind_cum, self.rng.random() * self.kind_cum[-1])]

    def order(self, store: StoreData, vehicle, *, state: str, opened: datetime, end: datetime) -> None:
        """Add one order in `state`, opened at `opened`; nothing of it happens after `end`."""
        rng = self.rng
        vehicle_id, owner_id, km_now = vehicle
        kind = self.pick_kind()
        low, high = self.kind_hours[kind]
        work = timedelta(hours=rng.uniform(low, high))
        promised = opened + work * rng.uniform(0.95, 1.6)
        half_hours = round(promised.minute / 30 + promised.second / 1800)  # to the nearest half hour
        promised = promised.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30 * half_hours)
        ready = settled = delivered = cancelled = None
        finished = state in ("settled", "delivered")
        if state in ("ready", "settled", "delivered"):
            ready = opened + work
            if finished:
                wait = timedelta(hours=rng.uniform(0.1, 3)) if rng.random() < 0.8 else \
                    timedelta(days=rng.uniform(1, 4))
                settled = ready + wait
            if state == "delivered":
                delivered = settled + timedelta(minutes=rng.uniform(3, 20))
            last = delivered or settled or ready
            if last > end:  # compress the timeline to finish before `end`
                scale = (end - opened) / (last - opened) * 0.95
                ready = opened + (ready - opened) * scale
                settled = settled and opened + (settled - opened) * scale
                delivered = delivered and opened + (delivered - opened) * scale
        elif state == "cancelled":
            cancelled = min(opened + timedelta(hours=rng.uniform(0.2, 3)), end)
        days_ago = (self.now - opened).days
        odometer = max(100, (km_now or 20_000) - days_ago * (20 + vehicle_id % 40))  # steady km a day per car
        order_id = self._id("repair_orders")
        number, day = store.number(opened)
        self.touched_days.add((store.id, day))

        # jobs: the owner's concerns, maybe a finding (增项) during the repair
        template = rng.choice(self.templates[kind])
        concerns = [(template, False)]
        if rng.random() < 0.3:
            other = "maintenance" if kind != "maintenance" else "general_repair"
            concerns.append((rng.choice(self.templates[other]), False))
        if state not in ("open", "estimated", "approved", "cancelled") and rng.random() < 0.15:
            finding = rng.choice(EXTRA_FINDINGS)
            concerns.append(((finding[0], finding[1], finding[2], ()), True))
        comeback_of = None
        if finished and rng.random() < COMEBACK_SHARE / 0.975:
            earlier = store.last_job.get(vehicle_id)
            if earlier is not None and earlier[1] < opened:
                comeback_of = earlier
                concerns[0] = (earlier[2], False)
        payer = {"warranty": "warranty", "accident": "insurance"}.get(kind, "customer")
        total = 0
        assigned_at = opened + timedelta(minutes=rng.uniform(10, 40))
        first_job = None
        for position, ((concern, op_codes, part_specs, _kinds), extra) in enumerate(concerns, start=1):
            job_id = self._id("repair_jobs")
            if state in ("open", "estimated"):
                approval, work_state = "estimate", "waiting"
            elif state == "cancelled":
                approval, work_state = rng.choice(("estimate", "declined")), "waiting"
            elif extra and state in ("in_progress",) and rng.random() < 0.5:
                approval, work_state = "pending", "waiting"
            elif position > 1 and not extra and rng.random() < 0.1:
                approval, work_state = "declined", "waiting"
            elif state in ("approved",):
                approval, work_state = "approved", "waiting"
            elif state == "in_progress":
                approval, work_state = "approved", rng.choice(("waiting", "started", "started", "done"))
            else:
                approval, work_state = "approved", "done"
            done_at = None
            if work_state == "done":
                done_at = (ready or min(self.now, end)) - timedelta(minutes=rng.uniform(10, 40))
                done_at = max(done_at, opened + timedelta(minutes=5))
            comeback_state = under_warranty = None
            if position == 1 and comeback_of is not None:
                under_warranty = (opened - comeback_of[1]) < timedelta(days=90)
                comeback_state = "confirmed"
            job_payer = payer
            self.jobs.append((job_id, store.id, order_id, vehicle_id, position, concern, extra,
                              rng.choice(store.technicians) if extra else None, approval, work_state, done_at,
                              comeback_of[0] if comeback_state else None,
                              comeback_of[3] if comeback_state else None, comeback_state,
                              bool(under_warranty), None))
            if first_job is None and approval == "approved":
                first_job = (job_id, concerns[position - 1][0])
            for code in op_codes:
                operation = store.operations.get(code)
                if operation is None:
                    continue
                op_id, name, category, hours, rate = operation
                line_payer = "internal" if under_warranty else job_payer
                amount = _labor_amount(hours, rate)
                bp = 500 if line_payer == "customer" and rng.random() < 0.1 else 0
                discount = _discount(amount, bp) if bp else 0
                self.lines.append((self._id("repair_lines"), store.id, order_id, job_id, "labor", line_payer,
                                   name, op_id, code, category, hours, rate, None, "", "", None, None, True,
                                   None, 0, 0, bp, None, amount, discount, "manual" if bp else "", opened))
                if approval == "approved" and line_payer == "customer":
                    total += amount - discount
            for number_, quantities in part_specs:
                part = store.parts.get(number_)
                if part is None:
                    continue
                part_id, name, unit, price, genuine = part
                quantity = rng.choice(quantities)
                line_payer = "warranty" if under_warranty else job_payer
                amount = _parts_amount(quantity, price)
                handed_out = finished or state in ("ready", "quality_check") or work_state != "waiting"
                issued = quantity if approval == "approved" and handed_out else 0
                reserved = quantity - issued if approval == "approved" else 0
                self.lines.append((self._id("repair_lines"), store.id, order_id, job_id, "parts", line_payer,
                                   name, None, "", "", None, None, part_id, number_, unit, quantity, price,
                                   genuine, None, reserved, issued, 0, None, amount, 0, "", opened))
                if approval == "approved" and line_payer == "customer":
                    total += amount
            # 派工: 1 or 2 technicians per approved job (on an approved order not dispatched yet, maybe none)
            if approval == "approved" and (state != "approved" or rng.random() < 0.5):
                how_many = min(len(store.technicians), 2 if rng.random() < 0.3 else 1)
                techs = rng.sample(store.technicians, how_many)
                for tech in techs:
                    self.assignments.append((job_id, tech, store.id, assigned_at))
        if finished and first_job is not None:
            store.last_job[vehicle_id] = (first_job[0], delivered or settled, first_job[1], order_id)
        customer_total = net = vat = vat_bp = None
        if finished:
            from dealer import money

            customer_total, vat_bp = total, VAT_BP
            net, vat = money.split_vat(total, VAT_BP)
        approved_total = total if state not in ("open", "estimated", "cancelled") else 0
        last_change = delivered or settled or ready or cancelled or opened
        self.orders.append((
            order_id, store.id, number, vehicle_id, owner_id, rng.choice(store.advisors), kind, state,
            odometer, rng.randint(1, 8), "", "", "", promised, opened, ready, settled, delivered, cancelled,
            rng.choice(CANCEL_REASONS) if cancelled else "", approved_total, 0, customer_total, net, vat,
            vat_bp, None, opened, last_change, "front_desk", None,
            # the quality checks' outcome (终检, one failed in 25); none before the check
            (rng.random() < QC_FAILED_SHARE) if ready is not None else None))

    def take(self) -> tuple[list, list, list, list, set]:
        batch = (self.orders, self.jobs, self.lines, self.assignments, self.touched_days)
        self.orders, self.jobs, self.lines, self.assignments, self.touched_days = [], [], [], [], set()
        return batch


def _accumulate(values):
    total = 0
    for value in values:
        total += value
        yield total


def _check_columns() -> None:
    from dealer.repair.models import JobAssignment, RepairJob, RepairLine, RepairOrder

    for model, cols in ((RepairOrder, ORDER_COLS), (RepairJob, JOB_COLS), (RepairLine, LINE_COLS),
                        (JobAssignment, ASSIGNMENT_COLS)):
        have = set(model.__table__.c.keys())
        if have != set(cols):
            raise SystemExit(f"{model.__tablename__} columns changed: the script lacks "
                             f"{sorted(have - set(cols))}, has unknown {sorted(set(cols) - have)}")


def _write(table, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows in bulk in the session's transaction: COPY on PostgreSQL, executemany elsewhere."""
    from dealer.extensions import db

    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        columns = ", ".join(f'"{c}"' for c in cols)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        for start in range(0, len(rows), 10_000):
            db.session.execute(sa.insert(table), [dict(zip(cols, row)) for row in rows[start:start + 10_000]])


def _flush(generator: Generator, counters: dict) -> int:
    from dealer.extensions import db
    from dealer.repair.models import JobAssignment, OrderCounter, RepairJob, RepairLine, RepairOrder

    orders, jobs, lines, assignments, days = generator.take()
    _write(RepairOrder.__table__, ORDER_COLS, orders)
    _write(RepairJob.__table__, JOB_COLS, jobs)
    _write(RepairLine.__table__, LINE_COLS, lines)
    _write(JobAssignment.__table__, ASSIGNMENT_COLS, assignments)
    if days:
        dialect = db.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        values = [{"store_id": s, "day": d, "last": counters[(s, d)]} for s, d in sorted(days)]
        for start in range(0, len(values), 1000):
            stmt = insert(OrderCounter).values(values[start:start + 1000])
            db.session.execute(stmt.on_conflict_do_update(index_elements=["store_id", "day"],
                                                          set_={"last": stmt.excluded.last}))
    _reset_sequences()
    db.session.commit()
    return len(orders)


def _reset_sequences() -> None:
    from dealer.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("repair_orders", "repair_jobs", "repair_lines"):
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def top_up(target: int, *, rng: random.Random, now: datetime, batch: int) -> int:
    """Add orders (with jobs, lines, assignments) until there are `target`; return how many were added."""
    from dealer.extensions import db
    from dealer.repair.models import OrderCounter, RepairJob, RepairLine, RepairOrder
    from dealer.stores.models import Store

    have = db.session.scalar(sa.select(sa.func.count()).select_from(RepairOrder))
    if have >= target:
        return 0
    _check_columns()
    counters = {(s, d): last for s, d, last in db.session.execute(
        sa.select(OrderCounter.store_id, OrderCounter.day, OrderCounter.last))}
    stores = [StoreData(store, counters) for store in db.session.scalars(
        sa.select(Store).where(Store.active).order_by(Store.id))]
    next_ids = {table.__tablename__: (db.session.scalar(sa.select(sa.func.max(table.id))) or 0) + 1
                for table in (RepairOrder, RepairJob, RepairLine)}
    generator = Generator(rng, now, next_ids)
    missing = target - have
    # the workshop now: what each store lacks of WORKSHOP, opened in the last days
    in_shop = {(s, state): n for s, state, n in db.session.execute(
        sa.select(RepairOrder.store_id, RepairOrder.state, sa.func.count())
        .where(RepairOrder.state.in_(tuple(WORKSHOP))).group_by(RepairOrder.store_id, RepairOrder.state))}
    shop_orders = []
    for store in stores:
        for state, wanted in WORKSHOP.items():
            shop_orders += [(store, state)] * max(0, wanted - in_shop.get((store.id, state), 0))
    rng.shuffle(shop_orders)
    shop_orders = shop_orders[:missing]
    history = missing - len(shop_orders)

    started = time.perf_counter()
    added = 0
    # history: every opening day of the last YEARS years up to yesterday, in order (comebacks point back)
    end = now - timedelta(minutes=30)
    today = now.astimezone(stores[0].zone).date()
    days = [today - timedelta(days=n) for n in range(YEARS * 365, 0, -1)]
    weight = {5: 1.4, 6: 1.2}  # Saturday, Sunday
    slots = [(day, store) for day in days for store in stores]
    total_weight = sum(weight.get(day.weekday(), 1.0) for day, _ in slots)
    expected, emitted = 0.0, 0
    print(f"adding {missing:,} orders: {history:,} of history over {len(days)} days, "
          f"{len(shop_orders):,} in the workshop now", flush=True)
    for index, (day, store) in enumerate(slots):
        expected += history * weight.get(day.weekday(), 1.0) / total_weight
        count = history - emitted if index == len(slots) - 1 else int(expected) - emitted
        if count <= 0:
            continue
        emitted += count
        midnight = datetime(day.year, day.month, day.day, tzinfo=store.zone).astimezone(timezone.utc)
        # 08:00-18:00 at the store, busier in the morning
        seconds = sorted(rng.uniform(8 * 3600, 12 * 3600) if rng.random() < 0.6 else
                         rng.uniform(12 * 3600, 18 * 3600) for _ in range(count))
        for second in seconds:
            state = "cancelled" if rng.random() < CANCELLED_SHARE else "delivered"
            generator.order(store, rng.choice(store.vehicles), state=state,
                            opened=midnight + timedelta(seconds=second), end=end)
        if len(generator.orders) >= batch:
            added += _flush(generator, counters)
            _progress(added, missing, started)
    added += _flush(generator, counters)
    # the workshop: distinct vehicles, opened recently for the state they are in
    opened_ago = {"open": (0.1, 3), "estimated": (0.5, 24), "approved": (1, 24), "in_progress": (1, 72),
                  "quality_check": (2, 24), "ready": (3, 48), "settled": (4, 48)}
    busy = set()
    for store, state in sorted(shop_orders, key=lambda s: (s[0].id, s[1])):
        vehicle = rng.choice(store.vehicles)
        while vehicle[0] in busy and len(busy) < len(store.vehicles):
            vehicle = rng.choice(store.vehicles)
        busy.add(vehicle[0])
        low, high = opened_ago[state]
        generator.order(store, vehicle, state=state, opened=now - timedelta(hours=rng.uniform(low, high)),
                        end=now - timedelta(minutes=10))
    added += _flush(generator, counters)
    _progress(added, missing, started)
    return added


def _progress(added: int, missing: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    print(f"  {added:,}/{missing:,} orders in {elapsed:.0f} s ({added / max(elapsed, 1e-9):,.0f}/s)",
          flush=True)


def analyze() -> None:
    """Fresh planner statistics (and, on PostgreSQL, a vacuumed visibility map, as autovacuum leaves it)."""
    from dealer.extensions import db

    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE) repair_orders, repair_jobs, repair_lines, "
                                       "repair_job_assignments, repair_order_counters")
            connection.exec_driver_sql("ANALYZE")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


# -- the timing ------------------------------------------------------------------------------------

class Capture:
    """Record the statements (with parameters and their time) the engine runs while active."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())) * 1000
        self.statements.append((elapsed, statement, parameters))


def _percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[max(0, min(len(sorted_values) - 1, int(round(len(sorted_values) * share)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000, help="repair orders to top up to")
    parser.add_argument("--vehicles", type=int, default=20_000, help="demo vehicles (seed-demo --vehicles)")
    parser.add_argument("--rounds", type=int, default=100, help="calls of each kind (month figures: a fifth)")
    parser.add_argument("--batch", type=int, default=20_000, help="orders per insert batch")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN output on PostgreSQL")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from dealer import create_app
    from dealer.auth.models import User
    from dealer.customers.models import Customer, Vehicle
    from dealer.extensions import db
    from dealer.parts import services as parts
    from dealer.parts.models import Part
    from dealer.repair import queries, services
    from dealer.repair.models import JobAssignment, LaborOperation, RepairJob, RepairLine, RepairOrder

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))
        catalogue = db.session.scalar(sa.select(sa.func.count()).select_from(LaborOperation))
        if have < args.vehicles or not catalogue:
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", str(args.vehicles)])
            if result.exit_code:
                print(result.output, file=sys.stderr)
                return 1
            print(f"seeded {max(args.vehicles - have, 0):,} vehicles and the demo catalogue in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        now = datetime.now(timezone.utc)
        started = time.perf_counter()
        added = top_up(args.orders, rng=random.Random(args.seed), now=now, batch=args.batch)
        if added:
            print(f"added {added:,} repair orders in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        analyze()
        print(f"statistics refreshed in {time.perf_counter() - started:.0f} s", flush=True)

        dialect = db.engine.dialect.name
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        by_state = dict(db.session.execute(sa.select(RepairOrder.state, sa.func.count())
                                           .group_by(RepairOrder.state)).tuples().all())
        comebacks = db.session.scalar(sa.select(sa.func.count()).select_from(RepairJob)
                                      .where(RepairJob.comeback_state == "confirmed"))
        states = ", ".join(f"{s} {n:,}" for s, n in sorted(by_state.items()))
        print(f"{dialect}: {count(RepairOrder):,} repair orders ({states}), "
              f"{count(RepairJob):,} jobs ({comebacks:,} confirmed comebacks), {count(RepairLine):,} lines, "
              f"{count(JobAssignment):,} technician assignments; {count(Vehicle):,} vehicles, "
              f"{count(Customer):,} customers, {count(Part):,} parts")

        advisor = db.session.scalar(sa.select(User).where(User.username == "sz01-advisor1")).as_actor()
        group = db.session.scalar(sa.select(User).where(User.username == "group")).as_actor()
        actors = (("store advisor", advisor), ("group manager", group))
        rng = random.Random(args.seed + 1)
        samples = {who: _samples(actor, args.rounds, rng) for who, actor in actors}
        zone = ZoneInfo("Asia/Shanghai")
        this_month = now.astimezone(zone).date().replace(day=1)
        month = (this_month - timedelta(days=1)).replace(day=1)
        part_queries = [p for p in db.session.scalars(sa.select(Part.part_number).distinct())]
        part_names = [p for p in db.session.scalars(sa.select(Part.name).distinct())]

        def order_page(s):
            order = services.get_order(s["order"], actor=s["actor"])
            services.price(order)
            queries.display_totals(order)
            return sum(len(job.lines) for job in order.jobs)

        def part_search(s):
            r = s["rng"]
            text = r.choice(part_queries)[:r.randint(3, 6)] if r.random() < 0.6 else r.choice(part_names)[:2]
            return len(parts.search_parts(text, actor=s["actor"]))

        kinds = {
            "workshop_board": (1, lambda s: len(queries.workshop_board(actor=s["actor"], now=now))),
            "list_orders, first page": (1, lambda s: len(queries.list_orders(
                actor=s["actor"], filters=queries.OrderFilter()).items)),
            "list_orders, state=in_progress": (1, lambda s: len(queries.list_orders(
                actor=s["actor"], filters=queries.OrderFilter(states=("in_progress",))).items)),
            "list_orders, state=delivered": (1, lambda s: len(queries.list_orders(
                actor=s["actor"], filters=queries.OrderFilter(states=("delivered",))).items)),
            "list_orders, by vehicle": (1, lambda s: len(queries.list_orders(
                actor=s["actor"], filters=queries.OrderFilter(vehicle_id=s["vehicle"])).items)),
            "customer_visits": (1, lambda s: queries.customer_visits(
                s["customer"], actor=s["actor"]).visits),
            "get_order + price (order page)": (1, order_page),
            "quality_figures (month)": (5, lambda s: services.quality_figures(
                actor=s["actor"], month=month)["store"][0].delivered),
            "time_figures (month)": (5, lambda s: services.time_figures(actor=s["actor"], month=month).ready),
            "parts search_parts": (1, part_search),
            "parts low_stock": (1, lambda s: len(parts.low_stock(actor=s["actor"]))),
        }
        print(f"{args.rounds} calls per kind (month figures {max(1, args.rounds // 5)}, for {month:%Y-%m}); "
              f"milliseconds per call; rows = what the call returned (list lengths, visits, lines of the "
              f"order, orders settled / ready in the month)")
        print(f"{'call':<32} {'who':<14} {'p50':>8} {'p95':>8} {'max':>8} {'rows avg':>10}")
        for label, (divisor, call) in kinds.items():
            for who, actor in actors:
                timings, rows = [], []
                for item in samples[who][:max(1, args.rounds // divisor)]:
                    item = {**item, "actor": actor}
                    started = time.perf_counter()
                    rows.append(call(item))
                    timings.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                    db.session.expunge_all()
                timings.sort()
                print(f"{label:<32} {who:<14} {statistics.median(timings):8.2f} "
                      f"{_percentile(timings, 0.95):8.2f} {timings[-1]:8.2f} {statistics.mean(rows):10.1f}",
                      flush=True)
        if dialect == "postgresql" and not args.no_explain:
            for label, (_divisor, call) in kinds.items():
                _explain_slowest(label, call,
                                 [(who, {**samples[who][0], "actor": actor}) for who, actor in actors])
    return 0


def _samples(actor, rounds: int, rng: random.Random) -> list[dict]:
    """Random orders, vehicles and customers the actor sees, one of each per call."""
    from dealer.extensions import db
    from dealer.repair.models import RepairOrder

    lowest, highest = db.session.execute(sa.select(sa.func.min(RepairOrder.id),
                                                   sa.func.max(RepairOrder.id))).one()
    found = []
    while len(found) < rounds:
        ids = [rng.randint(lowest, highest) for _ in range(rounds * 4)]
        stmt = (sa.select(RepairOrder.id, RepairOrder.vehicle_id, RepairOrder.customer_id)
                .where(RepairOrder.id.in_(ids)))
        if actor.store_id is not None:
            stmt = stmt.where(RepairOrder.store_id == actor.store_id)
        found += db.session.execute(stmt).all()
    rng.shuffle(found)
    return [{"order": o, "vehicle": v, "customer": c, "rng": random.Random(o)} for o, v, c in found[:rounds]]


def _explain_slowest(label: str, call, items) -> None:
    """Run the call once per actor, capturing its statements; EXPLAIN (ANALYZE, BUFFERS) the slowest one."""
    from dealer.extensions import db

    slowest = None
    for who, item in items:
        with Capture(db.engine) as capture:
            call(item)
        db.session.rollback()
        db.session.expunge_all()
        for elapsed, statement, parameters in capture.statements:
            if slowest is None or elapsed > slowest[0]:
                slowest = (elapsed, statement, parameters, who, len(capture.statements))
    if slowest is None:
        return
    elapsed, statement, parameters, who, statements = slowest
    plan = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                   parameters).scalars().all()
    db.session.rollback()
    print(f"\n== {label} ({who}: {statements} statements; slowest {elapsed:.1f} ms)")
    print("   " + re.sub(r"\s+", " ", statement).strip())
    print("   parameters: " + repr(parameters)[:300])
    for line in plan:
        print("   " + line)


if __name__ == "__main__":
    sys.exit(main())
