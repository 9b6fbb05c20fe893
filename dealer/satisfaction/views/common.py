"""Roles and small helpers shared by the satisfaction pages."""
from __future__ import annotations

from flask import flash

from dealer.actors import ADMIN, CS_SUPERVISOR, MANAGER, SERVICE_ADVISOR, TECHNICIAN
from dealer.satisfaction.services import Grades

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
