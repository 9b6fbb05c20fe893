"""/api/v1/sms: the outbox for integrations, and the provider's callbacks (reports and replies)."""
import hmac

from flask import abort, current_app, request
from marshmallow import Schema, fields, validate

from dealer.access import current_actor, public, roles_required
from dealer.actors import CS_SUPERVISOR, CUSTOMER_WRITERS, MANAGER, PHONE_CALLERS, SERVICE_ADVISOR
from dealer.api_base import ApiBlueprint
from dealer.customers.api import CustomerOut
from dealer.customers.schemas import ServiceSmsSchema
from dealer.customers.validators import mask_phone
from dealer.database import utcnow
from dealer.inputs import CALENDAR, Day, Text, WholeNumber
from dealer.sms import callbacks, services
from dealer.sms.models import STATES

blp = ApiBlueprint("sms_api", __name__, url_prefix="/api/v1/sms", description="The SMS outbox and callbacks.")
# An owner's choice about service SMS, on the customer's resource (the customers API's path).
owners_blp = ApiBlueprint("sms_owners_api", __name__, url_prefix="/api/v1/customers",
                          description="Customer files: an owner's choice about service SMS.")


def _phone(value: str) -> str:
    return value if current_actor().has_any(PHONE_CALLERS) else mask_phone(value)


class MessageOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    customer_id = fields.Integer(allow_none=True)
    vehicle_id = fields.Integer(allow_none=True)
    phone = fields.Function(lambda m: _phone(m.phone))
    kind = fields.String()
    category = fields.String()
    priority = fields.Integer()
    body = fields.String(allow_none=True)
    state = fields.String()
    attempts = fields.Integer()
    provider_id = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)


class MessageList(Schema):
    items = fields.List(fields.Nested(MessageOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class MessageArgs(Schema):
    q = Text(load_default="", max_length=20, metadata={"description": "Phone (or its last 4 digits) or plate."})
    state = fields.String(load_default="", validate=validate.OneOf(("",) + STATES))
    kind = Text(load_default="", max_length=40)
    date_from = Day(CALENDAR, load_default=None)
    date_to = Day(CALENDAR, load_default=None)
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


class CallbackAck(Schema):
    code = fields.Integer(metadata={"description": "0: received (the provider's expected answer)."})
    msg = fields.String()


@blp.route("/messages", methods=["GET"])
@roles_required(MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR)
@blp.arguments(MessageArgs, location="query")
@blp.response(200, MessageList)
def list_messages(args):
    """List the outbox, newest first, with filters."""
    page = services.list_messages(actor=current_actor(), filters=services.MessageFilter(
        q=args["q"], state=args["state"], kind=args["kind"], day_from=args["date_from"], day_to=args["date_to"]),
        page=args["page"], per_page=args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/messages/<int:message_id>", methods=["GET"])
@roles_required(MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR)
@blp.response(200, MessageOut)
def get_message(message_id):
    """Return one message and its fate."""
    return services.get_message(message_id, actor=current_actor())


def _check_token(token: str) -> None:
    """The provider calls a URL holding a secret token; anything else is refused and changes nothing."""
    expected = current_app.config.get("SMS_CALLBACK_TOKEN") or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        abort(404)


def _items() -> list[dict]:
    payload = request.get_json(silent=True)
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        abort(400)
    return payload[:1000]


def _callback_body(description: str, **properties: str) -> dict:
    """The provider's push, as the document describes it: one object or an array of them (the first 1,000 count).

    Each named field is read as text whatever its JSON type, and other fields are ignored, so no type is stated.
    """
    item = {"type": "object", "description": description,
            "properties": {name: {"description": text} for name, text in properties.items()}}
    return {"required": True, "content": {"application/json": {"schema": {
        "oneOf": [item, {"type": "array", "items": item}]}}}}


@blp.route("/callbacks/<token>/report", methods=["POST"])
@public
@blp.response(200, CallbackAck)
@blp.doc(security=[], requestBody=_callback_body(
    "A delivery report.", out_id="Our id of the message.", biz_id="The provider's id of the message.",
    phone_number="The number it went to.", success="Delivered (true, \"true\", 1).",
    err_code="Why it failed.", err_msg="The provider's words for it."))
@blp.error_response(400, "The body is not a JSON object or an array of objects.")
@blp.error_response(404, "Callbacks are off, or the token in the URL is wrong.")
@blp.error_response(413)
def delivery_report(token):
    """Receive delivery reports (回执): a JSON array as the provider pushes them."""
    _check_token(token)
    callbacks.apply_delivery_reports(_items(), now=utcnow(), provider="aliyun")
    return {"code": 0, "msg": "成功"}


@blp.route("/callbacks/<token>/reply", methods=["POST"])
@public
@blp.response(200, CallbackAck)
@blp.doc(security=[], requestBody=_callback_body(
    "An owner's reply.", phone_number="The owner's number.", content="What they wrote.",
    sign_name="The signature the reply answers.", sequence_id="The provider's id of the reply (repeats are "
                                                                 "recorded once)."))
@blp.error_response(400, "The body is not a JSON object or an array of objects.")
@blp.error_response(404, "Callbacks are off, or the token in the URL is wrong.")
@blp.error_response(413)
def owner_reply(token):
    """Receive owners' replies (上行); a reply T, TD or 退订 opts the owner out of marketing SMS."""
    _check_token(token)
    for item in _items():
        key = str(item.get("sequence_id") or "") or None
        callbacks.receive_reply(phone=str(item.get("phone_number") or ""), content=str(item.get("content") or ""),
                                sign_name=str(item.get("sign_name") or ""),
                                provider_key=f"aliyun:{key}" if key else None, now=utcnow())
    return {"code": 0, "msg": "成功"}


@owners_blp.route("/<int:customer_id>/service-sms", methods=["PUT"])
@roles_required(*CUSTOMER_WRITERS)
@owners_blp.arguments(ServiceSmsSchema)
@owners_blp.response(200, CustomerOut)
def set_service_sms(data, customer_id):
    """Record whether the owner refuses service SMS (reminders, car ready, booking codes)."""
    return services.set_service_sms_opt_out(customer_id, opted_out=data["opted_out"], actor=current_actor(),
                                            now=utcnow())
