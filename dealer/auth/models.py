"""Staff accounts, their roles and personal API tokens."""
from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dealer.actors import Actor
from dealer.database import Timestamps, UTCDateTime
from dealer.extensions import db
from dealer.stores.models import Store


class User(UserMixin, Timestamps, db.Model):
    """A staff member. store_id None means group level (admin or manager of the whole group)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(50), default="")
    mobile: Mapped[str] = mapped_column(sa.String(20), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(20))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    store: Mapped[Store | None] = relationship(lazy="raise_on_sql")
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role")

    # Flask-Login's alternative id: the token of the signed-in browser (UserSession) this object was signed
    # in or loaded with, set by the auth services; never the plain user id. Not a column.
    session_token = None

    def get_id(self) -> str:
        """Return the token Flask-Login keeps in the session and the remember cookie.

        It names one signed-in browser, so ending that session (sign-out, password change, disabled account)
        ends every cookie that carries it.
        """
        if not self.session_token:
            raise RuntimeError("sign users in through dealer.auth.services.sign_in")
        return self.session_token

    # UserMixin compares users by get_id(), which now names a browser: compare the accounts instead.
    def __eq__(self, other):
        if isinstance(other, User):
            return self.id == other.id
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, store_id=self.store_id, roles=self.role_names, name=self.display_name)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(30), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise_on_sql")


class ApiToken(Timestamps, db.Model):
    """A personal bearer token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise_on_sql")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class UserSession(db.Model):
    """One signed-in browser (登录会话): its session and "remember me" cookies carry the token.

    Only the token's SHA-256 is stored. `ended_at` is set at sign-out of that browser, and for every
    browser of the account at a password change (but the one that changed it) and when an admin disables
    the account or sets its password.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
