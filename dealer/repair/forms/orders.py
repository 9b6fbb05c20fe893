"""The order desk's forms (orders, jobs, lines, approvals, workshop, settlement): the shape of the input only.

The rules are in `dealer.repair.services`.

Field names follow the services' arguments, so a DomainError's `field` lands beside the right input.
Money is typed in yuan, hours and quantities as decimals; the fields hand integers (fen, hundredths,
thousandths, basis points) to the views.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dealer import money
from dealer.forms import choices
from dealer.inputs import (
    CALENDAR,
    MAX_INT,
    MIN_INT,
    InSpan,
    TextRules,
    WholeNumberField,
    bounded_int,
    whole_number,
)
from dealer.repair.models import (
    ACCIDENT,
    BODY_PAINT,
    BOOKING,
    BY_PHONE,
    BY_SIGNATURE,
    CUSTOMER,
    FRONT_DESK,
    GENERAL_REPAIR,
    INSURANCE,
    INTERNAL,
    JOB_APPROVED,
    JOB_DECLINED,
    JOB_ESTIMATE,
    JOB_PENDING,
    MAINTENANCE,
    ONLINE,
    QUICK_LANE,
    RESCUE,
    WARRANTY,
    WARRANTY_PAYER,
    WORK_DONE,
    WORK_STARTED,
    WORK_WAITING,
)
from dealer.repair.services.workshop import QC_ITEMS
from dealer.timezones import store_zone

SOURCE_LABELS = {FRONT_DESK: _l("Front desk"), BOOKING: _l("Booking"), RESCUE: _l("Rescue tow-in"),
                 QUICK_LANE: _l("Quick lane")}
KIND_LABELS = {MAINTENANCE: _l("Maintenance"), GENERAL_REPAIR: _l("General repair"),
               BODY_PAINT: _l("Body and paint"), WARRANTY: _l("Warranty"),
               ACCIDENT: _l("Accident / insurance")}
CATEGORY_LABELS = {"mechanical": _l("Mechanical"), "electrical": _l("Electrical"), "body": _l("Body"),
                   "paint": _l("Paint"), "maintenance": _l("Maintenance"), "diagnosis": _l("Diagnosis")}
PAYER_LABELS = {CUSTOMER: _l("Customer"), WARRANTY_PAYER: _l("Warranty (maker)"), INSURANCE: _l("Insurance"),
                INTERNAL: _l("Internal")}
JOB_APPROVAL_LABELS = {JOB_ESTIMATE: _l("On the estimate"), JOB_APPROVED: _l("Approved"),
                       JOB_PENDING: _l("Waiting for the owner"), JOB_DECLINED: _l("Declined")}
WORK_LABELS = {WORK_WAITING: _l("Waiting"), WORK_STARTED: _l("Started"), WORK_DONE: _l("Done")}
APPROVAL_METHOD_LABELS = {BY_SIGNATURE: _l("Signed on screen"), BY_PHONE: _l("Phone"), ONLINE: _l("Online")}
APPROVAL_SUBJECT_LABELS = {"estimate": _l("Estimate"), "extra_work": _l("Extra work"),
                           "aftermarket_part": _l("Aftermarket part")}
PAYMENT_METHOD_LABELS = {"cash": _l("Cash"), "bank_card": _l("Bank card"), "wechat_pay": _l("WeChat Pay"),
                         "alipay": _l("Alipay"), "transfer": _l("Bank transfer"),
                         "stored_value": _l("Stored-value card")}
FUEL_LABELS = {0: _l("Empty"), 1: "1/8", 2: "1/4", 3: "3/8", 4: "1/2", 5: "5/8", 6: "3/4", 7: "7/8",
               8: _l("Full")}
# Steps of the order's history (OrderEvent.action).
EVENT_LABELS = {
    "open": _l("Order opened"), "submit_estimate": _l("Estimate presented"),
    "approve_estimate": _l("Estimate approved"), "dispatch": _l("Dispatched to the workshop"),
    "request_quality_check": _l("Sent to quality check"), "pass_quality_check": _l("Quality check passed"),
    "fail_quality_check": _l("Quality check failed"), "settle": _l("Settled"), "deliver": _l("Handed over"),
    "cancel": _l("Cancelled"), "promise_changed": _l("Promised time changed"),
    "extra_work_added": _l("Extra work added"), "extra_work_reported": _l("Finding reported"),
    "extra_work_approved": _l("Extra work approved"), "extra_work_declined": _l("Extra work declined"),
    "extra_work_back_to_workshop": _l("Back to the workshop for extra work"),
    "assigned": _l("Technicians assigned"),
    "job_done": _l("Job done"), "job_done_parts_not_issued": _l("Job done with parts not issued"),
    "opened_beside_open_order": _l("Opened while another order of the car is open"),
    "comeback_confirmed": _l("Comeback confirmed"),
    "comeback_dismissed": _l("Comeback dismissed"), "reversed": _l("Reversed"),
    "reversal": _l("Reversing order"),
    "owner_opened_progress": _l("The owner opened the progress page"),  # booking: the owner's link
}

_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
_ROW = {"autocomplete": "off"}


def to_utc(local: datetime | None, store) -> datetime | None:
    """Read a datetime-local typed at the store (naive, the store's wall clock) as an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=store_zone(store)).astimezone(timezone.utc)


def to_local(moment: datetime | None, store) -> datetime | None:
    """Show an aware datetime on the store's wall clock, naive, for a datetime-local input."""
    if moment is None:
        return None
    return moment.astimezone(store_zone(store)).replace(tzinfo=None, second=0, microsecond=0)


class _ScaledField(StringField):
    """A decimal typed by a person ("1.5", "4.500"); `data` is an integer of `scale` units per one."""

    scale = 1
    message = _l("Enter a number.")

    def parse(self, text: str) -> int:
        return money.parse_scaled(text, self.scale)

    def show(self, value: int) -> str:
        return money.scaled(value, self.scale)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                number = self.parse(valuelist[0])
            except (ValueError, InvalidOperation):
                raise ValueError(self.message) from None
            if not MIN_INT <= number <= MAX_INT:  # more than any column holds
                raise ValueError(self.message)
            self.data = number

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else ""


class YuanField(_ScaledField):
    """An amount in yuan ("128.5", "1,280.00", "¥99"); `data` is integer fen."""

    message = _l("Enter an amount in yuan with at most two decimals, e.g. 128.50.")

    def parse(self, text):
        return money.parse_yuan(text)

    def show(self, value):
        return money.yuan(value).replace(",", "")


class HoursField(_ScaledField):
    """Hours ("1.5"); `data` is hundredths of an hour."""

    scale = money.HOURS_SCALE
    message = _l("Enter hours with at most two decimals, e.g. 1.5.")


class QuantityField(_ScaledField):
    """A quantity ("2", "4.5"); `data` is thousandths of the unit."""

    scale = money.QUANTITY_SCALE
    message = _l("Enter a quantity with at most three decimals, e.g. 2 or 4.5.")


class PercentField(_ScaledField):
    """A percentage ("10", "7.5"); `data` is basis points (10% = 1000)."""

    scale = 100
    message = _l("Enter a percentage with at most two decimals, e.g. 10.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value):
    return bounded_int(value) if value not in (None, "", "None") else None


# -- opening and changing an order ---------------------------------------------------------------

class OrderForm(FlaskForm):
    concerns = TextAreaField(_l("The owner's concerns, in their words (one per line)"),
                             validators=[DataRequired(), TextRules(5000, multiline=True)], render_kw={"rows": 3})
    kind = SelectField(_l("Kind of work"), choices=choices(KIND_LABELS.items()), default=GENERAL_REPAIR)
    odometer_km = WholeNumberField(_l("Odometer (km)"), validators=[Optional(), NumberRange(0, 3_000_000)],
                               render_kw={"inputmode": "numeric", "autocomplete": "off"})
    odometer_is_correction = BooleanField(
        _l("The reading is a correction (it may be lower than the last one)"))
    odometer_note = StringField(_l("Reason for the correction"), validators=[Optional(), TextRules(200)])
    fuel_eighths = SelectField(_l("Fuel level"), coerce=_optional_int, validate_choice=False,
                               choices=choices([("", _l("(not noted)"))]
                                               + [(str(k), v) for k, v in FUEL_LABELS.items()]))
    damage_notes = TextAreaField(_l("Existing damage seen at the walk-around"),
                                 validators=[Optional(), TextRules(2000, multiline=True)], render_kw={"rows": 2})
    valuables = StringField(_l("Valuables left in the car"), validators=[Optional(), TextRules(200)])
    promised_at = DateTimeLocalField(_l("Promised ready time"), format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired(message=_l("Promise the owner a time.")),
                                                 InSpan(CALENDAR)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), TextRules(2000, multiline=True)], render_kw={"rows": 2})
    despite_open_order = BooleanField(_l("Open a second order for this car all the same"))
    submit = SubmitField(_l("Open the repair order"))

    def concern_list(self) -> list[str]:
        return [line.strip() for line in (self.concerns.data or "").splitlines() if line.strip()]


