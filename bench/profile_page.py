"""Profile one page in-process with pyinstrument: where a request's time goes, on the benchmark's data.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.profile_page /account/tokens [--as sz01-advisor1] [-n 300]

It builds the app as production runs it (bench.server.production_env, a throwaway Redis), signs in through
the login form (or asks for a bearer token for an /api/ path) on a loopback server in a thread, then runs the
path n times through the Flask test client under pyinstrument and prints the call tree. pyinstrument is a
profiling tool, not a dependency: `pip install pyinstrument` into the virtualenv first.
"""
from __future__ import annotations

import argparse
import os
import secrets
import threading
import time

from pyinstrument import Profiler
from werkzeug.serving import make_server

from bench.load import USER_AGENT
from bench.server import api_token, auth_headers, production_env, sign_in
from tests.redisserver import RedisServer, find_redis_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="sz01-advisor1")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.0002)
    args = parser.parse_args()

    redis = RedisServer(find_redis_server()).start()
    try:
        env = production_env(os.environ["DATABASE_URL"], secrets.token_urlsafe(32), redis.url)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("DEALER_", "SECRET_KEY", "REDIS_URL"))})
        from dealer import create_app
        app = create_app()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        api = args.path.startswith("/api/")
        cookie = None if api else sign_in(base, args.who)
        token = api_token(base, args.who) if api else None
        server.shutdown()
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https", **auth_headers(api, cookie, token)}
        client = app.test_client(use_cookies=False)
        for _ in range(20):
            assert client.get(args.path, headers=headers).status_code == 200
        profiler = Profiler(interval=args.interval)
        clock = time.perf_counter()
        with profiler:
            for _ in range(args.n):
                client.get(args.path, headers=headers)
        elapsed = time.perf_counter() - clock
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
        print(f"{args.n} requests of {args.path}: {elapsed / args.n * 1000:.2f} ms each under the profiler")
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
