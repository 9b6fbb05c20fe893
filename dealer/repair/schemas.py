"""API schemas for repair orders and the labor catalogue (they also generate the OpenAPI document).

Money is integer fen (分); hours are integer hundredths (1.5 h = 150); part quantities integer thousandths
of the part's unit (4.5 litres = 4500); percentages integer basis points (13% = 1300).
"""
from marshmallow import Schema, fields, validate

from dealer.inputs import CALENDAR, Day, Flag, Id, Moment, Text, WholeNumber
from dealer.repair.models import (
    APPROVAL_METHODS,
    JOB_APPROVALS,
    LABOR_CATEGORIES,
    LINE_KINDS,
    ORDER_KINDS,
    PAYERS,
    PAYMENT_METHODS,
    SOURCE_KINDS,
    STATES,
    WORK_STATES,
)
from dealer.repair.services.settings import MAX_HOURS
from dealer.repair.services.workflow import MAX_SIGNATURE_BYTES, TRANSITIONS
from dealer.repair.services.workshop import QC_ITEMS
from dealer.stores.families import MODEL_FAMILIES

FEN = "Integer fen (分), VAT included."
HUNDREDTHS = "Integer hundredths of an hour (1.5 h = 150)."
THOUSANDTHS = "Integer thousandths of the part's unit (4.5 litres = 4500)."
BASIS_POINTS = "Integer basis points (10% = 1000)."
# Order-level actions: the workflow's transitions, and the owner's answer about extra work (增项).
ORDER_ACTIONS = tuple(TRANSITIONS) + ("approve_extra_work", "decline_extra_work")
# A job's steps in the workshop.
JOB_ACTIONS = ("assign", "clock_on", "clock_off", "mark_done")
# A data URL of a PNG the service accepts: base64 makes 3 bytes 4 characters, after its prefix.
SIGNATURE_LENGTH = 100 + MAX_SIGNATURE_BYTES * 4 // 3 + 4


# -- input -----------------------------------------------------------------------------------------

class OrderInSchema(Schema):
    """A new order; its advisor is the token's user when a service advisor, else the owner's own advisor."""

    vehicle_id = Id(required=True)
    concerns = fields.List(Text(max_length=500, min_length=1), required=True,
                           validate=validate.Length(min=1, max=30),
                           metadata={"description": "The owner's concerns in their words; each becomes a job.",
                                     "example": ["保养", "刹车有异响"]})
    promised_at = Moment(required=True, metadata={
        "description": "When the car will be ready, ISO 8601 with its time zone.",
        "example": "2026-11-23T17:30:00+08:00"})
    kind = fields.String(load_default="general_repair", validate=validate.OneOf(ORDER_KINDS))
    odometer_km = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=0, max=3_000_000))
    odometer_is_correction = Flag(load_default=False, metadata={
        "description": "A reading lower than the last is refused unless marked as a correction with a note."})
    odometer_note = Text(load_default="", max_length=200)
    fuel_eighths = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=0, max=8),
                         metadata={"description": "Fuel gauge in eighths: 0 empty, 8 full."})
    damage_notes = Text(load_default="", max_length=2000, multiline=True)
    valuables = Text(load_default="", max_length=200)
    notes = Text(load_default="", max_length=2000, multiline=True)
    despite_open_order = Flag(load_default=False, metadata={
        "description": "A car with an open order is refused (409 repair.vehicle_has_open_order, naming it) "
                       "unless this confirms that a second order is meant; the new order records it."})


class OrderListArgsSchema(Schema):
    state = fields.List(fields.String(validate=validate.OneOf(STATES)), load_default=list,
                        metadata={"description": "Repeat for several states: ?state=open&state=estimated."})
    advisor_id = Id(in_query=True, load_default=None)
    vehicle_id = Id(in_query=True, load_default=None)
    customer_id = Id(in_query=True, load_default=None)
    opened_from = Moment(load_default=None, metadata={"description": "Opened at or after (ISO 8601)."})
    opened_until = Moment(load_default=None, metadata={"description": "Opened before (ISO 8601)."})
    opened_on = Day(CALENDAR, load_default=None, metadata={
        "description": "Opened on this day at the store (replaces opened_from and opened_until)."})
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


class JobInSchema(Schema):
    concern = Text(required=True, max_length=500, min_length=1, metadata={
        "description": "Before approval the job joins the estimate; after, it is extra work (增项) waiting for "
                       "the owner's approval."})
    finding = Flag(load_default=False,
                             metadata={"description": "Found by a technician during the repair."})


class LineInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    payer = fields.String(load_default="customer", validate=validate.OneOf(PAYERS))
    manual_discount_bp = WholeNumber(load_default=0, validate=validate.Range(min=0, max=10_000), metadata={
        "description": BASIS_POINTS + " Above the store's limit it needs a service manager's token."})
    operation_id = Id(allow_none=True, load_default=None,
                         metadata={"description": "Labor: an operation of the store's catalogue."})
    description = Text(load_default="", max_length=200, metadata={
        "description": "Labor written in by hand (with hours and category), or a text replacing the "
                       "catalogue's."})
    hours = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_HOURS),
                  metadata={"description": HUNDREDTHS + " Defaults to the operation's flat-rate hours for the "
                                                        "car's model family."})
    category = fields.String(load_default="", validate=validate.OneOf(("",) + LABOR_CATEGORIES),
                             metadata={"description": "Labor written in by hand: its labor category."})
    part_id = Id(allow_none=True, load_default=None, metadata={"description": "Parts: a catalogue part."})
    quantity = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=1, max=10_000_000),
                     metadata={"description": THOUSANDTHS})


class LinePatchSchema(Schema):
    hours = WholeNumber(validate=validate.Range(min=1, max=MAX_HOURS), metadata={"description": HUNDREDTHS})
    quantity = WholeNumber(validate=validate.Range(min=1, max=10_000_000), metadata={"description": THOUSANDTHS})
    payer = fields.String(validate=validate.OneOf(PAYERS))
    manual_discount_bp = WholeNumber(validate=validate.Range(min=0, max=10_000), metadata={"description": BASIS_POINTS})


class ApprovalInSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(APPROVAL_METHODS))
    approver_name = Text(required=True, max_length=60, min_length=1)
    phone = Text(load_default="", max_length=20,
                          metadata={"description": "The number the owner was called on (phone approvals)."})
    signature = Text(load_default="", max_length=SIGNATURE_LENGTH, metadata={
        "description": "For method signature: the owner's signature as a PNG data URL (data:image/png;base64,...)."})
    aftermarket_consent = Flag(load_default=False, metadata={
        "description": "The owner agrees to the aftermarket (non-genuine) parts of the work approved."})
    note = Text(load_default="", max_length=200)


class QualityCheckInSchema(Schema):
    checklist = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(QC_ITEMS))),
                            values=Flag(), load_default=dict, metadata={
                                "description": "Item code -> checked. A pass needs every item: "
                                               + ", ".join(QC_ITEMS) + "."})
    reason = Text(load_default="", max_length=300,
                           metadata={"description": "Why it failed (required for fail_quality_check)."})


class PaymentInSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    amount_fen = WholeNumber(required=True, validate=validate.Range(min=1), metadata={"description": FEN})
    reference = Text(load_default="", max_length=60, metadata={
        "description": "Slip or transaction number; required except for cash."})


class TransitionInSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ORDER_ACTIONS), metadata={
        "description": "submit_estimate, approve_estimate (approval), dispatch, request_quality_check, "
                       "pass_quality_check / fail_quality_check (qc), settle (payments), deliver, "
                       "cancel (reason), approve_extra_work (job_ids, approval), decline_extra_work (job_ids, "
                       "reason)."})
    approval = fields.Nested(ApprovalInSchema, load_default=None, allow_none=True)
    qc = fields.Nested(QualityCheckInSchema, load_default=None, allow_none=True)
    payments = fields.List(fields.Nested(PaymentInSchema), load_default=list, validate=validate.Length(max=8),
                           metadata={"description": "Several may make up the total; stored_value pays from the "
                                                    "owner's membership card."})
    points_fen = WholeNumber(load_default=0, validate=validate.Range(min=0), metadata={
        "description": "settle: money off from the owner's membership points (at most the store's share of the "
                       "bill). " + FEN})
    job_ids = fields.List(Id(), load_default=list)
    reason = Text(load_default="", max_length=200)


class JobTransitionInSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(JOB_ACTIONS), metadata={
        "description": "assign (technician_ids: the job's technicians, 派工), clock_on, clock_off, mark_done "
                       "(the token's user, an assigned technician)."})
    technician_ids = fields.List(Id(), load_default=list)
    reason = Text(load_default="", max_length=200, metadata={
        "description": "mark_done of a job whose parts were not all issued: why (required then, kept on the "
                       "order's history)."})


# -- output ----------------------------------------------------------------------------------------

