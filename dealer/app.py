"""Build the application (the composition root): configuration, extensions, modules, error handlers.

This is the one module that knows every feature module: it registers their blueprints, API
blueprints, signal handlers and scheduled tasks. `dealer.create_app` calls it.
"""
from __future__ import annotations

import atexit
import importlib
import threading
from functools import partial
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_loaded_from_cookie
from flask_talisman import Talisman
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from dealer import (
    audit,
    auth,
    booking,
    customers,
    formats,
    members,
    money,
    parts,
    quicklane,
    reminders,
    repair,
    rescue,
    satisfaction,
    sms,
    static_files,
    stores,
)
from dealer.access import enforce_access, may_open, register_token_loader
from dealer.actors import ROLE_LABELS
from dealer.api_base import DealerApi
from dealer.attempts import storage_settings
from dealer.audit.views import register_store_scope
from dealer.auth import audit_log as auth_audit_log
from dealer.auth.api import blp as auth_api
from dealer.auth.services import user_for_session, user_for_token
from dealer.booking import audit_log as booking_audit_log
from dealer.booking import handlers as booking_handlers
from dealer.booking import tasks as booking_tasks
from dealer.booking.api import blp as booking_api
from dealer.booking.api import bookings_blp as bookings_api
from dealer.booking.api import progress_blp as progress_api
from dealer.cli import register_commands
from dealer.config import check_rate_limit_storage, load_config
from dealer.customers import audit_log as customers_audit_log
from dealer.customers import handlers as customers_handlers
from dealer.customers.api import customers_blp, vehicles_blp
from dealer.customers.validators import mask_phone
from dealer.database import READ_APART, utcnow
from dealer.error_handlers import register_error_handlers
from dealer.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from dealer.forms import BoundedIntConverter
from dealer.members import audit_log as members_audit_log
from dealer.members import handlers as members_handlers
from dealer.members import tasks as members_tasks
from dealer.members.api import blp as members_api
from dealer.members.api import campaigns_blp as campaigns_api
from dealer.parts import audit_log as parts_audit_log
from dealer.parts import handlers as parts_handlers
from dealer.parts import models as _parts_models  # noqa: F401  (their tables are in the schema)
from dealer.parts.api import blp as parts_api
from dealer.quicklane import audit_log as quicklane_audit_log
from dealer.quicklane import handlers as quicklane_handlers
from dealer.quicklane import tasks as quicklane_tasks
from dealer.quicklane.api import blp as quicklane_api
from dealer.reminders import audit_log as reminders_audit_log
from dealer.reminders import handlers as reminders_handlers
from dealer.reminders import tasks as reminders_tasks
from dealer.reminders.api import blp as reminders_api
from dealer.repair import audit_log as repair_audit_log
from dealer.repair import handlers as repair_handlers
from dealer.repair import models as _repair_models  # noqa: F401
from dealer.repair import tasks as repair_tasks
from dealer.repair.api import operations_blp as labor_operations_api
from dealer.repair.api import orders_blp as repair_orders_api
from dealer.rescue import audit_log as rescue_audit_log
from dealer.rescue import handlers as rescue_handlers
from dealer.rescue import tasks as rescue_tasks
from dealer.rescue.api import calls_blp as rescue_calls_api
from dealer.rescue.api import units_blp as rescue_units_api
from dealer.satisfaction import audit_log as satisfaction_audit_log
from dealer.satisfaction import handlers as satisfaction_handlers
from dealer.satisfaction import tasks as satisfaction_tasks  # cs5: the five assurances' monthly roll-up
from dealer.satisfaction.api import complaints_blp as satisfaction_complaints_api
from dealer.satisfaction.api import feedback_blp as satisfaction_feedback_api
from dealer.satisfaction.api import follow_ups_blp as satisfaction_follow_ups_api
from dealer.scheduler import SchedulerRunner
from dealer.scheduler import models as _scheduler_models  # noqa: F401
from dealer.sms import audit_log as sms_audit_log
from dealer.sms import handlers as sms_handlers
from dealer.sms import tasks as sms_tasks
from dealer.sms.api import blp as sms_api
from dealer.sms.api import owners_blp as sms_owners_api
from dealer.stores import audit_log as stores_audit_log
from dealer.stores.services import store_scope

ROOT = Path(__file__).resolve().parent.parent

