"""/api/v1: follow-ups and CS's calls, the owner's feedback form by its link's token (public), complaints."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from dealer.access import current_actor, public, roles_required
from dealer.api_base import ApiBlueprint
from dealer.database import utcnow
from dealer.inputs import Flag, Id, Text, WholeNumber
from dealer.satisfaction import queries, services
from dealer.satisfaction.models import (
    CALL_PURPOSES,
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    FOLLOW_UP_STATES,
    ROOT_CAUSES,
    SEVERITIES,
    CallAttempt,
    Complaint,
)
from dealer.satisfaction.views.common import CS, READERS
from dealer.stores.services import narrowed_store_ids

follow_ups_blp = ApiBlueprint("satisfaction_follow_ups_api", __name__, url_prefix="/api/v1/follow-ups",
                              description="Follow-ups (回访) of finished services, their forms and CS's calls.")
feedback_blp = ApiBlueprint("satisfaction_feedback_api", __name__, url_prefix="/api/v1/feedback",
                            description="The owner's feedback form, by the token of the SMS link (no sign-in).")
complaints_blp = ApiBlueprint("satisfaction_complaints_api", __name__, url_prefix="/api/v1/complaints",
                              description="Complaints (投诉) and the steps of their clock.")

GRADE = {"minimum": -2, "maximum": 2}


class FormOut(Schema):
    timeliness = fields.Integer(metadata={"description": "A..E = 2..-2 (服务及时性)."})
    quality = fields.Integer(metadata={"description": "A..E = 2..-2 (维修质量)."})
    attitude = fields.Integer(metadata={"description": "A..E = 2..-2 (服务态度)."})
    points = fields.Integer()
    comment = fields.String()
    may_call = fields.Boolean()
    channel = fields.String(metadata={"description": "link (the owner) or phone (CS)."})
    submitted_at = fields.DateTime()


class CallOut(Schema):
    id = fields.Integer()
    purpose = fields.String()
    reached = fields.Boolean()
    timeliness = fields.Integer(allow_none=True)
    quality = fields.Integer(allow_none=True)
    attitude = fields.Integer(allow_none=True)
    note = fields.String()
    called_by_id = fields.Integer(allow_none=True)
    called_at = fields.DateTime()


class FollowUpOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    source_kind = fields.String()
    source_ref = fields.Integer()
    source_number = fields.String()
    customer_id = fields.Integer()
    vehicle_id = fields.Integer(allow_none=True)
    handled_by_id = fields.Integer(allow_none=True)
    served_at = fields.DateTime()
    due_at = fields.DateTime()
    state = fields.String()
    tries = fields.Integer()
    verify_state = fields.String()
    form = fields.Nested(FormOut, allow_none=True)


class FollowUpDetail(FollowUpOut):
    calls = fields.List(fields.Nested(CallOut))


class FollowUpList(Schema):
    items = fields.List(fields.Nested(FollowUpOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class FollowUpArgs(Schema):
    state = fields.String(load_default=None, validate=validate.OneOf(FOLLOW_UP_STATES))
    store_id = Id(in_query=True, load_default=None)
    page = WholeNumber(in_query=True, load_default=1, minimum=1, maximum=100_000)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


class CallIn(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(CALL_PURPOSES))
    reached = Flag(required=True)
    timeliness = WholeNumber(load_default=None, allow_none=True, **GRADE)
    quality = WholeNumber(load_default=None, allow_none=True, **GRADE)
    attitude = WholeNumber(load_default=None, allow_none=True, **GRADE)
    comment = Text(max_length=500, multiline=True, load_default="")
    may_call = Flag(load_default=True)
    note = Text(column=CallAttempt.note, load_default="")


class FeedbackIn(Schema):
    timeliness = WholeNumber(required=True, **GRADE)
    quality = WholeNumber(required=True, **GRADE)
    attitude = WholeNumber(required=True, **GRADE)
    comment = Text(max_length=500, multiline=True, load_default="")
    may_call = Flag(load_default=True)


class FeedbackPage(Schema):
    store = fields.Function(lambda f: f.store.name)
    plate = fields.Function(lambda f: f.vehicle.plate if f.vehicle else "")
    answered = fields.Function(lambda f: f.form is not None, metadata={"type": "boolean"})
    form = fields.Nested(FormOut, allow_none=True)


class ComplaintOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    channel = fields.String()
    kind = fields.String(metadata={"description": "complaint, or suggestion (not counted as a complaint)."})
    category = fields.String()
    severity = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    order_number = fields.String()
    order_id = fields.Integer(allow_none=True, metadata={"description": "The store's repair order of that number."})
    description = fields.String()
    responsible_id = fields.Integer(allow_none=True)
    technician_id = fields.Integer(allow_none=True, metadata={"description": "The technician concerned."})
    state = fields.String()
    received_at = fields.DateTime()
    ack_due_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    deadline_at = fields.DateTime()
    paused_at = fields.DateTime(allow_none=True)
    pause_reason = fields.String()
    paused_seconds = fields.Integer()
    resolution = fields.String()
    owner_confirmed = fields.Boolean()
    root_cause = fields.String()
    closed_at = fields.DateTime(allow_none=True)


class ComplaintList(Schema):
    items = fields.List(fields.Nested(ComplaintOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ComplaintArgs(Schema):
    open = Flag(in_query=True, load_default=False)
    overdue = Flag(in_query=True, load_default=False, metadata={
        "description": "Only those past their deadline, not resolved, their clock running."})
    store_id = Id(in_query=True, load_default=None)
    technician_id = Id(in_query=True, load_default=None, metadata={"description": "Those naming this technician."})
    page = WholeNumber(in_query=True, load_default=1, minimum=1, maximum=100_000)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


class ComplaintIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(COMPLAINT_CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(COMPLAINT_CATEGORIES))
    severity = fields.String(load_default="normal", validate=validate.OneOf(SEVERITIES))
    description = Text(column=Complaint.description, multiline=True, required=True, min_length=1)
    contact_name = Text(column=Complaint.contact_name, load_default="")
    contact_phone = Text(column=Complaint.contact_phone, load_default="")
    order_number = Text(column=Complaint.order_number, load_default="")
    responsible_id = Id(load_default=None, allow_none=True)
    technician_id = Id(load_default=None, allow_none=True,
                       metadata={"description": "The technician concerned: one of the store's technicians."})
    store_id = Id(load_default=None, allow_none=True, metadata={"description": "For a group-level user."})


class TechnicianIn(Schema):
    technician_id = Id(required=True, allow_none=True, metadata={
        "description": "The technician concerned: one of the complaint's store's technicians; null names nobody."})


class StepIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(services.STEPS)))
    reason = Text(column=Complaint.pause_reason, load_default="")
    resolution = Text(column=Complaint.resolution, multiline=True, load_default="")
    owner_confirmed = Flag(load_default=False)
    root_cause = fields.String(load_default="", validate=validate.OneOf(("", *ROOT_CAUSES)))


def _page(pagination) -> dict:
    return {"items": pagination.items, "page": pagination.page, "per_page": pagination.per_page,
            "total": pagination.total}


def _store_ids(store_id: int | None) -> list[int]:
    return narrowed_store_ids(current_actor(), [store_id] if store_id else None)


@follow_ups_blp.route("", methods=["GET"])
@roles_required(*READERS)
@follow_ups_blp.arguments(FollowUpArgs, location="query")
@follow_ups_blp.response(200, FollowUpList)
def list_follow_ups(args):
    """List follow-ups, newest service first, with their forms."""
    return _page(queries.follow_up_page(_store_ids(args["store_id"]), state=args["state"], page=args["page"],
                                        per_page=args["per_page"]))


@follow_ups_blp.route("/<int:follow_up_id>", methods=["GET"])
@roles_required(*READERS)
@follow_ups_blp.response(200, FollowUpDetail)
def get_follow_up(follow_up_id):
    """Return one follow-up with its form and calls."""
    return services.get_follow_up(follow_up_id, actor=current_actor())


@follow_ups_blp.route("/<int:follow_up_id>/calls", methods=["POST"])
@roles_required(*CS)
@follow_ups_blp.arguments(CallIn)
@follow_ups_blp.response(201, CallOut)
def record_call(data, follow_up_id):
    """Record a call by CS: a follow-up call (reached: the form by phone) or a verification call."""
    grades = None
    if data["reached"] and None not in (data["timeliness"], data["quality"], data["attitude"]):
        grades = services.Grades(data["timeliness"], data["quality"], data["attitude"])
    call = services.CallInput(purpose=data["purpose"], reached=data["reached"], grades=grades,
                              comment=data["comment"], may_call=data["may_call"], note=data["note"])
    return services.record_call(follow_up_id, call, actor=current_actor(), now=utcnow())


@feedback_blp.route("/<token>", methods=["GET"])
@public
@feedback_blp.doc(security=[])
@feedback_blp.response(200, FeedbackPage)
@feedback_blp.error_response(404, "No such link.")
@feedback_blp.error_response(410, "The link has expired (the form was not filled in time).")
def get_feedback(token):
    """Return what the owner's link shows: the store, the plate, and the answers once given."""
    return services.follow_up_by_token(token, now=utcnow())