class LineOutSchema(Schema):
    id = fields.Integer()
    job_id = fields.Integer()
    kind = fields.String()
    payer = fields.String()
    description = fields.String()
    labor_operation_id = fields.Integer(allow_none=True)
    operation_code = fields.String()
    category = fields.String()
    hours = fields.Integer(allow_none=True, metadata={"description": HUNDREDTHS})
    rate_fen = fields.Integer(allow_none=True, metadata={"description": "Hourly rate. " + FEN})
    part_id = fields.Integer(allow_none=True)
    part_number = fields.String()
    unit = fields.String()
    quantity = fields.Integer(allow_none=True, metadata={"description": THOUSANDTHS})
    unit_price_fen = fields.Integer(allow_none=True, metadata={"description": FEN})
    genuine = Flag(metadata={"description": "Genuine (原厂件); false for aftermarket (副厂件)."})
    aftermarket_consent_id = fields.Integer(allow_none=True)
    reserved = fields.Integer(metadata={"description": THOUSANDTHS})
    issued = fields.Integer(metadata={"description": THOUSANDTHS})
    manual_discount_bp = fields.Integer(metadata={"description": BASIS_POINTS})
    amount_fen = fields.Integer(metadata={"description": "Hours x rate or quantity x price, rounded half up. " + FEN})
    discount_fen = fields.Integer(metadata={"description": FEN})
    discount_source = fields.String(metadata={"description": "member, campaign, manual or empty."})
    net_fen = fields.Integer(metadata={"description": "amount_fen - discount_fen. " + FEN})


class JobOutSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    position = fields.Integer()
    concern = fields.String()
    is_extra = Flag(metadata={"description": "Extra work (增项) added after the estimate was approved."})
    approval = fields.String(validate=validate.OneOf(JOB_APPROVALS))
    work = fields.String(validate=validate.OneOf(WORK_STATES))
    done_at = fields.DateTime(allow_none=True)
    technician_ids = fields.Function(lambda job: [a.technician_id for a in job.assignments])
    comeback_of_id = fields.Integer(allow_none=True)
    comeback_state = fields.String(allow_none=True)
    under_warranty = Flag()
    lines = fields.List(fields.Nested(LineOutSchema))


class ApprovalOutSchema(Schema):
    id = fields.Integer()
    subject = fields.String(metadata={"description": "estimate, extra_work or aftermarket_part."})
    job_ids = fields.List(fields.Integer())
    amount_fen = fields.Integer(metadata={"description": "What it added to the approved total. " + FEN})
    approved_total_fen = fields.Integer(metadata={"description": "The limit of the bill after it. " + FEN})
    method = fields.String()
    approver_name = fields.String()
    phone = fields.String()
    signed = fields.Function(lambda a: a.signature_png is not None,
                             metadata={"description": "A signature image is kept with the approval."})
    note = fields.String()
    recorded_by_name = fields.String()
    approved_at = fields.DateTime()


class EventOutSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    note = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    created_at = fields.DateTime()


class PaymentOutSchema(Schema):
    id = fields.Integer()
    method = fields.String()
    amount_fen = fields.Integer(metadata={"description": FEN + " Negative for refunds on a reversing order."})
    reference = fields.String()
    received_by_id = fields.Integer(allow_none=True)
    received_at = fields.DateTime()


class QualityCheckOutSchema(Schema):
    id = fields.Integer()
    passed = Flag()
    checklist = fields.Dict(keys=fields.String(), values=Flag())
    reason = fields.String()
    inspector_id = fields.Integer(allow_none=True)
    inspector_name = fields.String()
    signed_at = fields.DateTime()


class PayerTotalOutSchema(Schema):
    amount_fen = fields.Integer(metadata={"description": FEN})
    discount_fen = fields.Integer(metadata={"description": FEN})
    net_fen = fields.Integer(metadata={"description": FEN})


class TotalsOutSchema(Schema):
    basis = fields.String(metadata={"description": "estimate: the jobs on the estimate (before approval); billed: "
                                                   "the approved jobs; settled: fixed at settlement."})
    by_payer = fields.Dict(keys=fields.String(validate=validate.OneOf(PAYERS)),
                           values=fields.Nested(PayerTotalOutSchema))
    labor_fen = fields.Integer(metadata={"description": "Customer labor after discounts. " + FEN})
    parts_fen = fields.Integer(metadata={"description": "Customer parts after discounts. " + FEN})
    points_fen = fields.Integer(metadata={"description": "Redeemed membership points. " + FEN})
    total_fen = fields.Integer(metadata={"description": "What the owner pays. " + FEN})
    net_fen = fields.Integer(metadata={"description": "total_fen without VAT (round half up of total / (1 + rate))."})
    vat_fen = fields.Integer(metadata={"description": "total_fen - net_fen."})
    vat_rate_bp = fields.Integer(metadata={"description": BASIS_POINTS})
    approved_total_fen = fields.Integer(metadata={"description": "The most the owner agreed to pay. " + FEN})
    pending_fen = fields.Integer(metadata={"description": "What extra work waiting for the owner would add. " + FEN})


class OrderBriefSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    number = fields.String(metadata={"example": "RO-20261123-0042"})
    vehicle_id = fields.Integer()
    plate = fields.Function(lambda order: order.vehicle.plate)
    customer_id = fields.Integer()
    advisor_id = fields.Integer(allow_none=True)
    kind = fields.String(validate=validate.OneOf(ORDER_KINDS))
    state = fields.String(validate=validate.OneOf(STATES))
    promised_at = fields.DateTime(allow_none=True)
    opened_at = fields.DateTime()
    ready_at = fields.DateTime(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    approved_total_fen = fields.Integer(metadata={"description": "The most the owner agreed to pay. " + FEN})
    customer_total_fen = fields.Integer(allow_none=True, metadata={"description": "Fixed at settlement. " + FEN})
    reversal_of_id = fields.Integer(allow_none=True, metadata={"description": "A reversing order (红冲) names the "
                                                                             "settled order it cancels out."})


class OrderOutSchema(OrderBriefSchema):
    source_kind = fields.String(validate=validate.OneOf(SOURCE_KINDS), metadata={
        "description": "Where the order came from: front_desk, booking (check-in), rescue (tow-in), quick_lane."})
    source_ref = fields.Integer(allow_none=True, metadata={"description": "The booking, rescue or quick-lane "
                                                                         "package's id; null from the front desk."})
    odometer_km = fields.Integer(allow_none=True)
    fuel_eighths = fields.Integer(allow_none=True)
    damage_notes = fields.String()
    valuables = fields.String()
    notes = fields.String()
    cancel_reason = fields.String()
    points_fen = fields.Integer(metadata={"description": FEN})
    net_fen = fields.Integer(allow_none=True, metadata={"description": "Fixed at settlement. " + FEN})
    vat_fen = fields.Integer(allow_none=True, metadata={"description": "Fixed at settlement. " + FEN})
    vat_rate_bp = fields.Integer(allow_none=True, metadata={"description": "Fixed at settlement. " + BASIS_POINTS})
    late = Flag(metadata={"description": "Ready after, or not ready by, the promised time."})
    allowed_actions = fields.List(fields.String(), metadata={
        "description": "The actions of /transitions this token may take now (the order's state and the token's "
                       "roles), in workflow order: the same the order page offers."})
    jobs = fields.List(fields.Nested(JobOutSchema))
    approvals = fields.List(fields.Nested(ApprovalOutSchema))
    events = fields.List(fields.Nested(EventOutSchema))
    payments = fields.List(fields.Nested(PaymentOutSchema))
    quality_checks = fields.List(fields.Nested(QualityCheckOutSchema))
    totals = fields.Nested(TotalsOutSchema)


class OrderListSchema(Schema):
    items = fields.List(fields.Nested(OrderBriefSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


# -- the labor catalogue ---------------------------------------------------------------------------

class OperationInSchema(Schema):
    store_id = Id(metadata={"description": "Required for group-level tokens; defaults to "
                                                      "the token owner's store."})
    code = Text(required=True, max_length=40, min_length=1, metadata={
        "description": "Stored in upper case without spaces, unique per store.", "example": "MNT-OIL"})
    name = Text(required=True, max_length=40, min_length=1, metadata={"example": "更换机油机滤"})
    category = fields.String(required=True, validate=validate.OneOf(LABOR_CATEGORIES))
    hours = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_HOURS),
                           metadata={"description": "Flat-rate hours (标准工时). " + HUNDREDTHS, "example": 50})
    family_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(MODEL_FAMILIES)),
                               values=WholeNumber(validate=validate.Range(min=1, max=MAX_HOURS)),
                               load_default=dict, metadata={
                                   "description": "Model family -> its own flat-rate hours. " + HUNDREDTHS,
                                   "example": {"suv": 140}})
    active = Flag(load_default=True)


class OperationPatchSchema(OperationInSchema):
    class Meta:
        exclude = ("store_id",)


class OperationOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    category = fields.String()
    hours = fields.Integer(metadata={"description": HUNDREDTHS})
    family_hours = fields.Function(lambda op: {row.model_family: row.hours for row in op.family_hours},
                                   metadata={"description": "Model family -> hours. " + HUNDREDTHS})
    active = Flag()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OperationSearchArgsSchema(Schema):
    q = Text(load_default="", max_length=100, metadata={
        "description": "The start of a code, or of (or a word inside) a name. Without it, the catalogue in code order."})
    store_id = Id(in_query=True, load_default=None, metadata={"description": "One store (group-level tokens)."})
    include_inactive = Flag(in_query=True, load_default=False)
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


class OperationListSchema(Schema):
    items = fields.List(fields.Nested(OperationOutSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()