# Importing a module's handlers connects its receivers to the signals of the modules it builds on; importing
# its tasks declares its scheduled jobs (dealer.scheduler runs what is declared).
HANDLERS = (booking_handlers, customers_handlers, members_handlers, parts_handlers, quicklane_handlers,
            reminders_handlers, repair_handlers, rescue_handlers, satisfaction_handlers, sms_handlers)
# Importing a module's audit_log registers how its audit entries read and link (dealer.audit.events).
AUDIT_LOG = (auth_audit_log, booking_audit_log, customers_audit_log, members_audit_log, parts_audit_log,
             quicklane_audit_log, reminders_audit_log, repair_audit_log, rescue_audit_log, satisfaction_audit_log,
             sms_audit_log, stores_audit_log)
TASKS = (members_tasks, reminders_tasks, repair_tasks, sms_tasks,
         booking_tasks,  # booking: the reminder the day before
         rescue_tasks,  # rescue: learning the arrival estimate
         quicklane_tasks,  # quick lane: the reminder to close the day
         satisfaction_tasks)  # satisfaction (cs5): the five assurances' monthly roll-up

# Content Security Policy: everything from this site (stores may be offline; no CDN is ever used).
CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def create_app(config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_relative_config=True)
    load_config(app, config)
    static_files.init_app(app)  # WhiteNoise before Flask: hashed names, cached for good, brotli or gzip
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    app.url_map.converters["int"] = BoundedIntConverter  # ids beyond the database's range: 404
    _register_blueprints(app)

    register_error_handlers(app)

    register_commands(app)
    _register_template_helpers(app)
    if app.config["SCHEDULER_ENABLED"]:
        _start_scheduler(app)
    return app


def _start_scheduler(app: Flask) -> None:
    """Compete for the deployment's one scheduler (every gunicorn worker may; one wins the lease)."""


    runner = SchedulerRunner(app).start()
    app.extensions["scheduler_runner"] = runner
    atexit.register(runner.stop)


def _register_template_helpers(app: Flask) -> None:



    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(money.yuan, "yuan")  # integer fen -> '1,234.56'
    app.add_template_filter(partial(money.scaled, scale=money.QUANTITY_SCALE), "qty")  # thousandths -> '4.5'
    app.add_template_filter(partial(money.scaled, scale=money.HOURS_SCALE), "hours")  # hundredths -> '1.5'
    app.add_template_filter(partial(money.scaled, scale=100), "percent")  # basis points -> '12.5'
    app.add_template_filter(formats.day, "day")  # the one date format: 2026年12月6日
    app.add_template_filter(formats.km, "km")  # 12,345 公里
    app.add_template_filter(formats.share, "share")  # a share in percent: 93.5%, '-' without a base
    app.add_template_filter(formats.datetimeformat, "datetimeformat")  # Flask-Babel's, patterns parsed once

    def has_role(*roles: str) -> bool:
        return current_user.is_authenticated and bool(current_user.role_names & set(roles))

    @app.context_processor
    def _helpers():
        # may_open(endpoint): a link to a page the user may not open is shown as plain text.
        return {"role_labels": ROLE_LABELS, "current_locale": get_locale, "has_role": has_role, "may_open": may_open}


def _select_locale():

    if not has_request_context():  # CLI commands and scheduled jobs
        return "zh_Hans_CN"
    languages = g.get("_languages")
    choice = session.get("locale")
    if choice in languages:
        return choice
    if current_user and getattr(current_user, "locale", None) in languages:
        return current_user.locale
    return "zh_Hans_CN"  # Simplified Chinese unless the user chose otherwise


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            _configure_postgresql(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)


    # Access is checked before CSRF, so a forbidden role gets 403 whatever it posts.
    app.before_request(enforce_access)
    register_token_loader(app, user_for_token)
    register_store_scope(app, store_scope)
    csrf.init_app(app)

    def locale_selector():
        g._languages = app.config["LANGUAGES"]
        return _select_locale()

    babel.init_app(app, locale_selector=locale_selector, default_translation_directories=str(
        ROOT / "dealer" / "translations"))
    bootstrap.init_app(app)
    check_rate_limit_storage(app.config)  # sign-in lockouts must add up over every worker
    for key, value in storage_settings(app.config["RATELIMIT_STORAGE_URI"]).items():
        app.config.setdefault(key, value)  # an unreachable Redis: count in memory, not fail every sign-in
    limiter.init_app(app)
    Talisman(app, force_https=app.config["FORCE_HTTPS"], content_security_policy=CSP,
                      session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
                      strict_transport_security=app.config["FORCE_HTTPS"], frame_options="DENY",
                      referrer_policy="same-origin")

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "warning"


    # Flask-Login's alternative id: the session and remember cookies carry the token of one signed-in
    # browser (auth.models.UserSession), which sign-out, a password change and disabling the account end.
    @login_manager.user_loader
    def _load(token: str):
        return user_for_session(token, now=utcnow(), max_age=app.config["REMEMBER_COOKIE_DURATION"])

    user_loaded_from_cookie.connect(_bind_restored_session, app)