@feedback_blp.route("/<token>", methods=["POST"])
@public
@feedback_blp.doc(security=[])
@feedback_blp.arguments(FeedbackIn)
@feedback_blp.response(200, FormOut)
@feedback_blp.error_response(404, "No such link.")
@feedback_blp.error_response(410, "The link has expired (the form was not filled in time).")
def submit_feedback(data, token):
    """Send the owner's form; a repeat submission changes nothing and returns the form already sent."""
    form = services.FormInput(services.Grades(data["timeliness"], data["quality"], data["attitude"]),
                              comment=data["comment"], may_call=data["may_call"])
    return services.submit_feedback(token, form, now=utcnow())


@complaints_blp.route("", methods=["GET"])
@roles_required(*READERS)
@complaints_blp.arguments(ComplaintArgs, location="query")
@complaints_blp.response(200, ComplaintList)
def list_complaints(args):
    """List complaints, newest first (?open=true: those not resolved; ?overdue=true: those overdue)."""
    return _page(queries.complaint_page(_store_ids(args["store_id"]), open_only=args["open"],
                                        technician_id=args["technician_id"],
                                        overdue_at=utcnow() if args["overdue"] else None, page=args["page"],
                                        per_page=args["per_page"]))


@complaints_blp.route("", methods=["POST"])
@roles_required(*CS)
@complaints_blp.arguments(ComplaintIn)
@complaints_blp.response(201, ComplaintOut)
def create_complaint(data):
    """Record a complaint; its deadlines start now."""
    store_id = data.pop("store_id")
    return services.receive_complaint(services.ComplaintInput(**data), store_id=store_id, actor=current_actor(),
                                      now=utcnow())


@complaints_blp.route("/<int:complaint_id>", methods=["GET"])
@roles_required(*READERS)
@complaints_blp.response(200, ComplaintOut)
def get_complaint(complaint_id):
    """Return one complaint."""
    return services.get_complaint(complaint_id, actor=current_actor())


@complaints_blp.route("/<int:complaint_id>/steps", methods=["POST"])
@roles_required(*CS)
@complaints_blp.arguments(StepIn)
@complaints_blp.response(200, ComplaintOut)
def complaint_step(data, complaint_id):
    """Take one step: acknowledge, investigate, pause (with the reason), resume, resolve, close, reopen."""
    return services.complaint_step(complaint_id, services.StepInput(**data), actor=current_actor(), now=utcnow())


@complaints_blp.route("/<int:complaint_id>/technician", methods=["PUT"])
@roles_required(*CS)
@complaints_blp.arguments(TechnicianIn)
@complaints_blp.response(200, ComplaintOut)
def name_technician(data, complaint_id):
    """Name, change or clear (null) the technician concerned after intake (CS; not on a closed complaint)."""
    return services.name_technician(complaint_id, data["technician_id"], actor=current_actor(), now=utcnow())
