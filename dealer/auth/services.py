"""Staff accounts, roles and API tokens: the business rules."""
from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from dealer import audit
from dealer.actors import GROUP_ROLES, ROLES, Actor
from dealer.auth.models import ApiToken, User, UserRole
from dealer.database import utcnow
from dealer.errors import DomainError, Forbidden, NotFound
from dealer.extensions import db
from dealer.stores.models import Store

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "dlr_"


class InvalidCredentials(DomainError):
    code = "auth.invalid_credentials"
    status = 401

    def default_message(self):
        return _l("Wrong username or password.")


class UsernameTaken(DomainError):
    code = "auth.username_taken"

    def default_message(self):
        return _l("This username is already taken.")


class InvalidRoles(DomainError):
    code = "auth.invalid_roles"
    status = 422


class UnknownStore(DomainError):
    code = "auth.unknown_store"
    status = 422


class WeakPassword(DomainError):
    code = "auth.weak_password"
    status = 422

    def default_message(self):
        return _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)


def authenticate(username: str, password: str, *, now: datetime) -> User:
    """Return the active user with these credentials and record the sign-in.

    Raises InvalidCredentials (the same for an unknown user, a wrong password or a disabled account).
    """
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        # Hash anyway, so an unknown username takes as long to refuse as a wrong password.
        check_password_hash(_unknown_user_hash(), password)
        raise InvalidCredentials()
    if not user.check_password(password) or not user.active:
        raise InvalidCredentials()
    user.last_login_at = now
    db.session.commit()
    return user


@functools.cache
def _unknown_user_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def load_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


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
                mobile: str, active: bool, password: str | None = None) -> User:
    """Change an account's roles, store, name, state and (when given) password; every change is audited.

    Raises NotFound, Forbidden, UnknownStore, InvalidRoles, WeakPassword; then nothing is changed.
    """
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
    db.session.commit()
    return user


def set_password(user_id: int, *, password: str, actor: Actor) -> None:
    """Set a new password (the user's own, or by an admin). Raises WeakPassword."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if actor.user_id != user.id:
        _check_can_manage(actor, user.store_id)
    _check_password(password)
    user.set_password(password)
    audit.record("password_changed", user, actor=actor, store_id=user.store_id)
    db.session.commit()


def list_users(*, actor: Actor) -> list[User]:
    stmt = sa.select(User).order_by(User.store_id.nulls_first(), User.username)
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
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.active:
        return None
    return token.user
