"""Errors of the reminders module."""
from dealer.errors import DomainError


class InvalidReminder(DomainError):
    code = "reminders.invalid"
    status = 422
