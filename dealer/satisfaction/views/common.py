"""Roles and small helpers shared by the satisfaction pages."""
from __future__ import annotations

from datetime import date

from flask import flash, request

from dealer.access import current_actor
from dealer.actors import ADMIN, CS_SUPERVISOR, MANAGER, SERVICE_ADVISOR, TECHNICIAN
from dealer.database import utcnow
from dealer.errors import NotFound
from dealer.satisfaction.services import Grades
from dealer.stores.services import store_scope
from dealer.timezones import local_date

# Supervision apart from execution: CS records; the people assessed (advisors, technicians, managers) read.
CS = (CS_SUPERVISOR,)
BOARD = (CS_SUPERVISOR, MANAGER)
READERS = (CS_SUPERVISOR, MANAGER, SERVICE_ADVISOR, TECHNICIAN, ADMIN)
CASE_KEEPERS = (CS_SUPERVISOR, MANAGER)  # the responsible manager records a case's outcome


def flash_errors(form) -> None:
    for errors in form.errors.values():
        flash("; ".join(str(error) for error in errors), "danger")


def grades_of(form) -> Grades | None:
    values = (form.timeliness.data, form.quality.data, form.attitude.data)
    if any(value is None for value in values):
        return None
    return Grades(*values)


def store_and_month():
    """The store (a group-level user's pick, ?store=) and the month (?month=2026-11; this month by default)."""
    actor = current_actor()
    scope = store_scope(actor, request.values.get("store"))
    store_id = scope.selected or actor.store_id or (scope.stores[0].id if scope.stores else None)
    if store_id is None:
        raise NotFound()
    text = request.values.get("month") or ""
    try:
        year, number = (int(part) for part in text.split("-"))
        month = date(year, number, 1)
        if not 2000 <= year <= 2099:
            raise ValueError
    except ValueError:
        month = local_date(utcnow(), None).replace(day=1)
    return scope, store_id, month
