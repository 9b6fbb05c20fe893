"""/api/v1/repair-orders and /api/v1/labor-operations: the same services as the pages, for integrations.

Money is integer fen, hours integer hundredths, part quantities integer thousandths, percentages basis points.
Who may do what follows the order pages: advisors and the manager write orders; the cashier settles; the
technician reads orders, reports findings, works its jobs and signs quality check.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import fields

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, PARTS_WRITERS, PHONE_CALLERS, SERVICE_ADVISOR
from dealer.api_base import ApiBlueprint
from dealer.customers.validators import mask_phone
from dealer.database import utcnow
from dealer.errors import Forbidden, NotFound, ValidationFailed
from dealer.extensions import db
from dealer.parts import schemas as parts_schemas
from dealer.repair import queries, schemas, services
from dealer.repair.models import RepairOrder
from dealer.repair.services import settings as catalogue
from dealer.stores.models import Store
from dealer.timezones import store_zone

orders_blp = ApiBlueprint("repair_orders_api", __name__, url_prefix="/api/v1/repair-orders",
                          description="Repair orders (维修工单): jobs with labor and parts lines, the owner's "
                                      "approvals, the workflow from check-in to delivery, payments and totals.")
operations_blp = ApiBlueprint("labor_operations_api", __name__, url_prefix="/api/v1/labor-operations",
                              description="The store's labor catalogue (工时项目) with flat-rate hours (标准工时).")

# The roles of the pages, declared once with the workflow (services.workflow).
ORDER_READERS = services.REPAIR_STAFF
ORDER_WRITERS = services.ADVISORS
TECHNICIANS = services.TECHNICIANS
CATALOGUE_READERS = frozenset({SERVICE_ADVISOR, MANAGER})
CATALOGUE_WRITERS = frozenset({MANAGER})

# /transitions lets in whoever may take one of its actions; each action is checked by services.may.
TRANSITION_ROLES = frozenset().union(*(services.ACTION_ROLES[action] for action in schemas.ORDER_ACTIONS))
# A job's steps: assigning it is the order's "assign"; the clock and "done" are its "work".
JOB_ACTIONS = {"assign": "assign", "clock_on": "work", "clock_off": "work", "mark_done": "work"}
JOB_TRANSITION_ROLES = services.ACTION_ROLES["assign"] | services.ACTION_ROLES["work"]


def _phone(value: str) -> str:
    return value if current_actor().has_any(PHONE_CALLERS) else mask_phone(value)


class ApprovalOut(schemas.ApprovalOutSchema):
    phone = fields.Function(lambda a: _phone(a.phone) if a.phone else "")


class OrderOut(schemas.OrderOutSchema):
    approvals = fields.List(fields.Nested(ApprovalOut))


class _OrderView:
    """An order with what the API shows beside it: its totals, whether it is late, what the token may do."""

    def __init__(self, order: RepairOrder):
        self._order = order
        self.late = queries.overdue(order, utcnow())
        # The actions of /transitions this token may take now: the same answer the order page reads.
        allowed = services.allowed_actions(order, current_actor())
        self.allowed_actions = services.in_order(allowed & frozenset(schemas.ORDER_ACTIONS))
        self.totals = queries.display_totals(order)

    def __getattr__(self, name):
        return getattr(self._order, name)


def _detail(order_id: int) -> _OrderView:
    return _OrderView(services.get_order(order_id, actor=current_actor()))


def _job_of(order_id: int, job_id: int):
    order = services.get_order(order_id, actor=current_actor())
    job = next((job for job in order.jobs if job.id == job_id), None)
    if job is None:
        raise NotFound()
    return job


def _line_of(order_id: int, line_id: int):
    order = services.get_order(order_id, actor=current_actor())
    line = next((line for job in order.jobs for line in job.lines if line.id == line_id), None)
    if line is None:
        raise NotFound()
    return line


# -- orders ----------------------------------------------------------------------------------------

@orders_blp.route("", methods=["GET"])
@roles_required(*ORDER_READERS)
@orders_blp.arguments(schemas.OrderListArgsSchema, location="query")
@orders_blp.response(200, schemas.OrderListSchema)
def list_orders(args):
    """List the orders of the token's stores, newest first, filtered by state, advisor, vehicle, customer or date."""
    actor = current_actor()
    opened_from, opened_until = args["opened_from"], args["opened_until"]
    if args["opened_on"]:  # a day at the store (Asia/Shanghai for group-level tokens)
        store = db.session.get(Store, actor.store_id) if actor.store_id else None
        start = datetime.combine(args["opened_on"], time(), store_zone(store))
        opened_from, opened_until = start, start + timedelta(days=1)
    filters = queries.OrderFilter(states=tuple(args["state"]), advisor_id=args["advisor_id"],
                                   vehicle_id=args["vehicle_id"], customer_id=args["customer_id"],
                                   opened_from=opened_from, opened_until=opened_until)
    page = queries.list_orders(actor=actor, filters=filters, page=args["page"], per_page=args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@orders_blp.route("", methods=["POST"])
@roles_required(*ORDER_WRITERS)
@orders_blp.arguments(schemas.OrderInSchema)
@orders_blp.response(201, OrderOut)
def create_order(data):
    """Open a repair order (接车) for a vehicle: each concern becomes a job; the odometer is recorded."""
    vehicle_id = data.pop("vehicle_id")
    order = services.open_order(vehicle_id, services.OrderInput(**data), actor=current_actor(), now=utcnow())
    return _detail(order.id)


@orders_blp.route("/<int:order_id>", methods=["GET"])
@roles_required(*ORDER_READERS)
@orders_blp.response(200, OrderOut)
def get_order(order_id):
    """Return one order with its jobs and lines, approvals, events, payments, QC checks and totals by payer."""
    return _detail(order_id)


@orders_blp.route("/<int:order_id>/jobs", methods=["POST"])
@roles_required(*(ORDER_WRITERS | TECHNICIANS))
@orders_blp.arguments(schemas.JobInSchema)
@orders_blp.response(201, schemas.JobOutSchema)
def add_job(data, order_id):
    """Add a job: on the estimate before approval; after it, extra work (增项) waiting for the owner.

    Technicians add findings only (finding: true), as on their page.
    """
    actor = current_actor()
    if not data["finding"] and not actor.has_any(ORDER_WRITERS):
        raise Forbidden()
    return services.add_job(order_id, actor=actor, now=utcnow(), **data)


@orders_blp.route("/<int:order_id>/jobs/<int:job_id>/lines", methods=["POST"])
@roles_required(*ORDER_WRITERS)
@orders_blp.arguments(schemas.LineInSchema)
@orders_blp.response(201, schemas.LineOutSchema)
def add_line(data, order_id, job_id):
    """Add a labor line (a catalogue operation, or written in with hours and category) or a parts line."""
    job = _job_of(order_id, job_id)
    return services.add_line(job.id, services.LineInput(**data), actor=current_actor(), now=utcnow())


@orders_blp.route("/<int:order_id>/jobs/<int:job_id>/transitions", methods=["POST"])
@roles_required(*JOB_TRANSITION_ROLES)
@orders_blp.arguments(schemas.JobTransitionInSchema)
@orders_blp.response(200, schemas.JobOutSchema)
def job_transition(data, order_id, job_id):
    """Move a job in the workshop: assign its technicians (派工, advisors); clock on, clock off, mark done (the
    assigned technician)."""
    actor, now = current_actor(), utcnow()
    action = data["action"]
    if not services.may(actor, JOB_ACTIONS[action]):
        raise Forbidden()
    job = _job_of(order_id, job_id)
    if action == "assign":
        return services.assign_job(job.id, data["technician_ids"], actor=actor, now=now)
    if action == "clock_on":
        services.clock_on(job.id, actor=actor, now=now)
    elif action == "clock_off":
        services.clock_off(job.id, actor=actor, now=now)
    else:
        services.mark_job_done(job.id, reason=data["reason"], actor=actor, now=now)
    return _job_of(order_id, job_id)


@orders_blp.route("/<int:order_id>/lines/<int:line_id>", methods=["PATCH"])
@roles_required(*ORDER_WRITERS)
@orders_blp.arguments(schemas.LinePatchSchema)
@orders_blp.response(200, schemas.LineOutSchema)
def update_line(data, order_id, line_id):
    """Change a line of a job the owner has not approved yet: hours, quantity, payer or discount."""
    line = _line_of(order_id, line_id)
    return services.update_line(line.id, actor=current_actor(), now=utcnow(), **data)


@orders_blp.route("/<int:order_id>/lines/<int:line_id>", methods=["DELETE"])
@roles_required(*ORDER_WRITERS)
@orders_blp.response(204)
def remove_line(order_id, line_id):
    """Remove a line of a job the owner has not approved yet."""
    line = _line_of(order_id, line_id)
    services.remove_line(line.id, actor=current_actor(), now=utcnow())


@orders_blp.route("/<int:order_id>/lines/<int:line_id>/issues", methods=["POST"])
@roles_required(*PARTS_WRITERS)
@orders_blp.arguments(parts_schemas.LineMoveInSchema)
@orders_blp.response(201, parts_schemas.StockMoveOutSchema)
def issue_parts(data, order_id, line_id):
    """Hand parts to the workshop for a parts line of an approved job (出库), using up its reservation first.

    Refused (409) when the job is not approved, the order is not in the workshop, the quantity is more than
    the line still needs, or the stock is short (also when another clerk took the last unit a moment before).
    """
    line = _line_of(order_id, line_id)
    return services.issue_to_line(line.id, actor=current_actor(), now=utcnow(), **data)


@orders_blp.route("/<int:order_id>/lines/<int:line_id>/returns", methods=["POST"])
@roles_required(*PARTS_WRITERS)
@orders_blp.arguments(parts_schemas.LineMoveInSchema)
@orders_blp.response(201, parts_schemas.StockMoveOutSchema)
def return_parts(data, order_id, line_id):
    """Take unused parts of a line back into stock (退料), until the order is settled or delivered."""
    line = _line_of(order_id, line_id)
    return services.return_from_line(line.id, actor=current_actor(), now=utcnow(), **data)


def _need(data: dict, key: str, message) -> dict:
    if not data.get(key):
        raise ValidationFailed({key: [str(message)]})
    return data[key]


def _approval(data: dict) -> services.ApprovalInput:
    approval = _need(data, "approval", _l("Give the owner's approval: how, who, and the number called or the "
                                          "signature."))
    return services.ApprovalInput(method=approval["method"], approver_name=approval["approver_name"],
                                  phone=approval["phone"], signature_png=services.decode_signature(
                                      approval["signature"]), aftermarket_consent=approval["aftermarket_consent"],
                                  note=approval["note"])


def _quality_check(data: dict, passed: bool) -> services.QualityCheckInput:
    qc = data.get("qc") or {}
    return services.QualityCheckInput(passed=passed, checklist=qc.get("checklist", {}),
                                      reason=qc.get("reason") or data["reason"])


def _payments(data: dict) -> list[services.PaymentInput]:
    return [services.PaymentInput(**payment) for payment in data["payments"]]


def _order_action(order_id: int, data: dict, actor, now) -> None:
    action = data["action"]
    if action == "submit_estimate":
        services.submit_estimate(order_id, actor=actor, now=now)
    elif action == "approve_estimate":
        services.approve_estimate(order_id, _approval(data), actor=actor, now=now)
    elif action == "dispatch":
        services.dispatch(order_id, actor=actor, now=now)
    elif action == "request_quality_check":
        services.request_quality_check(order_id, actor=actor, now=now)
    elif action in ("pass_quality_check", "fail_quality_check"):
        services.record_quality_check(order_id, _quality_check(data, action == "pass_quality_check"), actor=actor,
                                      now=now)
    elif action == "settle":
        services.settle(order_id, _payments(data), actor=actor, now=now, points_fen=data["points_fen"])
    elif action == "deliver":
        services.deliver(order_id, actor=actor, now=now)
    elif action == "cancel":
        services.cancel(order_id, reason=data["reason"], actor=actor, now=now)
    elif action == "approve_extra_work":
        services.approve_extra_work(order_id, data["job_ids"], _approval(data), actor=actor, now=now)
    elif action == "decline_extra_work":
        services.decline_extra_work(order_id, data["job_ids"], reason=data["reason"], actor=actor, now=now)


@orders_blp.route("/<int:order_id>/transitions", methods=["POST"])
@roles_required(*TRANSITION_ROLES)
@orders_blp.arguments(schemas.TransitionInSchema)
@orders_blp.response(200, OrderOut)
def transition(data, order_id):
    """Move the order through its workflow, or record the owner's answer about extra work.

    Roles per action, as on the order page: advisors and the manager present and approve the estimate,
    dispatch, deliver, cancel and record the owner's answer about extra work; technicians, advisors and the
    manager send the car to and sign quality check; the cashier, advisors and the manager settle.
    An illegal transition is a 409; a refused input a 422.
    """
    actor = current_actor()
    if not services.may(actor, data["action"]):
        raise Forbidden()
    services.get_order(order_id, actor=actor)  # 404 before anything else for another store's order
    _order_action(order_id, data, actor, utcnow())
    return _detail(order_id)


# -- the labor catalogue ---------------------------------------------------------------------------

@operations_blp.route("", methods=["GET"])
@roles_required(*CATALOGUE_READERS)
@operations_blp.arguments(schemas.OperationSearchArgsSchema, location="query")
@operations_blp.response(200, schemas.OperationListSchema)
def list_operations(args):
    """Search the labor catalogue with ?q= (code prefix, or name prefix or word), or list it in code order."""
    actor = current_actor()
    if args["q"]:
        found = catalogue.search_operations(args["q"], actor=actor, store_id=args["store_id"],
                                            limit=args["per_page"], active_only=not args["include_inactive"])
        return {"items": found, "page": 1, "per_page": args["per_page"], "total": len(found)}
    page = catalogue.list_operations(actor=actor, store_id=args["store_id"], page=args["page"],
                                     per_page=args["per_page"], active_only=not args["include_inactive"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@operations_blp.route("", methods=["POST"])
@roles_required(*CATALOGUE_WRITERS)
@operations_blp.arguments(schemas.OperationInSchema)
@operations_blp.response(201, schemas.OperationOutSchema)
def create_operation(data):
    """Add a labor operation to the store's catalogue (code unique per store)."""
    actor = current_actor()
    store_id = data.pop("store_id", None) or actor.store_id
    if store_id is None:
        raise ValidationFailed({"store_id": [str(_l("A group-level token names the store."))]})
    return catalogue.create_operation(catalogue.OperationInput(**data), store_id=store_id, actor=actor,
                                      now=utcnow())


@operations_blp.route("/<int:operation_id>", methods=["GET"])
@roles_required(*CATALOGUE_READERS)
@operations_blp.response(200, schemas.OperationOutSchema)
def get_operation(operation_id):
    """Return one labor operation with its per-family hours."""
    return catalogue.get_operation(operation_id, actor=current_actor())


@operations_blp.route("/<int:operation_id>", methods=["PUT"])
@roles_required(*CATALOGUE_WRITERS)
@operations_blp.arguments(schemas.OperationPatchSchema)
@operations_blp.response(200, schemas.OperationOutSchema)
def update_operation(data, operation_id):
    """Replace a labor operation's details; lines already on orders keep their hours."""
    return catalogue.update_operation(operation_id, catalogue.OperationInput(**data), actor=current_actor(),
                                      now=utcnow())
