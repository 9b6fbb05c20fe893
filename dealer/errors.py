"""DomainError: a business rule refused the request. `dealer.error_handlers` maps it to a page or JSON once."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the request; nothing was changed.

    `message` is shown to the user (a lazy translation); `field` names the form or API field
    it belongs to, when there is one.
    """

    code = "domain_error"
    status = 409

    def __init__(self, message=None, field: str | None = None, **params):
        self.message = message if message is not None else self.default_message()
        self.field = field
        self.params = params
        super().__init__(str(self.message))

    def default_message(self):
        return _l("The request could not be completed.")

    def fields(self) -> dict[str, list[str]]:
        return {self.field: [str(self.message)]} if self.field else {}


class NotFound(DomainError):
    code = "not_found"
    status = 404

    def default_message(self):
        return _l("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403

    def default_message(self):
        return _l("You are not allowed to do this.")


class ValidationFailed(DomainError):
    """Several fields were wrong at once; `causes` are the errors found, one per problem."""

    code = "validation_failed"
    status = 422

    def __init__(self, field_errors: dict[str, list[str]], message=None, causes: tuple = ()):
        self._field_errors = field_errors
        self.causes = tuple(causes)
        super().__init__(message or _l("Some fields are not valid."))

    def fields(self):
        return self._field_errors


class FieldErrors:
    """Collect what is wrong with one input, to report it all at once rather than one error per try.

    `check(function, ...)` runs a check and keeps its DomainError; `raise_any()` raises the one error found
    as it is (its code and status intact), or a ValidationFailed naming every field when there are several.
    """

    def __init__(self):
        self.errors: list[DomainError] = []

    def check(self, function, *args, **kwargs):
        """Return what `function` returns, or None after keeping the DomainError it raised."""
        try:
            return function(*args, **kwargs)
        except DomainError as error:
            self.errors.append(error)
            return None

    def add(self, error: DomainError) -> None:
        self.errors.append(error)

    def has(self, field: str) -> bool:
        return any(error.field == field for error in self.errors)

    def raise_any(self) -> None:
        """Raise the error found, or ValidationFailed with them all. Raises nothing when all is well."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            fields: dict[str, list[str]] = {}
            for error in self.errors:
                fields.setdefault(error.field or "", []).append(str(error.message))
            raise ValidationFailed(fields, causes=self.errors)


def causes(error: DomainError) -> tuple[DomainError, ...]:
    """The errors a DomainError stands for: itself, or each of those a ValidationFailed gathered."""
    return getattr(error, "causes", None) or (error,)
