"""Profile one page in-process with pyinstrument: where a request's time goes, on the benchmark's data.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.profile_page /account/tokens [--as sz01-advisor1] [-n 300]

It builds the app as production runs it (bench.server.production_env, a throwaway Redis), signs in through
the login form (or asks for a bearer token for an /api/ path) on a loopback server in a thread, then runs the
path n times through the Flask test client under pyinstrument and prints the call tree. pyinstrument is a
profiling tool, not a dependency: `pip install pyinstrument` into the virtualenv first. `--flat` profiles with
the standard library's cProfile instead and prints the functions by their own time (where many small calls add up:
statement building, rows, template macros).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import threading
import time

from pyinstrument import Profiler
from sqlalchemy import event
from werkzeug.serving import make_server

from bench.load import USER_AGENT, owner_address
from bench.server import api_token, auth_headers, production_env, sign_in
from dealer.extensions import db
from tests.redisserver import RedisServer, find_redis_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="sz01-advisor1")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.0002)
    parser.add_argument("--owners", action="store_true",
                        help="an owner's public page: each request from another address (its per-address rate "
                             "limit would answer 429 after a few dozen requests from one)")
    parser.add_argument("--sql", action="store_true",
                        help="instead of profiling, list one request's statements with their times")
    parser.add_argument("--flat", action="store_true",
                        help="profile with cProfile: the 40 functions with the most time of their own")
    args = parser.parse_args()

    redis = RedisServer(find_redis_server()).start()
    try:
        env = production_env(os.environ["DATABASE_URL"], secrets.token_urlsafe(32), redis.url)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("DEALER_", "SECRET_KEY", "REDIS_URL"))})
        from dealer import create_app  # noqa: PLC0415 (after the environment above is set)
        app = create_app()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        api = args.path.startswith("/api/")
        cookie = None if api or args.owners else sign_in(base, args.who)
        token = api_token(base, args.who) if api and not args.owners else None
        server.shutdown()
        signed = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https", **auth_headers(api, cookie, token)}

        def headers():  # an owner (--owners): no sign-in, another address each request
            return {**signed, "X-Forwarded-For": owner_address()} if args.owners else signed

        client = app.test_client(use_cookies=False)
        for _ in range(20):
            assert client.get(args.path, headers=headers()).status_code == 200
        if args.sql:
            print_statements(app, client, args.path, headers)
            return
        if args.flat:
            flat = cProfile.Profile()
            with flat:
                for _ in range(args.n):
                    client.get(args.path, headers=headers())
            pstats.Stats(flat).sort_stats("tottime").print_stats(40)
            return
        profiler = Profiler(interval=args.interval)
        clock = time.perf_counter()
        with profiler:
            for _ in range(args.n):
                client.get(args.path, headers=headers())
        elapsed = time.perf_counter() - clock
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
        print(f"{args.n} requests of {args.path}: {elapsed / args.n * 1000:.2f} ms each under the profiler")
    finally:
        redis.stop()


def print_statements(app, client, path: str, headers) -> None:
    """One request's statements in order, each with its time from execute to return (the median of 5 runs)."""
    runs: list[list[tuple[float, str]]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_clock"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        runs[-1].append(((time.perf_counter() - conn.info["bench_clock"]) * 1000, " ".join(statement.split())))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    timings = []
    for _ in range(5):
        runs.append([])
        clock = time.perf_counter()
        client.get(path, headers=headers())
        timings.append((time.perf_counter() - clock) * 1000)
    last = runs[-1]
    print(f"{path}: {sorted(timings)[2]:.1f} ms (median of 5), {len(last)} statements, "
          f"{sum(t for t, _ in last):.1f} ms of SQL in the last")
    for elapsed, statement in last:
        print(f"{elapsed:7.2f} ms  {statement[:400]}")


if __name__ == "__main__":
    main()