class OrderEditForm(FlaskForm):
    promised_at = DateTimeLocalField(_l("Promised ready time"), format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired(message=_l("Promise the owner a time.")),
                                                 InSpan(CALENDAR)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), TextRules(2000, multiline=True)], render_kw={"rows": 2})
    submit = SubmitField(_l("Save"))


class JobForm(FlaskForm):
    concern = StringField(_l("Work to add"), validators=[DataRequired(), TextRules(500)], render_kw=_ROW)
    submit = SubmitField(_l("Add"))


class FindingForm(FlaskForm):
    concern = StringField(_l("What you found (needs the owner's approval)"),
                          validators=[DataRequired(), TextRules(500)], render_kw=_ROW)
    submit = SubmitField(_l("Report the finding"))


# -- lines ---------------------------------------------------------------------------------------

class _LineFields(FlaskForm):
    payer = SelectField(_l("Payer"), choices=choices(PAYER_LABELS.items()), default=CUSTOMER)
    manual_discount = PercentField(_l("Discount %"), validators=[Optional()], render_kw=_DECIMAL)


class _AddLineFields(_LineFields):
    """The order page's one add-line form: choose the job, then add labor or a part to it.

    The labor and the parts form are one HTML form with two submit buttons (each posts to its own route); with
    the same prefix ("add") they share the job, the payer, the discount and the CSRF token.
    """

    job_id = SelectField(_l("Job"), coerce=bounded_int)


