"""Errors of the SMS module."""
from dealer.errors import DomainError


class InvalidTemplate(DomainError):
    code = "sms.invalid_template"
    status = 422


class InvalidSettings(DomainError):
    code = "sms.invalid_settings"
    status = 422
