"""Start gunicorn as the README's production section does, on 127.0.0.1, and sign in to it.

The app runs with DEALER_ENV=production, a SECRET_KEY, the DATABASE_URL and 4 sync workers
(`gunicorn --workers 4 wsgi:app`). Production redirects plain HTTP to HTTPS; the benchmark stands where
nginx would, so it sets DEALER_PROXY_HOPS=1 and sends `X-Forwarded-Proto: https` (the deployment the
README describes behind a proxy), rather than turning the redirect off.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.load import USER_AGENT

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-2026"  # the demo accounts' (dealer.demo.cli.DEMO_PASSWORD)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, secret_key: str, redis_url: str) -> dict[str, str]:
    """The README's production environment: several workers share their rate-limit counters in Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEALER_")}
    env.update(DEALER_ENV="production", SECRET_KEY=secret_key, DATABASE_URL=database_url, DEALER_PROXY_HOPS="1",
               DEALER_SCHEDULER="0", PYTHONDONTWRITEBYTECODE="1", REDIS_URL=redis_url)
    return env


class Gunicorn:
    """gunicorn serving `app_spec` from the repository root with `workers` sync workers on 127.0.0.1."""

    def __init__(self, app_spec: str, env: dict[str, str], *, workers: int = 4, log: Path):
        self.app_spec, self.env, self.workers, self.log = app_spec, env, workers, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [gunicorn, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", self.app_spec],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app_spec} exited; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn {self.app_spec} did not listen within 60 s; see {self.log}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https", **(extra or {})}


def sign_in(base_url: str, username: str) -> str:
    """Sign in through the login form (with its CSRF token); return the session cookie's value.

    The cookie is Secure (production), so it is carried by hand: a cookie jar would not send it over
    the plain HTTP between the benchmark and gunicorn.
    """
    form = requests.get(f"{base_url}/login", headers=_headers(), allow_redirects=False, timeout=30)
    form.raise_for_status()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', form.text)
    if token is None or "session" not in form.cookies:
        raise RuntimeError(f"no CSRF token or session on the login form ({form.status_code})")
    # Over HTTPS, Flask-WTF also wants a Referer from the same origin (WTF_CSRF_SSL_STRICT), as a browser sends.
    referer = base_url.replace("http://", "https://", 1) + "/login"
    answer = requests.post(f"{base_url}/login", headers=_headers({"Cookie": f"session={form.cookies['session']}",
                                                                  "Referer": referer}),
                           data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
                           allow_redirects=False, timeout=30)
    if answer.status_code != 302 or "session" not in answer.cookies:
        raise RuntimeError(f"signing in as {username} failed: {answer.status_code}")
    cookie = answer.cookies["session"]
    check = requests.get(f"{base_url}/account/tokens", headers=_headers({"Cookie": f"session={cookie}"}),
                         allow_redirects=False, timeout=30)
    if check.status_code != 200:
        raise RuntimeError(f"the session of {username} does not open /account/tokens: {check.status_code}")
    return cookie


def api_token(base_url: str, username: str) -> str:
    """Ask POST /api/v1/auth/token for a bearer token; return the secret."""
    answer = requests.post(f"{base_url}/api/v1/auth/token", headers=_headers(),
                           json={"username": username, "password": PASSWORD, "name": "HTTP benchmark"}, timeout=30)
    if answer.status_code != 201:
        raise RuntimeError(f"no API token for {username}: {answer.status_code} {answer.text[:200]}")
    return answer.json()["token"]


def auth_headers(page_is_api: bool, cookie: str | None, token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if page_is_api else {"Cookie": f"session={cookie}"}