class LaborLineForm(_AddLineFields):
    # Chosen from the catalogue search (radio buttons htmx puts in the form), or left empty to write in.
    operation_id = HiddenField()
    description = StringField(_l("Description (or leave empty for the operation's name)"),
                              validators=[Optional(), TextRules(200)], render_kw=_ROW)
    hours = HoursField(_l("Hours"), validators=[Optional()], render_kw=_DECIMAL)
    category = SelectField(_l("Labor category"), choices=choices([("", _l("(from the operation)"))]
                                                                 + list(CATEGORY_LABELS.items())),
                           validators=[Optional()])
    submit = SubmitField(_l("Add labor"))

    def operation(self) -> int | None:
        return whole_number(self.operation_id.data)


class PartsLineForm(_AddLineFields):
    part_id = HiddenField()
    quantity = QuantityField(_l("Quantity"), validators=[InputRequired()], render_kw=_DECIMAL, default=1000)
    submit = SubmitField(_l("Add part"))

    def part(self) -> int | None:
        return whole_number(self.part_id.data)


class LineEditForm(_LineFields):
    hours = HoursField(_l("Hours"), validators=[Optional()], render_kw=_DECIMAL)
    quantity = QuantityField(_l("Quantity"), validators=[Optional()], render_kw=_DECIMAL)
    submit = SubmitField(_l("Save"))


