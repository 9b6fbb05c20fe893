"""/api/v1/booking (free times, phone verification) and /api/v1/bookings (create, get, reschedule, cancel).

The free times, the verification and creating a booking are public (an owner's app or mini-program); reading,
moving and cancelling a booking are the store's (bearer token).
"""
from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from marshmallow import Schema, fields, validate

from dealer.access import current_actor, public, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.api_base import RETRY_AFTER, ApiBlueprint
from dealer.booking import limits, progress, queries, services
from dealer.booking.errors import TooManyCodes
from dealer.booking.models import SERVICE_KINDS, Booking
from dealer.database import utcnow
from dealer.errors import NotFound
from dealer.extensions import limiter
from dealer.inputs import CALENDAR, Day, Id, Moment, Text
from dealer.responses import json_error
from dealer.sms import verification
from dealer.stores.services import visible_store_ids

blp = ApiBlueprint("booking_api", __name__, url_prefix="/api/v1/booking",
                   description="Online booking: free times and phone verification (public).")
bookings_blp = ApiBlueprint("bookings_api", __name__, url_prefix="/api/v1/bookings", description="Bookings.")
progress_blp = ApiBlueprint("progress_api", __name__, url_prefix="/api/v1/progress",
                            description="The owner's repair progress and extra-work decisions, by the SMS link's "
                                        "token (no sign-in).")
# Requests per address to each public endpoint (BOOKING_PUBLIC_RATE_LIMIT), beside the SMS codes' own limits.
PUBLIC_LIMIT = "60 per minute;600 per hour"


def _public_limit() -> str:
    return current_app.config.get("BOOKING_PUBLIC_RATE_LIMIT", PUBLIC_LIMIT)


class SlotArgs(Schema):
    store = Id(in_query=True, required=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICE_KINDS))
    date = Day(CALENDAR, required=True)


class SlotsOut(Schema):
    date = fields.Date()
    times = fields.List(fields.DateTime(), metadata={"description": "Free start times (store's zone)."})
    next_free = fields.List(fields.DateTime(), metadata={"description": "When the day is full: the next ones."})


class VerifyIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("send", "check")))
    store = Id(required=True)
    phone = Text(required=True, max_length=20)
    code = Text(load_default=None, max_length=6)


class VerifyOut(Schema):
    sent = fields.Boolean()
    proof = fields.String(allow_none=True, metadata={"description": "After a right code: books once, 30 minutes."})


class BookingIn(Schema):
    store = Id(required=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICE_KINDS))
    starts_at = Moment(CALENDAR, required=True)
    name = Text(required=True, column=Booking.name, min_length=1)
    phone = Text(required=True, max_length=20)
    plate = Text(required=True, max_length=12)
    model = Text(load_default="", column=Booking.model)
    advisor_id = Id(load_default=None, allow_none=True)
    note = Text(load_default="", column=Booking.note, multiline=True)
    proof = Text(required=True, max_length=64)
    idempotency_key = Text(required=True, min_length=8, max_length=64)


class BookingOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    code = fields.String()
    service_kind = fields.String()
    starts_at = fields.DateTime()
    plate = fields.String()
    name = fields.String()
    state = fields.String()
    advisor_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)


class RescheduleIn(Schema):
    starts_at = Moment(CALENDAR, required=True)


def _rate_limited(error: TooManyCodes):
    response = json_error(error.code, error.message, error.status)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@blp.route("/slots", methods=["GET"])
@public
@blp.doc(security=[])
@blp.arguments(SlotArgs, location="query")
@blp.response(200, SlotsOut)
@blp.error_response(404)
@blp.error_response(429, headers=RETRY_AFTER)
@limiter.limit(_public_limit)
def slots(args):
    """The free start times of a store's service on one day, with the next free ones when it is full."""
    rules = queries.store_rules(args["store"])
    if rules is None:
        raise NotFound()
    now = utcnow()
    today = now.astimezone(rules.zone).date()
    free = queries.free_slots(rules, args["service"], first=today, days=queries.DAYS_SHOWN, now=now)
    times = free.get(args["date"], [])
    later = [] if times else [moment for day, found in sorted(free.items()) if day > args["date"]
                              for moment in found][:6]
    return {"date": args["date"], "times": times, "next_free": later}


