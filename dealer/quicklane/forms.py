"""The quick lane's page forms: the package (manager), the lane's settings, opening an order, a stage tap."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from dealer.forms import choices
from dealer.inputs import TextRules, WholeNumberField, bounded_int
from dealer.quicklane.models import STAGES
from dealer.repair.forms.orders import HoursField, QuantityField, YuanField
from dealer.repair.models import BY_PHONE, IN_PERSON

ITEM_ROWS = 6


class ItemForm(Form):
    """One row of a package: a part ("p<id>") with its quantity, or a labor operation ("o<id>") with hours."""

    item = SelectField(_l("Part or labor"), choices=[], validate_choice=False)
    quantity = QuantityField(_l("Quantity"), validators=[Optional()])
    hours = HoursField(_l("Hours"), validators=[Optional()])


class PackageForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), TextRules(20)])
    name = StringField(_l("Name"), validators=[DataRequired(), TextRules(60)])
    price = YuanField(_l("Package price (yuan)"), validators=[DataRequired()])
    bay_minutes = WholeNumberField(_l("Minutes in the bay"), validators=[DataRequired(), NumberRange(1, 480)])
    wash_minutes = WholeNumberField(_l("Minutes at the wash (0: no wash)"), default=15,
                                    validators=[Optional(), NumberRange(0, 120)])
    interval_km = WholeNumberField(_l("Maintenance interval it serves (km)"),
                                   validators=[Optional(), NumberRange(500, 200_000)])
    active = BooleanField(_l("Offered"), default=True)
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=ITEM_ROWS)
    submit = SubmitField(_l("Save package"))


def _optional_int(value):
    return bounded_int(value) if value not in (None, "", "None") else None


class SettingsForm(FlaskForm):
    bays = WholeNumberField(_l("Bays"), validators=[DataRequired(), NumberRange(1, 20)])
    cap_per_quarter = WholeNumberField(_l("Waiting owners per quarter hour at most"),
                                       validators=[DataRequired(), NumberRange(1, 50)])
    close_by = StringField(_l("Close the day by (HH:MM)"), default="19:00",
                           validators=[Optional(), TextRules(5)], render_kw={"type": "time"})
    close_reminder_sms = BooleanField(_l("Also text the manager on duty"))
    duty_manager_id = SelectField(_l("Manager on duty"), coerce=_optional_int, choices=[], validate_choice=False,
                                  validators=[Optional()])
    lounge_name = StringField(_l("Name on the lounge screen (empty: the store's)"),
                              validators=[Optional(), TextRules(60)])
    lounge_locale = SelectField(_l("Language of the lounge screen"), choices=choices(
        [("", _l("Default (Simplified Chinese)")), ("zh_Hans_CN", "简体中文"), ("en", "English")]),
        validate_choice=False)  # the service refuses another
    submit = SubmitField(_l("Save settings"))


class ShiftForm(FlaskForm):
    user_id = WholeNumberField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(1)])
    on_shift = SelectField(choices=choices([("1", "1"), ("0", "0")]))


class OpenForm(FlaskForm):
    package_id = SelectField(_l("Express package"), coerce=bounded_int, choices=[], validate_choice=False)
    key_tag = StringField(_l("Key tag number"), validators=[DataRequired(), TextRules(10)])
    odometer_km = WholeNumberField(_l("Odometer (km)"), validators=[Optional(), NumberRange(0, 3_000_000)])
    # Shown for a car filed without its VIN (booked online): read off its registration certificate (行驶证).
    vin = StringField(_l("VIN (from the registration certificate)"), validators=[Optional(), TextRules(17)])
    promised_at = StringField(widget=HiddenInput(), validators=[Optional(), TextRules(40)])
    submit = SubmitField(_l("The owner agrees: take the key"))


class StageForm(FlaskForm):
    to_stage = SelectField(choices=choices((stage, stage) for stage in STAGES[1:]))
    version = WholeNumberField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(1)])
    bay = SelectField(_l("Bay"), coerce=bounded_int, choices=[], validate_choice=False, validators=[Optional()])
    technician_id = SelectField(_l("Technician"), coerce=bounded_int, choices=[], validate_choice=False,
                                validators=[Optional()])


class ExtraWorkForm(FlaskForm):
    """Extra work found in the bay (增项): what, one part or labor operation, and the minutes it adds."""

    concern = StringField(_l("Extra work found"), validators=[DataRequired(), TextRules(200)])
    item = SelectField(_l("Part or labor"), choices=[], validate_choice=False)
    quantity = QuantityField(_l("Quantity"), validators=[Optional()])
    hours = HoursField(_l("Hours"), validators=[Optional()])
    minutes = WholeNumberField(_l("Extra minutes in the bay"), validators=[DataRequired(), NumberRange(1, 480)])
    submit = SubmitField(_l("Show the owner"))


class ConsentForm(FlaskForm):
    """The owner's answer to extra work: approved (who consented, how) or declined (why, if they say)."""

    approved = StringField(widget=HiddenInput(), validators=[DataRequired(), TextRules(1), AnyOf(("1", "0"))])
    method = SelectField(_l("How the owner consented"),
                         choices=choices([(IN_PERSON, _l("In person")), (BY_PHONE, _l("By phone"))]))
    approver_name = StringField(_l("Name of the person who consented"), validators=[Optional(), TextRules(60)])
    phone = StringField(_l("Number called"), validators=[Optional(), TextRules(20)])
    reason = StringField(_l("Why the owner declined"), validators=[Optional(), TextRules(200)])


class CloseDayForm(FlaskForm):
    """Closing the day for one car: carry it over or close it, with the reason."""

    version = WholeNumberField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(1)])
    action = StringField(widget=HiddenInput(), validators=[DataRequired(), TextRules(10),
                                                           AnyOf(("carry", "close"))])
    reason = StringField(_l("Reason"), validators=[Optional(), TextRules(200)])
