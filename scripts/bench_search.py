"""Benchmark the front-desk search at dealer-group scale.

Usage (PostgreSQL, the production database):
    DATABASE_URL=postgresql://user@host/dealer_bench .venv/bin/python scripts/bench_search.py --vehicles 1000000
SQLite (embedded default) works too: DATABASE_URL=sqlite:////tmp/bench.sqlite3.

It migrates the database, tops it up with `seed-demo --vehicles N` (skipped when it already has N),
then runs each kind of query many times as a store-level advisor and as a group-level manager and
reports the latency in milliseconds (p50, p95, max), measured around the service call.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

# Run as a file from the repository root (`python scripts/bench_...py`): Python puts scripts/ on the path,
# not the root that holds the `dealer` package (which runs from its folder, without an install step).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200, help="queries of each kind")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from dealer import create_app
    from dealer.auth.models import User
    from dealer.customers import services
    from dealer.customers.models import Customer, Vehicle
    from dealer.extensions import db

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))
        if have < args.vehicles:
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", str(args.vehicles)])
            if result.exit_code:
                print(result.output, file=sys.stderr)
                return 1
            print(f"seeded {args.vehicles - have} vehicles in {time.perf_counter() - started:.0f} s")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()

        advisor = db.session.scalar(sa.select(User).where(User.username == "sz01-advisor1")).as_actor()
        group = db.session.scalar(sa.select(User).where(User.username == "group")).as_actor()
        rng = random.Random(1)
        max_id = db.session.scalar(sa.select(sa.func.max(Vehicle.id)))
        sample = []
        while len(sample) < args.rounds:
            vehicle = db.session.get(Vehicle, rng.randint(1, max_id), options=[joinedload(Vehicle.owner)])
            if vehicle is not None and vehicle.store_id == advisor.store_id:
                sample.append((vehicle.plate, vehicle.vin, vehicle.owner.mobile, vehicle.owner.name))
            db.session.expunge_all()
        kinds = {
            "plate, full": lambda s: s[0],
            "plate, last 4": lambda s: s[0][-4:],
            "mobile, full": lambda s: s[2],
            "mobile, last 4": lambda s: s[2][-4:],
            "VIN, full": lambda s: s[1],
            "VIN, last 6": lambda s: s[1][-6:],
            "name, surname + 1": lambda s: s[3][:2],
        }
        vehicles = db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))
        customers = db.session.scalar(sa.select(sa.func.count()).select_from(Customer))
        print(f"{db.engine.dialect.name}: {vehicles:,} vehicles, {customers:,} customers; "
              f"{args.rounds} queries per kind; milliseconds per search (results capped at 50)")
        print(f"{'query':<20} {'who':<14} {'p50':>7} {'p95':>7} {'max':>7} {'hits avg':>9}")
        for label, make_query in kinds.items():
            for who, actor in (("store advisor", advisor), ("group manager", group)):
                timings, hits = [], []
                for item in sample:
                    query = make_query(item)
                    started = time.perf_counter()
                    found = services.search(query, actor=actor)
                    timings.append((time.perf_counter() - started) * 1000)
                    hits.append(len(found))
                    db.session.rollback()
                    db.session.expunge_all()
                timings.sort()
                p95 = timings[int(len(timings) * 0.95) - 1]
                print(f"{label:<20} {who:<14} {statistics.median(timings):7.2f} {p95:7.2f} {timings[-1]:7.2f} "
                      f"{statistics.mean(hits):9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