# -- approvals -----------------------------------------------------------------------------------

class ApprovalForm(FlaskForm):
    """The owner's approval: a signature drawn on the screen, or a phone call (who, which number)."""

    job_ids = MultiCheckboxField(_l("Extra work the owner approves"), coerce=bounded_int, validate_choice=False)
    method = RadioField(_l("How the owner approves"), default=BY_SIGNATURE,
                        choices=choices([(BY_SIGNATURE, _l("Signature on this screen")),
                                         (BY_PHONE, _l("By phone"))]))
    approver_name = StringField(_l("Name of the person approving"),
                                validators=[DataRequired(), TextRules(60)])
    phone = StringField(_l("Number called"), validators=[Optional(), TextRules(20)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    signature = HiddenField()  # the canvas as a data:image/png;base64 URL (static/repair/signature.js)
    aftermarket_consent = BooleanField(_l("The owner agrees to the aftermarket (non-genuine) parts listed"))
    note = StringField(_l("Note"), validators=[Optional(), TextRules(200)])
    submit = SubmitField(_l("Record the approval"))


class DeclineForm(FlaskForm):
    job_ids = MultiCheckboxField(_l("Extra work the owner declines"), coerce=bounded_int, validate_choice=False)
    reason = StringField(_l("Reason"), validators=[Optional(), TextRules(200)])
    submit = SubmitField(_l("Record the refusal"))


# -- the workshop --------------------------------------------------------------------------------

class AssignForm(FlaskForm):
    technicians = MultiCheckboxField(_l("Technicians"), coerce=bounded_int, validate_choice=False)
    submit = SubmitField(_l("Assign"))


class JobDoneForm(FlaskForm):
    """Mark a job done; the reason is asked only when parts of it were never issued."""

    reason = StringField(_l("Why is the job done without these parts?"), validators=[Optional(), TextRules(200)])
    submit = SubmitField(_l("Mark done"))


class QualityCheckForm(FlaskForm):
    checklist = MultiCheckboxField(_l("Checklist"), choices=choices(QC_ITEMS.items()), validate_choice=False)
    result = RadioField(_l("Result"), choices=choices([("pass", _l("Pass: the car is ready")),
                                                      ("fail", _l("Fail: back to the workshop"))]),
                        validators=[InputRequired(message=_l("Choose pass or fail."))])
    reason = StringField(_l("Reason (when it fails)"), validators=[Optional(), TextRules(300)])
    submit = SubmitField(_l("Sign the quality check"))


# -- money ---------------------------------------------------------------------------------------

class PaymentRow(Form):
    """One payment (or refund): method, amount, reference. A row with no amount is left out."""

    method = SelectField(_l("Method"), choices=choices(PAYMENT_METHOD_LABELS.items()), default="cash")
    amount = YuanField(_l("Amount (yuan)"), validators=[Optional()], render_kw=_DECIMAL)
    reference = StringField(_l("Reference (slip or transaction number)"),
                            validators=[Optional(), TextRules(60)], render_kw=_ROW)


class SettleForm(FlaskForm):
    # Money off from the owner's membership points (积分抵扣); the membership module checks and spends them.
    points = YuanField(_l("Paid with points (yuan off)"), validators=[Optional()], render_kw=_DECIMAL)
    payments = FieldList(FormField(PaymentRow), min_entries=3, max_entries=8)
    submit = SubmitField(_l("Take payment and settle"))


class ReverseForm(FlaskForm):
    reason = StringField(_l("Why the order is reversed"), validators=[DataRequired(), TextRules(200)])
    payments = FieldList(FormField(PaymentRow), min_entries=2, max_entries=8)
    submit = SubmitField(_l("Reverse the order (红冲)"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Why the order is cancelled"), validators=[DataRequired(), TextRules(200)])
    submit = SubmitField(_l("Cancel the order"))

