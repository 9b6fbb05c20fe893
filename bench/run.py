"""The HTTP benchmark of issue 11: every page in bench/pages.py against the stack's ceiling, in one run.

    make bench-http DATABASE_URL=postgresql://user@host/dealer_bench
    .venv/bin/python -m bench.run --vehicles 20000 --orders 20000      # a smoke run (DATABASE_URL set)

1. builds or reuses the data (bench/data.py: 20 stores, --vehicles, --orders);
2. starts the app under gunicorn as in production (bench/server.py) and the ceiling app (bench/ceiling.py)
   with the same settings, signs in once per account (session cookie; a bearer token for the API);
3. drives the ceiling, then each page, then the ceiling again with wrk (bench/load.py), sampling the
   workers' RSS; when other pages run with the front desk, the desk's searches run again at the end too (the
   pages are measured against the desk in the same run, and the machine's capacity drifts over a run: the
   ceiling has moved by a fifth between its two ends);
4. runs each page's sample paths once more in-process (Flask test client, same cookie or token, same
   database), counting the statements with SQLAlchemy's before_cursor_execute and timing each request
   alone;
5. outside HTTP: the nightly reminder scan (scripts/bench_reminder_scan.py) and the SMS sender's
   throughput with two senders to the loopback stand-in (bench/sms_throughput.py);
6. writes bench/reports/<date>-<commit>.md (-2, -3, ... for another run of the same commit that day) and prints it.
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import flask
import requests
import sqlalchemy as sa

from bench import data
from bench.load import (
    USER_AGENT,
    RssSampler,
    WrkResult,
    cpu_seconds,
    cpu_spent,
    owner_address,
    postmaster_of,
    run_wrk,
    server_pids,
    worker_pids,
)
from bench.pages import PAGES, SAMPLES, Page
from bench.server import Gunicorn, api_token, auth_headers, production_env, sign_in
from dealer import create_app
from dealer.extensions import db
from dealer.scheduler import NIGHTLY_WORKERS
from tests.redisserver import RedisServer, find_redis_server

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "bench" / "reports"
CEILING_PATH = "/vehicles/{ceiling_vehicle}"
DESK = "front desk"  # the pages every other page's share of the ceiling is compared with
AGAIN = ", again at the end of the run"
TARGETS = {"desk": "≥ 50% of the ceiling, p99 < 100 ms", "list": "p99 < 300 ms"}


@dataclass
class PageResult:
    page: Page
    paths: list[str]
    wrk: WrkResult | None = None
    error: str = ""
    queries: list[int] = field(default_factory=list)
    alone_ms: list[float] = field(default_factory=list)
    statuses_alone: list[int] = field(default_factory=list)
    rss_peak_mb: float = 0.0
    load_before: str = ""
    drain_seconds: float = 0.0
    slowest_ms: list[float] = field(default_factory=list)  # each request's slowest statement, alone
    sql_ms: list[float] = field(default_factory=list)  # each request's statements, summed (driver and server)
    template_ms: list[float] = field(default_factory=list)  # each request's render_template, alone
    slowest_sql: str = ""
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per answered request: app, PostgreSQL, Redis


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    env = os.environ.get
    parser.add_argument("--stores", type=int, default=int(env("BENCH_STORES", 20)))
    parser.add_argument("--vehicles", type=int, default=int(env("BENCH_VEHICLES", 1_000_000)))
    parser.add_argument("--orders", type=int, default=int(env("BENCH_ORDERS", 1_000_000)))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", 2)), help="wrk threads")
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", 16)),
                        help="wrk connections")
    parser.add_argument("--duration", type=int, default=int(env("BENCH_DURATION", 15)), help="seconds per page")
    parser.add_argument("--timeout", type=int, default=30,
                        help="wrk's request timeout in seconds (gunicorn's worker timeout is 30 s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (the README's 4)")
    parser.add_argument("--samples", type=int, default=20, help="sample paths per page (wrk cycles through them)")
    parser.add_argument("--only", default="", help="run only pages whose label contains this text (several: a|b|c)")
    parser.add_argument("--no-reminder-scan", action="store_true",
                        help="skip scripts/bench_reminder_scan.py (minutes at 1,000,000 vehicles)")
    parser.add_argument("--no-sms", action="store_true", help="skip the SMS sender's throughput")
    parser.add_argument("--sms-messages", type=int, default=int(env("BENCH_SMS_MESSAGES", 2000)))
    parser.add_argument("--note", default=env("BENCH_NOTE", ""), help="a line for the report (e.g. the load)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        print("the HTTP benchmark needs DATABASE_URL=postgresql://... (a database of its own)", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (Debian package `wrk`)", file=sys.stderr)
        return 2
    command = _command(database_url)
    started_at = datetime.now(timezone.utc)
    commit = _commit()  # the code that runs, whatever is committed meanwhile
    timings: dict[str, float] = {}

    clock = time.perf_counter()
    build_app = create_app({"SECRET_KEY": "bench"})
    dataset = data.build(build_app, stores=args.stores, vehicles=args.vehicles, orders=args.orders, seed=args.seed)
    timings["data (build or reuse)"] = time.perf_counter() - clock
    wanted = [term for term in args.only.lower().split("|") if term] or [""]
    pages = [p for p in PAGES if any(term in p.label.lower() for term in wanted)]
    with build_app.app_context():
        samples = _samples(pages, args.samples)
        # the database server's processes, when it runs on this machine (its backends come and go: listed per page)
        local = db.engine.url.host in (None, "", "127.0.0.1", "localhost", "::1")
        postmaster = postmaster_of(db.session.scalar(sa.text("SELECT pg_backend_pid()"))) if local else None
        db.session.rollback()
    results = [PageResult(page, paths) for page, paths in samples["pages"]]
    desk = [r for r in results if r.page.label.startswith(DESK)]
    if desk and len(desk) < len(results):  # the reference at both ends of the run, as the ceiling
        results += [PageResult(replace(r.page, label=r.page.label + AGAIN), r.paths) for r in desk]

    secret_key = secrets.token_urlsafe(48)
    redis_server = find_redis_server()
    if redis_server is None:
        raise SystemExit("make bench-http needs redis-server (Debian package redis-server), as production does")
    redis = RedisServer(redis_server).start()
    atexit.register(redis.stop)
    env_prod = production_env(database_url, secret_key, redis.url)
    logs = REPORTS / "logs"
    app_server = Gunicorn("wsgi:app", env_prod, workers=args.workers, log=logs / "app-gunicorn.log")
    ceiling_server = Gunicorn("bench.ceiling:app", env_prod, workers=args.workers,
                              log=logs / "ceiling-gunicorn.log")
    ceiling = {}
    clock = time.perf_counter()
    with app_server, ceiling_server:
        sessions, tokens = {}, {}
        for who in sorted({r.page.who for r in results if not r.page.api}):
            sessions[who] = sign_in(app_server.url, who)
        for who in sorted({r.page.who for r in results if r.page.api}):
            tokens[who] = api_token(app_server.url, who)
        wrk_options = dict(threads=args.threads, connections=args.connections, duration=args.duration,
                           timeout=args.timeout)
        app_rss = RssSampler(app_server.process.pid).start()
        ceiling_rss = RssSampler(ceiling_server.process.pid).start()
        try:
            _warm_up(app_server.url, results, sessions, tokens)
            _warm_up_ceiling(ceiling_server.url, samples["ceiling"])
            ceiling_rss.label = "ceiling, before"
            ceiling["before"] = run_wrk(ceiling_server.url, samples["ceiling"], {}, **wrk_options)
            _progress("ceiling, before", ceiling["before"])
            _drain(ceiling_server.url, samples["ceiling"][0])
            for result in results:
                result.load_before = _loadavg()
                app_rss.label = result.page.label
                headers = auth_headers(result.page.api, sessions.get(result.page.who), tokens.get(result.page.who))
                processes = {"app": worker_pids(app_server.process.pid), "PostgreSQL": server_pids(postmaster),
                             "Redis": [redis.process.pid]}
                cpu_before = {name: cpu_seconds(pids) for name, pids in processes.items()}
                try:
                    result.wrk = run_wrk(app_server.url, result.paths, headers, owners=result.page.owners,
                                         **wrk_options)
                except RuntimeError as error:
                    result.error = str(error)[:300]
                result.rss_peak_mb = app_rss.peaks.get(result.page.label, 0.0)
                _progress(result.page.label, result.wrk)
                result.drain_seconds = _drain(app_server.url, "/login")
                if result.wrk is not None and result.wrk.requests:  # the queued ones drained are in it: a few
                    result.cpu_ms = {name: cpu_spent(cpu_before[name], cpu_seconds(pids)) * 1000 / result.wrk.requests
                                     for name, pids in processes.items()}
            app_rss.label = ""
            ceiling_rss.label = "ceiling, after"
            ceiling["after"] = run_wrk(ceiling_server.url, samples["ceiling"], {}, **wrk_options)
            _progress("ceiling, after", ceiling["after"])
        finally:
            app_rss.stop()
            ceiling_rss.stop()
        timings["HTTP (wrk)"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _in_process(results, sessions, tokens, env_prod)
        ceiling_alone = _ceiling_alone(samples["ceiling"])
        timings["queries and time alone (in-process)"] = time.perf_counter() - clock

    outside = {}
    if not args.no_reminder_scan:
        clock = time.perf_counter()
        outside["reminder scan"] = _reminder_scan(dataset, args.vehicles)
        timings["reminder scan (scripts/bench_reminder_scan.py)"] = time.perf_counter() - clock
    if not args.no_sms:
        clock = time.perf_counter()
        outside["sms"] = _sms(args.sms_messages)
        timings["SMS sender throughput"] = time.perf_counter() - clock

    report = _report(args=args, command=command, commit=commit, started_at=started_at, dataset=dataset,
                     results=results,
                     ceiling=ceiling, app_rss=app_rss, ceiling_rss=ceiling_rss, outside=outside, timings=timings,
                     ceiling_alone=ceiling_alone)
    REPORTS.mkdir(parents=True, exist_ok=True)
    path, again = REPORTS / f"{started_at:%Y-%m-%d}-{commit[0]}.md", 2
    while path.exists():  # another run of the same commit that day: keep both
        path, again = REPORTS / f"{started_at:%Y-%m-%d}-{commit[0]}-{again}.md", again + 1
    path.write_text(report)
    print(report)
    print(f"(written to {path.relative_to(ROOT)})", file=sys.stderr)
    return 0


def _command(database_url: str) -> str:
    """The command as typed: `make bench-http ...` (the Makefile sets BENCH_VIA_MAKE) or `python -m bench.run`."""
    masked = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", database_url)
    if os.environ.get("BENCH_VIA_MAKE"):
        extra = f' BENCH_HTTP_ARGS="{shlex.join(sys.argv[1:])}"' if sys.argv[1:] else ""
        return f"make bench-http DATABASE_URL={masked}{extra}"
    return f"DATABASE_URL={masked} " + shlex.join(["python", "-m", "bench.run", *sys.argv[1:]])


def _progress(label: str, result: WrkResult | None) -> None:
    if result is None:
        print(f"[wrk] {label}: failed", file=sys.stderr, flush=True)
        return
    print(f"[wrk] {label}: {result.requests_per_second:,.1f} req/s, p50 {result.p50_ms:.1f} ms, "
          f"p99 {result.p99_ms:.1f} ms, statuses {result.statuses}", file=sys.stderr, flush=True)


def _samples(pages: list[Page], n: int) -> dict:
    """Fill each page's placeholders from SAMPLES (signed-in store: SZ01); the ceiling's vehicles too."""

    store = db.session.scalar(sa.text("SELECT id FROM stores WHERE code = 'SZ01'"))
    values = {}
    used = {name for page in pages for name in SAMPLES if f"{{{name}}}" in page.path}  # the pages run (--only)
    for name, sql in SAMPLES.items():
        if name not in used:
            continue
        values[name] = [str(v) for v in db.session.scalars(sa.text(sql), {"store": store, "n": n})]
        if not values[name]:
            raise SystemExit(f"no sample for {{{name}}}: the data lacks it ({sql})")
    ceiling = [f"/vehicles/{v}" for v in db.session.scalars(
        sa.text("SELECT id FROM vehicles ORDER BY random() LIMIT :n"), {"n": n})]
    db.session.rollback()
    filled = []
    for page in pages:
        names = re.findall(r"\{(\w+)\}", page.path)
        count = max([len(values[name]) for name in names] or [1])
        paths = []
        for index in range(count):
            path = page.path
            for name in names:
                path = path.replace("{" + name + "}", _quote(values[name][index % len(values[name])]))
            paths.append(path)
        filled.append((page, list(dict.fromkeys(paths))))
    return {"pages": filled, "ceiling": ceiling}


def _quote(value: str) -> str:

    return quote(value, safe="")


def _drain(base_url: str, probe: str, limit: float = 300.0) -> float:
    """Wait until the server answers a light request at once; return how long that took.

    When wrk stops, the requests its connections had sent are still queued at the sync workers (16 slow
    requests of a 2-second page are 8 seconds of work for 4 workers); the next page must not start
    behind them.
    """


    started = time.monotonic()
    while time.monotonic() - started < limit:
        clock = time.perf_counter()
        requests.get(base_url + probe, headers={"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https"},
                     allow_redirects=False, timeout=limit)
        if time.perf_counter() - clock < 0.25:
            break
    return time.monotonic() - started


def _warm_up(base_url: str, results: list[PageResult], sessions: dict, tokens: dict) -> None:
    """Ask every path once (connections, caches, the planner); a page that does not answer 200 is marked."""


    for result in results:
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https",
                   **auth_headers(result.page.api, sessions.get(result.page.who), tokens.get(result.page.who))}
        for path in result.paths:
            if result.page.owners:  # another owner's address each request, as wrk's (bench.load.owner_address)
                headers["X-Forwarded-For"] = owner_address()
            answer = requests.get(base_url + path, headers=headers, allow_redirects=False, timeout=120)
            if answer.status_code != 200:
                result.error = f"{path} answered {answer.status_code} before the run"


def _warm_up_ceiling(base_url: str, paths: list[str]) -> None:

    for path in paths:
        requests.get(base_url + path, timeout=60).raise_for_status()


def _in_process(results: list[PageResult], sessions: dict, tokens: dict, env_prod: dict) -> None:
    """Each sample path once through the app in this process: statements counted, the request timed alone."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env_prod.items() if k.startswith(("DEALER_", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"))})
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    statements: list[tuple[float, str]] = []  # (ms, SQL) of the request being run
    rendering: list[float] = []  # render_template's start, then its ms, of the request being run

    def render_starts(_app, **_):
        rendering.append(time.perf_counter())

    def render_ends(_app, **_):
        rendering.append((time.perf_counter() - rendering.pop()) * 1000)

    def before(conn, _cursor, _statement, _parameters, _context, _executemany):
        conn.info["bench_clock"] = time.perf_counter()

    def after(conn, _cursor, statement, _parameters, _context, _executemany):
        started = conn.info.pop("bench_clock", time.perf_counter())
        statements.append(((time.perf_counter() - started) * 1000, statement))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    client = app.test_client(use_cookies=False)
    flask.before_render_template.connect(render_starts, app)
    flask.template_rendered.connect(render_ends, app)
    try:
        for result in results:
            headers = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https",
                       **auth_headers(result.page.api, sessions.get(result.page.who), tokens.get(result.page.who))}
            client.get(result.paths[0], headers=_owner(result, headers))  # warm: templates compiled, pool connected
            for path in result.paths[:10]:
                headers = _owner(result, headers)
                statements.clear()
                rendering.clear()
                clock = time.perf_counter()
                answer = client.get(path, headers=headers)
                result.alone_ms.append((time.perf_counter() - clock) * 1000)
                result.sql_ms.append(sum(ms for ms, _ in statements))
                result.template_ms.append(sum(rendering))
                result.queries.append(len(statements))
                result.statuses_alone.append(answer.status_code)
                if statements:
                    slowest = max(statements)
                    result.slowest_ms.append(slowest[0])
                    if slowest[0] >= max(result.slowest_ms):
                        result.slowest_sql = " ".join(slowest[1].split())
    finally:
        flask.before_render_template.disconnect(render_starts, app)
        flask.template_rendered.disconnect(render_ends, app)
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def _owner(result: PageResult, headers: dict) -> dict:
    """The headers of one request to the page: an owner's public page from another owner's address each time."""
    return {**headers, "X-Forwarded-For": owner_address()} if result.page.owners else headers