def _bind_restored_session(_app, user) -> None:
    """Bind a session restored from the remember cookie to this browser, as login_user does.

    Flask-Login restores it without the browser's identifier, so "strong" protection took the next
    request for a stolen session and deleted the session and the remember cookie: a returning user was
    sent to the login page on their second request (flask-login issues #248 and #685).
    """
    session["_id"] = login_manager._session_identifier_generator()



def _configure_postgresql(engine) -> None:
    """Turn PostgreSQL's JIT compilation off for the app's sessions.

    The planner JIT-compiles a query whose cost estimate is high, which the set statements of this app
    (the reminder scan's batches, the monthly figures) reach by their row counts: measured at 1,000,000
    vehicles, compiling took 0.6 s of a 88,000-row scan batch and 2 s of the 2.5 s of the quality
    figures, while running them takes milliseconds per thousand rows. JIT pays off for long analytical
    queries, which this app does not run.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


SQLITE_BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for SQLite's write lock before "database is locked"


def _configure_sqlite(engine) -> None:
    """Let pysqlite's transactions and SAVEPOINTs work as SQLAlchemy expects, and enforce foreign keys."""
    writer = threading.Lock()  # this process's writers, in turn (see _on_begin)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A transaction that read and then wants to write cannot wait for SQLite's write lock: SQLite answers
        # "database is locked" at once, whatever busy_timeout says. So every transaction that may write starts
        # as a writer (IMMEDIATE), which waits its turn up to busy_timeout. A page being read (GET, HEAD)
        # starts deferred, so it never queues behind writers (WAL lets it read meanwhile); so does a read_apart.
        reading = connection.get_execution_options().get(READ_APART) or (
            has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"))
        if reading:
            connection.exec_driver_sql("BEGIN")
            return
        # SQLite's busy handler polls, sleeping up to 0.1 s between tries, so under load a waiting writer lost
        # its turn to later ones again and again until busy_timeout ran out (8 desks at once: "database is
        # locked"). This process's writers queue on a lock first, woken the moment it is free; SQLite's
        # handler is left to wait for other processes.
        connection.info["sqlite_writer"] = writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end(connection)
            raise

    def _release(info: dict) -> None:
        if info.pop("sqlite_writer", False):
            writer.release()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection):
        _release(connection.info)

    # A connection given back to the pool, or dropped, without its transaction ended: its turn ends too.
    @event.listens_for(engine, "reset")
    def _reset(_dbapi_connection, record, _reset_state):
        _release(record.info)

    @event.listens_for(engine, "invalidate")
    def _invalidated(_dbapi_connection, record, _exception):
        _release(record.info)


def _register_blueprints(app: Flask) -> None:


    for module in (auth, stores, customers, audit, sms, reminders, parts, repair, rescue, members, quicklane, booking,
                   satisfaction):
        importlib.import_module(module.__name__ + ".views")  # the routes attach themselves to module.bp
        app.register_blueprint(module.bp)
    app.register_blueprint(satisfaction.public_bp)  # the owner's feedback form (no sign-in)
    api = DealerApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearerAuth": []}]})
    for blueprint in (auth_api, customers_blp, vehicles_blp, sms_api, sms_owners_api, reminders_api, parts_api,
                      repair_orders_api, labor_operations_api, rescue_calls_api, rescue_units_api, members_api, campaigns_api,
                      quicklane_api, booking_api, bookings_api, satisfaction_follow_ups_api, satisfaction_feedback_api,
                      satisfaction_complaints_api,
                      progress_api):  # booking: the owner's progress by the link's token
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
