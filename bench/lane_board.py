"""The quick lane's staff pages in-process, with a full lane: the board, its cars partial (htmx, every 5 s),
closing the day and a car's extra-work page, at 60 and 120 cars.

    .venv/bin/python -m bench.lane_board [--cars 60,120] [--requests 300] [--scale 0.2]
    DATABASE_URL=postgresql://... .venv/bin/python -m bench.lane_board

Without DATABASE_URL it runs on a throwaway SQLite file. It brings the schema up to date, builds a store of its
own (code LBxxxxxx, a new one every run, so any database will do; on PostgreSQL its rows stay: the audit log
refuses deletes) with a catalogue, a package, four bays and four technicians on shift, then takes keys through
the lane's own services until the lane holds each --cars count: four cars in the bays, three at the wash,
three ready, the rest waiting. Each page is then asked --requests times (x --scale) through the Flask test
client, signed in through the login form with CSRF on, after 20 requests to warm up, and its p50, p99 and
queries per request are printed (the queries must not grow with the cars), with the p50 of the process's CPU
time per request (steadier than the wall clock on a busy machine).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import logging
import os
import pstats
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from dealer.actors import SYSTEM
from dealer.app import create_app  # the composition root first: every model mapped
from dealer.auth import services as auth_services
from dealer.customers import services as customers
from dealer.customers.inputs import CustomerInput, VehicleInput
from dealer.demo.data import plate, vin
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.quicklane import services as lane_services
from dealer.quicklane.models import IN_BAY, READY, WAITING, WASHING, LaneOrder
from dealer.repair.models import LABOR_CATEGORIES, LaborOperation, LaborRate
from dealer.stores.models import Store

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-lane-2026!"
BAYS = 4
IN_BAYS, AT_WASH, DONE = 4, 3, 3  # cars in the bays, at the wash and ready; the rest wait


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class Lane:
    """The benchmark's store: its staff, package and the cars it took keys for (also the browser test's lane of
    sixty cars on a wall screen: tests/browser/test_quick_lane_screens.py)."""

    def __init__(self, now: datetime, *, password: str = PASSWORD):
        self.now = now
        self.code = f"LB{uuid.uuid4().hex[:6]}"
        store = Store(code=self.code, name="快修基准门店", timezone="Asia/Shanghai")
        db.session.add(store)
        db.session.commit()
        self.store_id = store.id
        users = {}
        for suffix, roles, name in (("manager", ["manager"], "王经理"), ("advisor", ["service_advisor"], "李顾问"),
                                    *((f"tech{n}", ["technician"], f"技师{n}") for n in range(1, BAYS + 1))):
            users[suffix] = auth_services.create_user(f"{self.code.lower()}-{suffix}", password=password,
                                                      roles=roles, store_id=self.store_id, actor=SYSTEM,
                                                      full_name=name)
        self.manager, self.advisor = users["manager"].as_actor(), users["advisor"].as_actor()
        self.technicians = [users[f"tech{n}"] for n in range(1, BAYS + 1)]
        for category in LABOR_CATEGORIES:
            db.session.add(LaborRate(store_id=self.store_id, category=category, rate_fen=12000))
        operation = LaborOperation(store_id=self.store_id, code="MNT-OIL", name="更换机油机滤", category="maintenance",
                                   hours=50)
        oil = Part(store_id=self.store_id, part_number="G055167M4", name="机油 5W-40", unit="升", price_fen=6800,
                   cost_fen=4000, on_hand=10_000_000, reserved=0, reorder_level=0)
        oil_filter = Part(store_id=self.store_id, part_number="04E115561H", name="机油滤清器", unit="个",
                          price_fen=4560, cost_fen=2500, on_hand=10_000_000, reserved=0, reorder_level=0)
        db.session.add_all([operation, oil, oil_filter])
        db.session.commit()
        lane_services.save_settings(self.store_id, bays=BAYS, cap_per_quarter=50, actor=self.manager, now=now)
        for technician in self.technicians:
            lane_services.set_shift(self.store_id, user_id=technician.id, on_shift=True, actor=self.manager, now=now)
        self.package_id = lane_services.save_package(self.store_id, lane_services.PackageInput(
            code="Q5K", name="5000公里常规保养（含洗车）", price_fen=34_900, bay_minutes=30, wash_minutes=15,
            interval_km=5000, items=[
                lane_services.ItemInput(kind="parts", part_id=oil.id, quantity=4000),
                lane_services.ItemInput(kind="parts", part_id=oil_filter.id, quantity=1000),
                lane_services.ItemInput(kind="labor", operation_id=operation.id, hours=50)]),
            actor=self.manager, now=now).id
        self.technicians = [(user.id, user.as_actor()) for user in self.technicians]
        self.taken = 0
        self.rng = random.Random(15)

    def fill(self, cars: int) -> None:
        """Take keys until the lane holds `cars` cars, then put the first ones in the bays, at the wash, ready."""
        while self.taken < cars:
            self.taken += 1
            customer = customers.create_customer(CustomerInput(name=f"车主{self.taken:04d}",
                                                               mobile=f"139{self.rng.randrange(10**8):08d}"),
                                                 store_id=self.store_id, actor=self.advisor, now=self.now)
            vehicle = customers.add_vehicle(customer.id, VehicleInput(
                plate=plate(self.rng, "粤", "B"), vin=vin(self.rng), model_family="compact", odometer_km=20_000),
                actor=self.advisor, now=self.now)
            offer = lane_services.quote(self.store_id, self.package_id, actor=self.advisor, now=self.now)
            lane_services.open_lane_order(vehicle.id, lane_services.LaneInput(
                package_id=self.package_id, key_tag=f"B{self.taken:03d}", promised_at=offer.promised_at),
                actor=self.advisor, now=self.now)
        stages = dict(db.session.execute(sa.select(LaneOrder.id, LaneOrder.stage)
                                         .where(LaneOrder.store_id == self.store_id)).all())
        if list(stages.values()).count(WAITING) != len(stages):
            return  # moved already (a second --cars count adds waiting cars only)
        first = sorted(stages)[:IN_BAYS + AT_WASH + DONE]
        for index, lane_id in enumerate(first[IN_BAYS:]):  # through a bay to the wash (and ready) first
            technician_id, technician = self.technicians[0]
            self._move(lane_id, IN_BAY, bay=1, technician_id=technician_id, actor=technician)
            self._move(lane_id, WASHING, actor=technician)
            if index >= AT_WASH:
                self._move(lane_id, READY, actor=self.advisor)
        for bay, lane_id in enumerate(first[:IN_BAYS], start=1):
            technician_id, technician = self.technicians[bay - 1]
            self._move(lane_id, IN_BAY, bay=bay, technician_id=technician_id, actor=technician)
        self.in_bay = first[0]

    def _move(self, lane_id, to_stage, *, actor, **where):
        version = db.session.scalar(sa.select(LaneOrder.version).where(LaneOrder.id == lane_id))
        lane_services.move(lane_id, to_stage=to_stage, version=version, actor=actor, now=self.now, **where)


def _sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _time(app, client, path: str, requests: int) -> tuple[list[float], int, int]:
    """Ask the page `requests` times after 20 to warm up; return the times (ms), its size and its queries."""
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    for _ in range(20):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(path)
    sa.event.remove(engine, "before_cursor_execute", count)
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu, len(response.data), len(statements)


def _profile(client, path: str, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("PROFILE_LINES", "45")))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cars", default="60,120", help="the lane's sizes to measure, ascending")
    parser.add_argument("--requests", type=int, default=300, help="requests per page (after 20 to warm up)")
    parser.add_argument("--scale", type=float, default=1.0, help="x the requests, for a quick run")
    parser.add_argument("--profile", metavar="LABEL", help="profile this page (cProfile) at the last size instead")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.cars.split(",")]
    requests = max(20, round(args.requests * args.scale))
    folder = None
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.TemporaryDirectory(prefix="lane-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/lane.sqlite3"
    app = create_app({"SECRET_KEY": "bench-lane", "LOGIN_RATE_LIMIT": "1000 per minute"})
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        dialect = db.engine.dialect.name
        # 10:00 in Shenzhen today: the lane's day has begun
        now = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=1)
        lane = Lane(now)
    print(f"quick-lane staff pages in-process on {dialect}, {requests} requests each (p50 / p99 ms, queries)")
    try:
        for cars in sizes:
            with app.app_context():
                started = time.perf_counter()
                lane.fill(cars)
                built = time.perf_counter() - started
                db.session.remove()
            print(f"  {cars} cars in the lane (built in {built:.1f} s):")
            staff = app.test_client()
            manager = app.test_client()
            _sign_in(staff, f"{lane.code.lower()}-advisor")
            _sign_in(manager, f"{lane.code.lower()}-manager")
            gc.freeze()
            for label, client, path in (("board", staff, "/quick-lane/"), ("board's cars", staff, "/quick-lane/cars"),
                                        ("close the day", manager, "/quick-lane/close-day"),
                                        ("extra work", staff, f"/quick-lane/{lane.in_bay}/extra"),
                                        ("lounge cars", staff, f"/quick-lane/lounge/{lane.code}/cars")):
                if args.profile:
                    if label == args.profile and cars == sizes[-1]:
                        _profile(client, path, requests)
                    continue
                times, cpu, size, queries = _time(app, client, path, requests)
                print(f"    {label:<14} p50 {percentile(times, 50):6.2f}  p99 {percentile(times, 99):6.2f}  "
                      f"mean {statistics.fmean(times):6.2f}  (CPU p50 {percentile(cpu, 50):6.2f})  "
                      f"{queries:2d} queries  {size // 1024} KiB")
            gc.unfreeze()
    finally:
        if folder is not None:
            folder.cleanup()


if __name__ == "__main__":
    main()
