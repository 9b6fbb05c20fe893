"""Every error of the repair module (a `DomainError` with a code, a translated message and a field).

The codes are part of the API: the parts counter's errors keep the `parts.*` codes they had when the
parts module issued to repair lines.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError

# -- orders, jobs and lines ------------------------------------------------------------------------

class RepairError(DomainError):
    code = "repair.invalid"
    status = 422


class VehicleHasOpenOrder(RepairError):
    """A second order for a car whose order is still open, not confirmed; `params["open_orders"]` holds the
    open orders as (id, number)."""

    code = "repair.vehicle_has_open_order"
    status = 409


class OrderLocked(DomainError):
    code = "repair.order_locked"

    def default_message(self):
        return _l("This order can no longer be changed.")


class JobLocked(DomainError):
    code = "repair.job_locked"

    def default_message(self):
        return _l("The owner has approved this job: its lines are fixed. Add further work as a new job "
                  "for the owner to approve.")


class ApprovalWouldBeExceeded(DomainError):
    """The owner's bill would exceed what the owner approved (费用安心)."""

    code = "repair.approval_exceeded"


class DiscountNeedsManager(DomainError):
    code = "repair.discount_needs_manager"
    status = 403


# -- workflow --------------------------------------------------------------------------------------

class IllegalTransition(DomainError):
    code = "repair.illegal_transition"


class WorkflowError(DomainError):
    code = "repair.workflow"
    status = 422


class PartsNotIssued(WorkflowError):
    """A job marked done while parts of it were never issued, without the technician's reason."""

    code = "repair.parts_not_issued"


class InspectorDidTheWork(WorkflowError):
    """The final inspection (终检) signed by a technician of the order's jobs, where the store forbids it."""

    code = "repair.inspector_did_the_work"


class NotAssigned(DomainError):
    """A technician works only on the jobs assigned to them (派工)."""

    code = "repair.not_assigned"
    status = 403

    def default_message(self):
        return _l("This job is not assigned to you.")


# -- settings and the labor catalogue --------------------------------------------------------------

class InvalidSetting(DomainError):
    code = "repair.invalid_setting"
    status = 422


class OperationCodeTaken(DomainError):
    code = "repair.operation_code_taken"

    def default_message(self):
        return _l("A labor operation with this code already exists in this store.")


# -- quality ---------------------------------------------------------------------------------------

class ComebackError(DomainError):
    code = "repair.comeback"
    status = 422


# -- inspection ------------------------------------------------------------------------------------

class InspectionError(DomainError):
    code = "repair.inspection_invalid"
    status = 422


class ItemCodeTaken(DomainError):
    code = "repair.inspection_code_taken"

    def default_message(self):
        return _l("Another item of this store's checklist already has this code.")


class FindingAlreadyProposed(DomainError):
    """The finding already became a job of the order; a second one would bill the owner twice."""

    code = "repair.inspection_already_proposed"

    def default_message(self):
        return _l("This finding has already been proposed as work on this order.")


class FindingProposed(DomainError):
    """The finding became a job: changing it now would make the job say something the finding doesn't."""

    code = "repair.inspection_finding_proposed"

    def default_message(self):
        return _l("This finding has been proposed as work already and can no longer be changed.")


# -- inspection photos -----------------------------------------------------------------------------

class InvalidPhoto(DomainError):
    code = "repair.inspection_photo_invalid"
    status = 422

    def default_message(self):
        return _l("Upload a photo in JPEG, PNG or WebP format.")


class PhotoTooLarge(DomainError):
    code = "repair.inspection_photo_too_large"
    status = 413


class PhotoNotStored(DomainError):
    code = "repair.inspection_photo_not_stored"
    status = 503

    def default_message(self):
        return _l("The photo could not be stored. Please try again.")


# -- the parts counter: issues to and returns from repair lines (codes kept from the parts module) ---

class NotAPartsLine(DomainError):
    code = "parts.not_a_parts_line"

    def default_message(self):
        return _l("This line is labor or names no part of the catalogue: there is nothing to issue.")


class JobNotApproved(DomainError):
    code = "parts.job_not_approved"

    def default_message(self):
        return _l("The owner has not approved this job: its parts cannot be issued yet.")


class OrderNotInWorkshop(DomainError):
    code = "parts.order_not_in_workshop"

    def default_message(self):
        return _l("Parts are issued only to orders that are approved, in progress or in quality check.")


class ExceedsLine(DomainError):
    code = "parts.exceeds_line"


class ExceedsIssued(DomainError):
    code = "parts.exceeds_issued"


class OrderClosed(DomainError):
    code = "parts.order_closed"

    def default_message(self):
        return _l("The order is settled or delivered: its parts can no longer be returned to stock.")