@blp.route("/verify", methods=["POST"])
@public
@blp.doc(security=[])
@blp.arguments(VerifyIn)
@blp.response(200, VerifyOut)
@blp.error_response(404)
@blp.error_response(429, headers=RETRY_AFTER)
@limiter.limit(_public_limit)
def verify(data):
    """Send a 6-digit code to the phone by SMS (`send`), or check it (`check`) for a proof that books once."""
    try:
        if data["action"] == "send":
            limits.spend_code_allowance(data["phone"])
            verification.send_code(data["phone"], store_id=data["store"], purpose=services.BOOKING, address=get_remote_address() or "",
                                   now=utcnow())
            return {"sent": True, "proof": None}
    except TooManyCodes as error:
        return _rate_limited(error)
    proof = verification.check_code(data["phone"], data["code"] or "", purpose=services.BOOKING, now=utcnow())
    return {"sent": False, "proof": proof}


@bookings_blp.route("", methods=["POST"])
@public
@bookings_blp.doc(security=[])
@bookings_blp.arguments(BookingIn)
@bookings_blp.response(201, BookingOut)
@bookings_blp.error_response(404)
@bookings_blp.error_response(409)
@bookings_blp.error_response(429, headers=RETRY_AFTER)
@limiter.limit(_public_limit)
def create_booking(data):
    """Book a time with a phone proof; the same idempotency key returns the same booking."""
    return services.book(services.BookingInput(
        store_id=data["store"], service_kind=data["service"], starts_at=data["starts_at"], name=data["name"],
        phone=data["phone"], plate=data["plate"], model=data["model"], advisor_id=data["advisor_id"],
        note=data["note"]), check=verification.PhoneCheck(proof=data["proof"]),
        idempotency_key=data["idempotency_key"], now=utcnow(), source="api", link_base=request.url_root)


@bookings_blp.route("/<int:booking_id>", methods=["GET"])
@roles_required(SERVICE_ADVISOR, MANAGER)
@bookings_blp.response(200, BookingOut)
def get_booking(booking_id):
    """One booking of the caller's stores."""
    return services.get_booking(booking_id, store_ids=visible_store_ids(current_actor()))


@bookings_blp.route("/<int:booking_id>/reschedule", methods=["POST"])
@roles_required(SERVICE_ADVISOR, MANAGER)
@bookings_blp.arguments(RescheduleIn)
@bookings_blp.response(200, BookingOut)
def reschedule_booking(data, booking_id):
    """Move a booking to another free time."""
    return services.reschedule(booking_id, data["starts_at"], actor=current_actor(), now=utcnow())


@bookings_blp.route("/<int:booking_id>/cancel", methods=["POST"])
@roles_required(SERVICE_ADVISOR, MANAGER)
@bookings_blp.response(200, BookingOut)
def cancel_booking(booking_id):
    """Cancel a booking: its room is free again."""
    return services.cancel_booking(booking_id, actor=current_actor(), now=utcnow())


# -- the owner's progress (透明度), by the link's token -------------------------------------------------------

class ProgressStageOut(Schema):
    state = fields.String()
    label = fields.Function(lambda stage: str(stage.label))
    at = fields.DateTime(allow_none=True)
    done = fields.Boolean()
    current = fields.Boolean()


class ProgressLineOut(Schema):
    description = fields.String()
    kind = fields.String()
    genuine = fields.Boolean()
    amount_fen = fields.Integer(attribute="net_fen", metadata={"description": "After discounts."})


class ProgressItemOut(Schema):
    job_id = fields.Integer()
    concern = fields.String()
    price_fen = fields.Integer(metadata={"description": "What approving it adds to the owner's bill (VAT included)."})
    note = fields.String(metadata={"description": "The technician's note on the finding."})
    photo_ids = fields.List(fields.Integer())
    aftermarket = fields.Boolean(metadata={"description": "Includes non-genuine parts (approving consents)."})
    lines = fields.List(fields.Nested(ProgressLineOut))
    labor_minutes = fields.Integer(metadata={"description": "The time the item adds, in minutes: a quick-lane piece's minutes as the lane proposed them, "
                       "otherwise its labor lines' hours."})
    ready_at = fields.DateTime(allow_none=True, metadata={
        "description": "The new ready time if approved: the current promise plus the item's labor."})


