"""Staff accounts, roles and API tokens: the business rules."""
from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from dealer import attempts, audit
from dealer.actors import GROUP_ROLES, ROLES, Actor
from dealer.auth.errors import (
    MIN_PASSWORD_LENGTH,
    InvalidCredentials,
    InvalidRoles,
    TooManyAttempts,
    UnknownStore,
    UsernameTaken,
    WeakPassword,
    WrongPassword,
)
from dealer.auth.models import ApiToken, User, UserRole, UserSession
from dealer.database import read_apart, utcnow
from dealer.errors import Forbidden, NotFound
from dealer.extensions import db, limiter
from dealer.stores.models import Store

TOKEN_PREFIX = "dlr_"


def _failure_counters(username: str, address: str | None) -> list[attempts.Counter]:
    """Return the counters of wrong passwords that a check for this username from this address is held to.

    Per account from anywhere (LOGIN_ACCOUNT_RATE_LIMIT, by default LOGIN_RATE_LIMIT), per address and
    account (LOGIN_RATE_LIMIT), and a much higher ceiling per address (LOGIN_ADDRESS_RATE_LIMIT) against
    one password tried on many accounts: a store's staff behind one NAT address do not lock each other
    out. The counters live in the rate limiter's storage (Redis in production), so every worker shares them.
    """
    config = current_app.config
    account = "login:" + username.strip().lower()[:100]  # any case or spacing of a name is the same account
    counters = [(parse(config.get("LOGIN_ACCOUNT_RATE_LIMIT") or config["LOGIN_RATE_LIMIT"]), (account,))]
    if address:
        counters += [(parse(config["LOGIN_RATE_LIMIT"]), (account, address)),
                     (parse(config["LOGIN_ADDRESS_RATE_LIMIT"]), ("login-address", address))]
    return counters


def _check_credentials(username: str, password: str, *, address: str | None) -> User:
    """Return the active user whose password this is; count a wrong one against every limit it is held to.

    The one check of a password, whatever the door (the sign-in form, the API's token, the current password
    at a password change), so failures at one door lock them all. Raises TooManyAttempts before anything
    is checked (a locked account cannot be tried, not even with its right password), InvalidCredentials
    (the same for an unknown user, a wrong password or a disabled account).
    """
    username = username.strip()
    counters = _failure_counters(username, address) if limiter.enabled else []
    spent = attempts.spent(counters)
    if spent:
        raise TooManyAttempts(attempts.retry_after(spent))
    # The hash takes about 0.1 s to check: it is checked before any lock, on the hash read apart. On SQLite
    # a lock is the whole database's write lock, and a sign-in holding it that long kept every desk waiting.
    stored = read_apart(sa.select(User.password_hash).where(User.username == username))
    checked_hash = stored[0].password_hash if stored else _unknown_user_hash()  # an unknown user takes as long
    right = check_password_hash(checked_hash, password)
    # Attempts on one account wait for each other here (a row lock on PostgreSQL) and answer in turn, each
    # after the failures counted before it: a burst of parallel guesses gets no more answers than the limit.
    user = db.session.scalar(sa.select(User).where(User.username == username).with_for_update())
    spent = attempts.spent(counters)
    if spent:
        raise TooManyAttempts(attempts.retry_after(spent))
    if user is not None and user.password_hash != checked_hash:
        right = user.check_password(password)  # the password changed meanwhile
    if user is None or not right or not user.active:
        attempts.hit(counters)
        raise InvalidCredentials()
    return user


def authenticate(username: str, password: str, *, now: datetime, address: str | None = None) -> User:
    """Return the active user with these credentials and record the sign-in (the API's token).

    Raises TooManyAttempts, InvalidCredentials.
    """
    user = _check_credentials(username, password, address=address)
    user.last_login_at = now
    db.session.commit()
    return user


def sign_in(username: str, password: str, *, address: str | None, now: datetime) -> User:
    """Check the credentials, record the sign-in and open a session for this browser (登录).

    Return the user with `session_token` set: Flask-Login's id for this browser, kept in its session and
    "remember me" cookies. Raises TooManyAttempts, InvalidCredentials.
    """
    user = _check_credentials(username, password, address=address)
    user.last_login_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=UserSession.hash(token), created_at=now))
    db.session.commit()
    user.session_token = token
    return user


def sign_out(token: str | None, *, now: datetime) -> None:
    """End the session of this browser: its session and remember cookies no longer sign anyone in."""
    if token:
        db.session.execute(
            sa.update(UserSession).where(UserSession.token_hash == UserSession.hash(token),
                                         UserSession.ended_at.is_(None))
            .values(ended_at=now).execution_options(synchronize_session=False))
        db.session.commit()


