"""Configuration: defaults here, secrets and deployment settings from the environment."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from dealer.timezones import DEFAULT_TIMEZONE


class ConfigError(RuntimeError):
    """The deployment is misconfigured and the app must not start."""


def _instance_secret_key(instance_path: str) -> str:
    """Return the development secret key, generating it once into the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private file, then linked into place: when several workers start at once,
        # the first link wins and every worker reads that one key; nobody else can ever read it.
        draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def load_config(app, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, the environment and the overrides (tests pass these)."""
    overrides = dict(overrides or {})
    env = os.environ
    production = overrides.get("ENV", env.get("DEALER_ENV", "development")) == "production"
    instance = app.instance_path
    Path(instance).mkdir(parents=True, exist_ok=True)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance) / 'dealer.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    app.config.update(
        ENV="production" if production else "development",
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
        # "Keep me signed in": the cookie, and the session row its token names, last 30 days at most.
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session; a front-desk form may stay open all shift
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_DEFAULT_TIMEZONE=DEFAULT_TIMEZONE,
        LANGUAGES={"zh_Hans_CN": "简体中文", "en": "English"},
        BOOTSTRAP_SERVE_LOCAL=True,
        # Rate-limit counters: Redis, or any other storage Flask-Limiter supports (memcached://, mongodb://,
        # redis+sentinel://, ...); memory:// counts in each process alone, which is only right for one process.
        RATELIMIT_STORAGE_URI=env.get("DEALER_RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Production declares that exactly one process serves (one gunicorn worker) to count in memory.
        SINGLE_PROCESS=env.get("DEALER_SINGLE_PROCESS", "0") == "1",
        # Wrong passwords (sign-in form, API token, current password), counted by dealer.auth.services:
        # per address and account; per account from anywhere (unset: the same limit); per address, far
        # higher, against one password tried on many accounts (a store's staff share one NAT address).
        LOGIN_RATE_LIMIT=env.get("DEALER_LOGIN_RATE_LIMIT", "10 per 5 minutes"),
        LOGIN_ACCOUNT_RATE_LIMIT=env.get("DEALER_LOGIN_ACCOUNT_RATE_LIMIT") or None,
        LOGIN_ADDRESS_RATE_LIMIT=env.get("DEALER_LOGIN_ADDRESS_RATE_LIMIT", "100 per 5 minutes"),
        UPLOAD_FOLDER=env.get("DEALER_UPLOAD_FOLDER") or str(Path(instance) / "uploads"),
        MAX_CONTENT_LENGTH=int(env.get("DEALER_MAX_UPLOAD_BYTES", 16 * 1024 * 1024)),
        INSPECTION_PHOTO_MAX_BYTES=int(env.get("DEALER_MAX_PHOTO_BYTES", 5 * 1024 * 1024)),
        API_TITLE="Dealer service center API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        SEARCH_RESULT_LIMIT=50,
        # The site's public address, for links texted to owners and crews (dealer.public_links); unset: the request's.
        PUBLIC_URL=env.get("DEALER_PUBLIC_URL", ""),
        # SMS: "local" records messages in the instance folder (no account needed); "aliyun" sends for real.
        SMS_BACKEND=env.get("SMS_BACKEND", "local"),
        SMS_LOCAL_LOG=env.get("SMS_LOCAL_LOG") or str(Path(instance) / "sms-outbox.jsonl"),
        ALIYUN_SMS_ACCESS_KEY_ID=env.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
        ALIYUN_SMS_ACCESS_KEY_SECRET=env.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
        ALIYUN_SMS_ENDPOINT=env.get("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
        ALIYUN_SMS_PROTOCOL=env.get("ALIYUN_SMS_PROTOCOL", "https"),
        # The provider's callbacks post to /api/v1/sms/callbacks/<token>/...; unset means callbacks are off.
        SMS_CALLBACK_TOKEN=env.get("SMS_CALLBACK_TOKEN", ""),
        # Run the scheduler's lease loop in this process (gunicorn workers); tests and CLI leave it off.
        SCHEDULER_ENABLED=env.get("DEALER_SCHEDULER", "0") == "1",
        FORCE_HTTPS=production and env.get("DEALER_FORCE_HTTPS", "1") == "1",
        # Reverse proxies in front of the app (nginx, a load balancer): trust that many X-Forwarded-* hops,
        # so rate limits see the client's address and redirects keep https.
        PROXY_HOPS=int(env.get("DEALER_PROXY_HOPS", "0")),
    )
    app.config.update(overrides)

    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set in the environment in production.")
        secret = _instance_secret_key(instance)
    app.config["SECRET_KEY"] = secret
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)


def check_rate_limit_storage(config) -> None:
    """Refuse to serve production with rate-limit counters that each process keeps alone.

    With the memory storage every gunicorn worker (and every server) counts failed sign-ins by itself, so
    N workers allow N times the limit. Production needs a shared storage (REDIS_URL), unless
    DEALER_SINGLE_PROCESS=1 declares that one process serves. Raises ConfigError.
    """
    if (config["ENV"] == "production" and config["RATELIMIT_STORAGE_URI"].startswith("memory://")
            and not config["SINGLE_PROCESS"]):
        raise ConfigError(
            "Production needs rate-limit counters shared by every worker: set REDIS_URL (or "
            "DEALER_RATELIMIT_STORAGE_URI to another storage Flask-Limiter supports), or set "
            "DEALER_SINGLE_PROCESS=1 if exactly one process (gunicorn --workers 1) serves.")
