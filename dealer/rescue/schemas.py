"""API schemas of rescue calls and units (they make the OpenAPI document). Coordinates: see each field."""
from marshmallow import Schema, fields, validate

from dealer.inputs import Flag, Id, Text, WholeNumber
from dealer.rescue.geo import SYSTEMS
from dealer.rescue.models import (
    AREAS,
    CLAIM_STATES,
    FAULT_TYPES,
    STATES,
    UNIT_KINDS,
    UNIT_STATUSES,
    RescueCall,
)

LATITUDE = {"description": "Degrees, in the system `coordinate_system` names (stored as WGS-84).", "example": 22.5408}
LONGITUDE = {"description": "Degrees, in the system `coordinate_system` names (stored as WGS-84).", "example": 113.9172}
STEPS = ("en_route", "on_scene", "towing", "completed", "cancelled", "told_emergency", "sent_to_12122", "handed_over")


def _latitude(**kwargs):
    return fields.Float(validate=validate.Range(-90, 90), allow_nan=False, metadata=LATITUDE, **kwargs)


def _longitude(**kwargs):
    return fields.Float(validate=validate.Range(-180, 180), allow_nan=False, metadata=LONGITUDE, **kwargs)


class RescueCallInSchema(Schema):
    """A call taken (接警). Sending the same `intake_key` again updates that call instead of opening another."""

    store_id = Id(load_default=None, metadata={"description": "Required for a group-level user."})
    intake_key = Text(load_default=None, allow_none=True, max_length=32, min_length=32,
                      validate=validate.Regexp(r"^[0-9a-f]{32}$"), metadata={
        "description": "The client's key of this intake (32 hex digits): a retry updates the same call."})
    caller_phone = Text(required=True, max_length=20, metadata={"example": "13812345678"})
    caller_name = Text(load_default="", column=RescueCall.caller_name)
    plate = Text(load_default="", column=RescueCall.plate, metadata={"description": "Finds the car and its owner."})
    vehicle_id = Id(load_default=None)
    address = Text(load_default="", column=RescueCall.address)
    latitude = _latitude(load_default=None, allow_none=True)
    longitude = _longitude(load_default=None, allow_none=True)
    coordinate_system = fields.String(load_default="gcj02", validate=validate.OneOf(SYSTEMS), metadata={
        "description": "gcj02: AMap/高德 or Tencent; wgs84: GPS; bd09: Baidu."})
    area = fields.String(load_default="town", validate=validate.OneOf(AREAS))
    fault_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FAULT_TYPES))
    concern = Text(load_default="", column=RescueCall.concern, multiline=True)
    drivable = Flag(load_default=None, allow_none=True)
    tow_needed = Flag(load_default=False)
    needs_flatbed = Flag(load_default=False)
    injuries = Flag(load_default=False)
    on_expressway = Flag(load_default=False)
    children_waiting = Flag(load_default=False)
    ev_low_charge = Flag(load_default=False)


class RescueDispatchInSchema(Schema):
    responder = Text(required=True, max_length=20, validate=validate.Regexp(r"^(unit|station):[1-9][0-9]{0,9}$"),
                              metadata={"example": "unit:3", "description": "A unit or a partner station."})
    override_reason = Text(load_default="", max_length=300, metadata={
        "description": "Required when not the proposal's first, and for a re-dispatch."})


class RescueStatusInSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(STEPS), metadata={
        "description": "A step of the job (repeating one is harmless), cancelled (with a reason), or a guard "
                       "recorded: told_emergency (120/122), sent_to_12122, handed_over."})
    reason = Text(load_default="", max_length=300)


class RescueOpenCallsArgs(Schema):
    limit = WholeNumber(in_query=True, load_default=200, minimum=1, maximum=200)