def user_for_session(token: str, *, now: datetime, max_age: timedelta) -> User | None:
    """Return the active user of the open session with this token, younger than `max_age`, or None.

    Flask-Login's user loader: the token comes from the session cookie or the remember cookie.
    """
    # One query for the request's fixed cost: the user with their store and roles (the access check, the menu).
    user = db.session.scalars(
        sa.select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == UserSession.hash(token), UserSession.ended_at.is_(None),
               UserSession.created_at > now - max_age)
        .options(joinedload(User.store), joinedload(User.roles))).unique().one_or_none()
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def _end_sessions(user_id: int, *, now: datetime, keep: str | None = None) -> int:
    """End the user's open sessions but the one with the token `keep`; return how many ended (flushes)."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != UserSession.hash(keep))
    result = db.session.execute(stmt.values(ended_at=now).execution_options(synchronize_session=False))
    return result.rowcount


def _revoke_tokens(user_id: int, *, now: datetime) -> int:
    """Revoke the user's live API tokens; return how many (flushes).

    A password is changed or reset, or an account disabled, because it may be in someone else's hands: a
    token they made with it must not outlive it.
    """
    result = db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    return result.rowcount


def _lock_out(user_id: int, *, now: datetime, keep: str | None = None) -> dict[str, int]:
    """End the user's sessions (but `keep`) and revoke their API tokens; return the counts for the log."""
    return {"other_sessions_ended" if keep else "sessions_ended": _end_sessions(user_id, now=now, keep=keep),
            "api_tokens_revoked": _revoke_tokens(user_id, now=now)}


def change_password(user_id: int, *, current_password: str, new_password: str, keep_session: str | None,
                    address: str | None, actor: Actor, now: datetime) -> User:
    """Set one's own password after proving the current one, and end one's other sessions (修改密码).

    `keep_session` is the token of the browser that asks: it stays signed in; every other browser and
    remember cookie of the account is signed out, and its API tokens are revoked. A wrong current password
    counts like a failed sign-in. Returns how many tokens were revoked.
    Raises Forbidden (not the actor's own account), TooManyAttempts, WrongPassword, WeakPassword.
    """
    user = db.session.get(User, user_id)
    if user is None or actor.user_id != user.id:
        raise Forbidden()
    try:
        _check_credentials(user.username, current_password, address=address)
    except InvalidCredentials:
        raise WrongPassword() from None
    _check_password(new_password)
    user.set_password(new_password)
    counts = _lock_out(user.id, now=now, keep=keep_session)
    audit.record("password_changed", user, actor=actor, store_id=user.store_id, changes=counts)
    db.session.commit()
    return counts["api_tokens_revoked"]


@functools.cache
def _unknown_user_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(field="password")


def _check_roles(roles: list[str], store: Store | None) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise InvalidRoles(_l("Choose at least one role."), field="roles")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidRoles(_l("Unknown role: %(roles)s", roles=", ".join(unknown)), field="roles")
    if store is None and not set(roles) <= GROUP_ROLES:
        raise InvalidRoles(_l("A group-level account (no store) can only be an administrator or a manager."),
                           field="store")
    return roles


def find_store_by_code(code: str) -> Store:
    """Return the store with this code. Raises UnknownStore listing the known codes."""
    store = db.session.scalar(sa.select(Store).where(Store.code == code))
    if store is None:
        known = db.session.scalars(sa.select(Store.code).order_by(Store.code)).all()
        raise UnknownStore(_l("Unknown store code %(code)s. Known stores: %(known)s", code=code,
                              known=", ".join(known) or "-"), field="store")
    return store


def _get_store(store_id: int | None) -> Store | None:
    """Return the store, or None for group level. Raises UnknownStore for an id that names none."""
    if store_id is None:
        return None
    store = db.session.get(Store, store_id)
    if store is None:
        raise UnknownStore(_l("Unknown store."), field="store")
    return store


def _check_can_manage(actor: Actor, store_id: int | None) -> None:
    """Admins manage accounts; a store admin only those of their own store."""
    if actor.user_id is None:  # CLI / system
        return
    if "admin" not in actor.roles:
        raise Forbidden()
    if actor.store_id is not None and actor.store_id != store_id:
        raise Forbidden()