class ProgressFindingOut(Schema):
    name = fields.String()
    status = fields.String(metadata={"description": "green, yellow or red."})
    measurement = fields.String()
    note = fields.String()
    photo_ids = fields.List(fields.Integer())


class ProgressOut(Schema):
    number = fields.Function(lambda p: p.order.number)
    plate = fields.Function(lambda p: p.order.vehicle.plate)
    store = fields.Function(lambda p: p.order.store.name)
    state = fields.Function(lambda p: p.order.state)
    promised_at = fields.DateTime(allow_none=True)
    promise_changes = fields.Integer()
    stages = fields.List(fields.Nested(ProgressStageOut))
    total_fen = fields.Function(lambda p: p.totals.total_fen, metadata={"description": "Estimate, bill or statement."})
    basis = fields.Function(lambda p: p.totals.basis, metadata={"description": "estimate, billed or settled."})
    approved_total_fen = fields.Function(lambda p: p.totals.approved_total_fen)
    lines = fields.Function(lambda p: ProgressLineOut(many=True).dump(
        [line for group in p.estimate if group.payer == "customer" for line in group.lines]))
    findings = fields.Function(lambda p: ProgressFindingOut(many=True).dump(
        p.inspection.red + p.inspection.yellow + p.inspection.green))
    pending = fields.List(fields.Nested(ProgressItemOut))
    decided = fields.Function(lambda p: [
        {"job_id": job_id, "decision": decision, "ready_at": _ready_shown(p, job_id)}
        for job_id, decision in sorted(p.decided.items())], metadata={
        "description": "Decided items; ready_at: the ready time if approved shown with an online decision."})
    settled = fields.Boolean()


class ProgressDecisionOut(Schema):
    job_id = fields.Integer()
    decision = fields.String()
    price_fen = fields.Integer()
    decided_at = fields.DateTime()
    labor_minutes = fields.Integer()
    ready_at = fields.DateTime(allow_none=True, metadata={"description": "The ready time if approved, as shown."})


def _ready_shown(progress_page, job_id: int) -> str | None:
    shown = progress_page.decisions.get(job_id)
    return shown.ready_at.isoformat() if shown is not None and shown.ready_at else None


def _progress_limit() -> str:
    return limits.progress_limit()


@progress_blp.route("/<token>", methods=["GET"])
@public
@progress_blp.doc(security=[])
@progress_blp.response(200, ProgressOut)
@progress_blp.error_response(404, "No such link, or it has ended.")
@progress_blp.error_response(429, headers=RETRY_AFTER)
@limiter.limit(_progress_limit)
def get_progress(token):
    """The order's stages, promise, estimate or statement, inspection and the extra work waiting for the owner."""
    return progress.open_progress(token, now=utcnow())


@progress_blp.route("/<token>/items/<int:job_id>/approve", methods=["POST"])
@public
@progress_blp.doc(security=[])
@progress_blp.response(200, ProgressDecisionOut)
@progress_blp.error_response(404, "No such link or item.")
@progress_blp.error_response(409, "Already decided otherwise, or the order moved on.")
@progress_blp.error_response(429, headers=RETRY_AFTER)
@limiter.limit(_progress_limit)
def approve_item(token, job_id):
    """Approve one item of extra work at the price shown; a repeat returns the first decision."""
    return progress.decide(token, job_id, "approved", now=utcnow())


@progress_blp.route("/<token>/items/<int:job_id>/decline", methods=["POST"])
@public
@progress_blp.doc(security=[])
@progress_blp.response(200, ProgressDecisionOut)
@progress_blp.error_response(404, "No such link or item.")
@progress_blp.error_response(409, "Already decided otherwise, or the order moved on.")
@progress_blp.error_response(429, headers=RETRY_AFTER)
@limiter.limit(_progress_limit)
def decline_item(token, job_id):
    """Decline one item of extra work: it is neither done nor billed; a repeat returns the first decision."""
    return progress.decide(token, job_id, "declined", now=utcnow())
