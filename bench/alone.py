"""Pages one request at a time, in-process, beside the front desk: SQL, template and the rest, each in ms.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.alone quick-lane [-n 30]

Takes the pages of bench/pages.py whose label matches the filter, a regular expression (and the front desk's
`/desk?q=` plate search, the reference, first), fills their placeholders from SAMPLES, signs in each account once
(as bench.profile_page), then asks the pages round-robin, n rounds, each request alone through the Flask test
client: the medians of its wall time, its statements' time (driver and server), its render_template time and the
rest. The machine being shared, the front desk asked in the same rounds is the reference (its own slowest search,
the mobile number's, is about 1.2x the plate's). An owner's public page is asked from another address each time.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import threading
import time
from urllib.parse import quote

import flask
import sqlalchemy as sa
from werkzeug.serving import make_server

from bench.load import USER_AGENT, owner_address
from bench.pages import PAGES, SAMPLES
from bench.server import api_token, auth_headers, production_env, sign_in
from dealer.extensions import db
from tests.redisserver import RedisServer, find_redis_server

DESK = "front desk `/desk?q=` plate, last 4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", help="pages whose label matches this regular expression (as bench.run --only)")
    parser.add_argument("-n", type=int, default=30, help="rounds")
    args = parser.parse_args()
    pages = [page for page in PAGES if page.label == DESK or re.search(args.only, page.label)]
    pages.sort(key=lambda page: page.label != DESK)  # the reference first, the rest in their order
    redis = RedisServer(find_redis_server()).start()
    try:
        env = production_env(os.environ["DATABASE_URL"], secrets.token_urlsafe(32), redis.url)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("DEALER_", "SECRET_KEY", "REDIS_URL"))})
        from dealer import create_app  # noqa: PLC0415 (after the environment above is set)
        app = create_app()
        with app.app_context():
            paths = _paths(pages, args.n)
            engine = db.engine
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        headers = {}
        for page in pages:
            cookie = None if page.api else sign_in(base, page.who)
            token = api_token(base, page.who) if page.api else None
            headers[page] = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https",
                             **auth_headers(page.api, cookie, token)}
        server.shutdown()
        _run(app, engine, pages, paths, headers, args.n)
    finally:
        redis.stop()


def _paths(pages, n: int) -> dict:
    store = db.session.scalar(sa.text("SELECT id FROM stores WHERE code = 'SZ01'"))
    values = {name: [str(v) for v in db.session.scalars(sa.text(sql), {"store": store, "n": n})]
              for name, sql in SAMPLES.items() if any(f"{{{name}}}" in page.path for page in pages)}
    db.session.rollback()
    filled = {}
    for page in pages:
        names = re.findall(r"\{(\w+)\}", page.path)
        filled[page] = []
        for index in range(n):
            path = page.path
            for name in names:
                path = path.replace("{" + name + "}", quote(values[name][index % len(values[name])], safe=""))
            filled[page].append(path)
    return filled


def _run(app, engine, pages, paths, headers, rounds: int) -> None:
    sql: list[float] = []
    rendering: list[float] = []

    def render_starts(_app, **_):
        rendering.append(time.perf_counter())

    def render_ends(_app, **_):
        rendering.append((time.perf_counter() - rendering.pop()) * 1000)

    def before(conn, *_):
        conn.info["bench_clock"] = time.perf_counter()

    def after(conn, *_):
        sql.append((time.perf_counter() - conn.info.pop("bench_clock", time.perf_counter())) * 1000)

    def headers_of(page) -> dict:  # an owner's public page: each request from another phone (its rate limits)
        return {**headers[page], "X-Forwarded-For": owner_address()} if page.owners else headers[page]

    client = app.test_client(use_cookies=False)
    for page in pages:  # warm: templates compiled, pool connected, statements cached
        for path in paths[page][:3]:
            assert client.get(path, headers=headers_of(page)).status_code == 200, path
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    flask.before_render_template.connect(render_starts, app)
    flask.template_rendered.connect(render_ends, app)
    figures = {page: [] for page in pages}
    for index in range(rounds):
        for page in pages:
            sql.clear()
            rendering.clear()
            clock = time.perf_counter()
            status = client.get(paths[page][index], headers=headers_of(page)).status_code
            wall = (time.perf_counter() - clock) * 1000
            assert status == 200, (paths[page][index], status)
            figures[page].append((wall, sum(sql), sum(rendering), len(sql)))
    print(f"{'page':<70} {'ms':>6} {'SQL':>5} {'tmpl':>5} {'rest':>5} {'q':>3} {'x desk':>6}")
    desk = statistics.median(wall for wall, *_ in figures[pages[0]])
    for page in pages:
        rows = figures[page]
        wall, statements, template = (statistics.median(row[i] for row in rows) for i in range(3))
        print(f"{page.label[:70]:<70} {wall:6.1f} {statements:5.1f} {template:5.1f} "
              f"{wall - statements - template:5.1f} {rows[-1][3]:3d} {wall / desk:6.2f}")


if __name__ == "__main__":
    main()
