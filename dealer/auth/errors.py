"""Errors of the staff accounts, sign-in and tokens module."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError

MIN_PASSWORD_LENGTH = 8


class InvalidCredentials(DomainError):
    code = "auth.invalid_credentials"
    status = 401

    def default_message(self):
        return _l("Wrong username or password.")


class TooManyAttempts(DomainError):
    """Too many wrong passwords for this account, from this address for it, or from this address."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after  # seconds until the fullest counter starts afresh

    def default_message(self):
        return _l("Too many sign-in attempts. Please wait a few minutes and try again.")


class WrongPassword(DomainError):
    code = "auth.wrong_password"
    status = 422

    def __init__(self):
        super().__init__(field="current_password")

    def default_message(self):
        return _l("The current password is wrong.")


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