def _ceiling_alone(paths: list[str]) -> float:
    """The ceiling page's median time one at a time in-process, as _in_process times the app's pages."""
    from bench.ceiling import create_app as create_ceiling  # noqa: PLC0415 (only this report needs it)

    client = create_ceiling().test_client()
    client.get(paths[0])
    times = []
    for path in paths[:10]:
        clock = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - clock) * 1000)
    return statistics.median(times)


def _reminder_scan(dataset: data.Dataset, vehicles: int) -> dict:
    """scripts/bench_reminder_scan.py on the same database, scanning the day the data was seeded, with the
    stores two at a time as the nightly job runs them (dealer.scheduler.NIGHTLY_WORKERS)."""
    command = [sys.executable, "scripts/bench_reminder_scan.py", "--vehicles", str(min(vehicles, dataset.vehicles)),
               "--day", dataset.seeded_on.isoformat(), "--workers", str(NIGHTLY_WORKERS)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    log = REPORTS / "logs" / "reminder-scan.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(completed.stdout + completed.stderr)
    forgotten = data.forget_later_nights(create_app({"SECRET_KEY": "bench"}), dataset.seeded_on)
    print(f"[scan] removed what the nights after {dataset.seeded_on} left: {forgotten[0]:,} reminders, "
          f"{forgotten[1]:,} messages", file=sys.stderr, flush=True)
    # The report keeps the first scans and the summary; every night's line is in the log.
    lines = [line for line in completed.stdout.splitlines()
             if line.strip() and not line.startswith(("night ", "  greetings"))]
    return {"command": shlex.join(["python", *command[1:]]), "exit": completed.returncode, "lines": lines,
            "stderr": completed.stderr.strip().splitlines()[-5:] if completed.returncode else []}


def _sms(messages: int) -> dict:
    command = [sys.executable, "-m", "bench.sms_throughput", "--messages", str(messages), "--json"]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    found = re.search(r"^SMS (\{.*\})$", completed.stdout, re.M)
    if completed.returncode or not found:
        return {"error": (completed.stdout + completed.stderr).strip()[-800:]}
    return json.loads(found.group(1))


# -- the report ------------------------------------------------------------------------------------

def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": platform.platform(),
            "python": platform.python_version()}