def create_user(username: str, *, password: str, roles: list[str], store_id: int | None, actor: Actor,
                full_name: str = "", mobile: str = "") -> User:
    """Create a staff account with these roles.

    Raises Forbidden, UnknownStore, InvalidRoles, WeakPassword, UsernameTaken.
    """
    _check_can_manage(actor, store_id)
    roles = _check_roles(roles, _get_store(store_id))
    _check_password(password)
    username = username.strip()
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken(field="username")
    user = User(username=username, full_name=full_name.strip(), mobile=mobile.strip(), store_id=store_id,
                roles=[UserRole(role=r) for r in roles])
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # the same username created at the same moment
        db.session.rollback()
        raise UsernameTaken(field="username") from None
    audit.record("user_created", user, actor=actor, store_id=store_id,
                 changes={"username": username, "roles": roles})
    db.session.commit()
    return user


def update_user(user_id: int, *, actor: Actor, roles: list[str], store_id: int | None, full_name: str,
                mobile: str, active: bool, password: str | None = None, now: datetime | None = None) -> User:
    """Change an account's roles, store, name, state and (when given) password; every change is audited.

    Disabling the account or setting its password signs it out of every browser and revokes its API tokens.
    Raises NotFound, Forbidden, UnknownStore, InvalidRoles, WeakPassword; then nothing is changed.
    """
    now = now or utcnow()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    _check_can_manage(actor, user.store_id)
    _check_can_manage(actor, store_id)
    roles = _check_roles(roles, _get_store(store_id))
    if user.id == actor.user_id and (not active or "admin" not in roles):
        raise InvalidRoles(_l("You cannot remove your own administrator role or disable yourself."),
                           field="roles")
    if password:
        _check_password(password)
    changes = audit.diff(user, {"store_id": store_id, "full_name": full_name.strip(), "mobile": mobile.strip(),
                                "active": active})
    old_roles = sorted(user.role_names)
    if old_roles != roles:
        changes["roles"] = [old_roles, roles]
        user.roles = [r for r in user.roles if r.role in roles] + [
            UserRole(role=r) for r in roles if r not in old_roles]
    for key, (_old, new) in changes.items():
        if key != "roles":
            setattr(user, key, new)
    if changes:
        audit.record("user_updated", user, actor=actor, store_id=user.store_id, changes=changes)
    if password:
        user.set_password(password)
        audit.record("password_changed", user, actor=actor, store_id=user.store_id)
    if password or not active:
        _lock_out(user.id, now=now)
    db.session.commit()
    return user


def set_password(user_id: int, *, password: str, actor: Actor, now: datetime | None = None) -> None:
    """Set a new password without the current one (an admin's reset, the CLI), end every session and revoke
    every API token.

    Staff changing their own password from the app go through change_password, which asks for the
    current one. Raises NotFound, Forbidden, WeakPassword.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if actor.user_id != user.id:
        _check_can_manage(actor, user.store_id)
    _check_password(password)
    user.set_password(password)
    counts = _lock_out(user.id, now=now or utcnow())
    audit.record("password_changed", user, actor=actor, store_id=user.store_id, changes=counts)
    db.session.commit()


def list_users(*, actor: Actor) -> list[User]:
    stmt = sa.select(User).options(joinedload(User.store)).order_by(User.store_id.nulls_first(), User.username)
    if actor.store_id is not None:
        stmt = stmt.where(User.store_id == actor.store_id)
    return list(db.session.scalars(stmt))


def get_user(user_id: int, *, actor: Actor) -> User:
    user = db.session.get(User, user_id)
    if user is None or (actor.store_id is not None and user.store_id != actor.store_id):
        raise NotFound()
    return user


def create_api_token(*, actor: Actor, name: str, now: datetime, days: int | None = 365) -> tuple[ApiToken, str]:
    """Create a personal API token for the actor; return it with the secret, which is shown once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.user_id, name=name.strip() or "API", token_hash=ApiToken.hash(secret),
                     prefix=secret[:10], expires_at=now + timedelta(days=days) if days else None)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", token, actor=actor, store_id=actor.store_id, changes={"name": token.name})
    db.session.commit()
    return token, secret


def revoke_api_token(token_id: int, *, actor: Actor, now: datetime) -> ApiToken:
    """Revoke one of the actor's own tokens. Raises NotFound for anyone else's."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record("api_token_revoked", token, actor=actor, store_id=actor.store_id)
        db.session.commit()
    return token


def list_api_tokens(*, actor: Actor) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc())))


def user_for_token(secret: str) -> User | None:
    """Return the active user a valid, unexpired, unrevoked token belongs to, or None."""
    token = db.session.scalars(  # one query: the token, its user, their store and roles
        sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret))
        .options(joinedload(ApiToken.user).joinedload(User.store), joinedload(ApiToken.user).joinedload(User.roles))
    ).unique().one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.active:
        return None
    return token.user