class RescueEventOutSchema(Schema):
    leg = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    by = fields.String()
    reason = fields.String()
    unit_id = fields.Integer(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    has_photo = fields.Function(lambda e: bool(e.photo))


class RescueCallOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    state = fields.String(validate=validate.OneOf(STATES))
    priority = fields.Integer(metadata={"description": "1 urgent, 2 high, 3 normal."})
    priority_reasons = fields.List(fields.String())
    caller_phone = fields.String()
    caller_name = fields.String()
    customer_id = fields.Integer(allow_none=True)
    customer_created_by_rescue = fields.Boolean()
    vehicle_id = fields.Integer(allow_none=True)
    plate = fields.String()
    address = fields.String()
    latitude_wgs84 = fields.Float(allow_none=True)
    longitude_wgs84 = fields.Float(allow_none=True)
    area = fields.String()
    fault_type = fields.String(allow_none=True)
    concern = fields.String()
    drivable = fields.Boolean(allow_none=True)
    tow_needed = fields.Boolean()
    needs_flatbed = fields.Boolean()
    injuries = fields.Boolean()
    told_emergency_at = fields.DateTime(allow_none=True)
    on_expressway = fields.Boolean()
    sent_to_12122_at = fields.DateTime(allow_none=True)
    handed_over_at = fields.DateTime(allow_none=True)
    children_waiting = fields.Boolean()
    ev_low_charge = fields.Boolean()
    received_at = fields.DateTime()
    dispatched_at = fields.DateTime(allow_none=True)
    arrived_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    leg = fields.Integer()
    unit_id = fields.Integer(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    eta_at = fields.DateTime(allow_none=True)
    eta_approximate = fields.Boolean()
    repair_order_id = fields.Integer(allow_none=True)
    has_signature = fields.Function(lambda c: bool(c.signature), metadata={
        "description": "The owner signed at hand-over on the crew's page (交车签字)."})
    owner_absent_reason = fields.String(metadata={"description": "Why the owner did not sign, when not there."})


class RescueCallDetailSchema(RescueCallOutSchema):
    events = fields.List(fields.Nested(RescueEventOutSchema))


class RescueCallListSchema(Schema):
    items = fields.List(fields.Nested(RescueCallOutSchema))


class RescueDispatchOutSchema(Schema):
    call = fields.Nested(RescueCallDetailSchema)
    crew_link = fields.String(metadata={"description": "The crew's page (sent to them by SMS); ends with the job."})


class RescueUnitReportInSchema(Schema):
    latitude = _latitude(load_default=None, allow_none=True)
    longitude = _longitude(load_default=None, allow_none=True)
    coordinate_system = fields.String(load_default="wgs84", validate=validate.OneOf(SYSTEMS))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("available", "off_shift")))


class RescueUnitOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(UNIT_KINDS))
    crew = fields.String()
    phone = fields.String()
    capabilities = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(UNIT_STATUSES))
    current_call_id = fields.Integer(allow_none=True)
    latitude_wgs84 = fields.Float(allow_none=True)
    longitude_wgs84 = fields.Float(allow_none=True)
    position_at = fields.DateTime(allow_none=True)


class RescueUnitListSchema(Schema):
    items = fields.List(fields.Nested(RescueUnitOutSchema))


class RescueClaimInSchema(Schema):
    """An accident call's claim (代办理赔): reported the first time, its insurer details corrected while open."""

    insurer = Text(required=True, max_length=60, metadata={"example": "中国人保财险"})
    policy_number = Text(load_default="", max_length=40)
    report_number = Text(required=True, max_length=40, metadata={"description": "The insurer's report number (报案号)."})


class RescueClaimStateInSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(CLAIM_STATES), metadata={
        "description": "The next step: reported -> surveyed -> approved -> paid, or refused while not paid. "
                       "Asking for the step the claim is at changes nothing."})
    amount_fen = WholeNumber(load_default=None, allow_none=True, minimum=0, maximum=10_000_000_000,
                             metadata={"description": "Fen: required for approved and paid."})
    reason = Text(load_default="", max_length=300, metadata={"description": "Required for refused."})


class RescueClaimOutSchema(Schema):
    id = fields.Integer()
    call_id = fields.Integer()
    insurer = fields.String()
    policy_number = fields.String()
    report_number = fields.String()
    state = fields.String(validate=validate.OneOf(CLAIM_STATES))
    reported_at = fields.DateTime()
    reported_by = fields.String()
    surveyed_at = fields.DateTime(allow_none=True)
    surveyed_by = fields.String()
    approved_at = fields.DateTime(allow_none=True)
    approved_by = fields.String()
    approved_fen = fields.Integer(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    paid_by = fields.String()
    paid_fen = fields.Integer(allow_none=True)
    refused_at = fields.DateTime(allow_none=True)
    refused_by = fields.String()
    refusal_reason = fields.String()
    insurance_paid_fen = fields.Integer(allow_none=True, metadata={
        "description": "The tow-in repair order's insurance-paid lines (fen, net of discounts); null without one."})