def _commit() -> tuple[str, bool]:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    return git("rev-parse", "--short", "HEAD") or "unknown", bool(git("status", "--porcelain", "--", "dealer",
                                                                        "templates", "migrations", "bench/*.py"))


def _postgres_version() -> str:

    with create_app({"SECRET_KEY": "bench"}).app_context():
        return db.session.scalar(sa.text("SHOW server_version"))


def _top_processes() -> list[str]:
    """What else used the CPU when the report was written (the machine may be shared)."""
    completed = subprocess.run(["ps", "-eo", "pcpu,etime,comm", "--sort=-pcpu"], capture_output=True, text=True,
                               check=False)
    return completed.stdout.splitlines()[1:6]


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _report(*, args, command, commit, started_at, dataset, results, ceiling, app_rss, ceiling_rss, outside, ceiling_alone,
            timings) -> str:
    machine = _machine()
    commit, dirty = commit
    rates = [c.requests_per_second for c in ceiling.values() if c]
    ceiling_rate = statistics.mean(rates) if rates else 0.0
    out = [f"# HTTP benchmark, {started_at:%Y-%m-%d %H:%M} UTC, commit {commit}{' + uncommitted changes' if dirty else ''}",
           "",
           f"- command: `{command}`",
           f"- machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']} RAM; {machine['os']}; "
           f"Python {machine['python']}; PostgreSQL {_postgres_version()}",
           f"- data: {dataset.stores} stores, {dataset.vehicles:,} vehicles, {dataset.customers:,} customers, "
           f"{dataset.orders:,} repair orders ({dataset.jobs:,} jobs, {dataset.lines:,} lines), "
           f"{dataset.reminders:,} reminders, {dataset.sms_messages:,} SMS; due dates seeded on "
           f"{dataset.seeded_on}; {'reused' if dataset.reused else 'built in this run'} "
           f"(build: {', '.join(f'{k} {v:,.0f} s' for k, v in dataset.seconds.items())})",
           f"- load: wrk {args.threads} threads, {args.connections} connections, {args.duration} s per page, "
           f"{args.samples} sample paths per page cycled; gunicorn {args.workers} sync workers, "
           f"DEALER_ENV=production, DEALER_PROXY_HOPS=1 with X-Forwarded-Proto: https, on 127.0.0.1",
           "- ceiling (bench/ceiling.py, one query by primary key + a small Jinja template): "
           + ", ".join(f"{k} {v.requests_per_second:,.0f} req/s (p50 {_ms(v.p50_ms)}, p99 {_ms(v.p99_ms)})"
                       for k, v in ceiling.items() if v)
           + f"; ratios below are to their mean, {ceiling_rate:,.0f} req/s",
           f"- machine load (1/5/15 min) when the report was written: {_loadavg()}"
           + (f"; note: {args.note}" if args.note else ""),
           "",
           "| page | as | requests/s | share of the ceiling | p50 | p99 | queries per request | "
           "one at a time | of which the slowest query | worker RSS peak | target |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        queries = "" if not r.queries else (str(r.queries[0]) if min(r.queries) == max(r.queries)
                                            else f"{min(r.queries)}–{max(r.queries)}")
        alone = f"{statistics.median(r.alone_ms):.1f} ms" if r.alone_ms else ""
        slowest = f"{statistics.median(r.slowest_ms):.1f} ms" if r.slowest_ms else ""
        if r.wrk is None:
            out.append(f"| {r.page.label} | {r.page.who} | failed: {r.error} | | | | {queries} | {alone} | {slowest} "
                       f"| | |")
            continue
        share = r.wrk.requests_per_second / ceiling_rate if ceiling_rate else 0
        verdict = _verdict(r, share)
        flags = "" if r.wrk.ok and not r.error else \
            f" ⚠ {r.error + '; ' if r.error else ''}{r.wrk.requests} answers, statuses {r.wrk.statuses}, " \
            f"socket errors and timeouts {r.wrk.socket_errors}"
        if r.statuses_alone and set(r.statuses_alone) != {200}:
            queries += f" ⚠ in-process statuses {sorted(set(r.statuses_alone))}"
        out.append(f"| {r.page.label} | {r.page.who}{' (token)' if r.page.api else ''} | "
                   f"{r.wrk.requests_per_second:,.1f}{flags} | {share:.0%} | {_ms(r.wrk.p50_ms)} | "
                   f"{_ms(r.wrk.p99_ms)} | {queries} | {alone} | {slowest} | {r.rss_peak_mb:.0f} MB | {verdict} |")
    out += ["",
            "queries per request: statements SQLAlchemy sent (before_cursor_execute) for one request, over the "
            "page's first 10 sample paths (a range when they differ); one at a time: the median time of those "
            "requests through the app in-process (Flask test client), no concurrency; of which the slowest query: "
            "the median of each request's slowest statement (its SQL below). Targets (issue 11): "
            + "; ".join(f"{k}: {v}" for k, v in TARGETS.items()) + ".",
            "",
            f"Worker RSS: app peak {app_rss.peak:.0f} MB (first samples "
            f"{', '.join(f'{v:.0f}' for v in app_rss.first.values())} MB, last "
            f"{', '.join(f'{v:.0f}' for v in app_rss.last.values())} MB); ceiling peak {ceiling_rss.peak:.0f} MB. "
            "Target: a worker under 200 MB through the run.",
            "",
            "Where one request's time goes, one at a time in-process (medians over the page's first 10 sample paths): "
            f"the ceiling page takes {ceiling_alone:.1f} ms this way. SQL: the statements' time from the cursor's "
            "execute to its return (driver, round trip and server; not the ORM building objects); templates: "
            "render_template; the rest: routing, session cookie, the signed-in user's load beyond its SQL, access "
            "check, CSRF, forms, ORM objects, JSON serialization, security headers.",
            "",
            "| page | one at a time | × the ceiling | SQL | templates | the rest |",
            "|---|---|---|---|---|---|"]
    for r in results:
        if r.alone_ms:
            alone, sql_ms = statistics.median(r.alone_ms), statistics.median(r.sql_ms)
            template_ms = statistics.median(r.template_ms)
            out.append(f"| {r.page.label} | {alone:.1f} ms | {alone / ceiling_alone:.1f} | {sql_ms:.1f} ms | "
                       f"{template_ms:.1f} ms | {max(alone - sql_ms - template_ms, 0):.1f} ms |")
    out += [""]
    out += ["Per page: answers wrk counted, their statuses, the load average (1 min) when the page started, and how "
            "long the workers took to finish the requests still queued when wrk stopped (before the next page).", "",
            "| page | answers | statuses | load before | queue drained in |", "|---|---|---|---|---|"]
    for r in results:
        if r.wrk is not None:
            out.append(f"| {r.page.label} | {r.wrk.requests:,} | "
                       f"{', '.join(f'{k}: {v:,}' for k, v in sorted(r.wrk.statuses.items()))} | "
                       f"{r.load_before.split()[0] if r.load_before else ''} | {r.drain_seconds:.1f} s |")
    costly = max((sum(r.cpu_ms.values()) for r in results if r.page.label.startswith(DESK) and r.cpu_ms), default=0)
    if any(r.cpu_ms for r in results):
        out += ["", "CPU per request under load: the CPU time the app's workers, the database server's processes (when "
                "it runs on this machine) and Redis spent while the page ran, divided by the answers wrk counted "
                "(the few still queued when it stopped are in the time). Less drift-prone than requests/s on a "
                "shared machine: a page's figure is its cost, whenever in the run it ran. × the desk: to the front "
                "desk's costliest search in this run.", "",
                "| page | app | PostgreSQL | Redis | total | × the desk |", "|---|---|---|---|---|---|"]
        for r in results:
            if r.cpu_ms:
                total = sum(r.cpu_ms.values())
                out.append(f"| {r.page.label} | {r.cpu_ms['app']:.1f} ms | {r.cpu_ms['PostgreSQL']:.1f} ms | "
                           f"{r.cpu_ms['Redis']:.2f} ms | {total:.1f} ms | "
                           f"{total / costly if costly else 0:.2f} |")
    out += ["", "The slowest statement of each page (in-process, the request where it was slowest):", "",
            "| page | ms | statement |", "|---|---|---|"]
    for r in results:
        if r.slowest_sql:
            sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", r.slowest_sql, count=1)  # the columns: noise
            sql = sql if len(sql) <= 400 else sql[:400] + " …"
            out.append(f"| {r.page.label} | {max(r.slowest_ms):.1f} | `{sql.replace('|', '¦')}` |")
    out.append("")
    if "reminder scan" in outside:
        scan = outside["reminder scan"]
        out += ["## Nightly reminder scan", "", f"`{scan['command']}` (exit {scan['exit']})", "", "```",
                *scan["lines"], *scan["stderr"], "```", ""]
    if "sms" in outside:
        sms = outside["sms"]
        out += ["## SMS sender throughput (two senders, loopback stand-in)", ""]
        if "error" in sms:
            out += ["failed:", "", "```", sms["error"], "```", ""]
        else:
            out += [f"{sms['queued']:,} messages queued by the benchmark (bench/sms_throughput.py); two `send_due` "
                    f"loops in two processes (batches of {sms['limit']}) sent {sms['sent']:,} (those, and "
                    f"{max(0, sms['sent'] - sms['queued']):,} reminders already queued that their last batches took) "
                    f"in {sms['seconds']:.1f} s: "
                    f"**{sms['per_second']:,.0f} messages/s** "
                    f"(per sender: {', '.join(f'{n:,}' for n in sms['per_sender'])}); "
                    f"the stand-in received {sms['received']:,} of the benchmark's, "
                    f"{sms['duplicates']} out ids twice, {sms['failed']} failed, {sms['left']} left queued.", ""]
    out += ["## Time taken", "", *[f"- {k}: {v:,.0f} s" for k, v in timings.items()], "",
            "## Other processes (ps, top CPU users when the report was written)", "", "```", *_top_processes(), "```",
            ""]
    return "\n".join(out)


def _verdict(result: PageResult, share: float) -> str:
    if not result.wrk.ok or result.error:
        return "not measured"
    if result.page.target == "desk":
        met = share >= 0.5 and result.wrk.p99_ms < 100
    elif result.page.target == "list":
        met = result.wrk.p99_ms < 300
    else:
        return ""
    return "met" if met else "missed"


if __name__ == "__main__":
    sys.exit(main())
