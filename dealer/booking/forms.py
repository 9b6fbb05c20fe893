"""The booking forms (public pages and the staff's actions) and the labels of what a booking is."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from dealer.forms import choices
from dealer.inputs import CALENDAR, InSpan, TextRules, WholeNumberField, bounded_int

SERVICE_LABELS = {"maintenance": _l("Maintenance"), "repair": _l("Repair"), "quick_lane": _l("Quick-lane package"),
                  "body_paint": _l("Body and paint"), "inspection": _l("Annual inspection")}
DAY_PART_LABELS = {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "evening": _l("Evening service")}
STATE_LABELS = {"booked": _l("Booked"), "checked_in": _l("Checked in"), "cancelled": _l("Cancelled"),
                "no_show": _l("No-show")}


def _optional_int(value):
    return bounded_int(value) if value not in (None, "", "None") else None


class HoldForm(FlaskForm):
    """The time the owner picked (one button per free time)."""

    starts_at = HiddenField(validators=[DataRequired(), TextRules(40)])


class DetailsForm(FlaskForm):
    """Who books and which car; first "send code", then "confirm" with the code."""

    name = StringField(_l("Your name"), validators=[DataRequired(), TextRules(40)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), TextRules(20)])
    plate = StringField(_l("Plate"), validators=[DataRequired(), TextRules(12)])
    model = StringField(_l("Model"), validators=[Optional(), TextRules(60)])
    # 一对一: the owner's own advisor (preselected at booking when the store knows the plate and the mobile)
    advisor_id = SelectField(_l("Your service advisor"), coerce=_optional_int, validate_choice=False, default=None)
    note = TextAreaField(_l("What should we look at?"), validators=[Optional(), TextRules(500, multiline=True)])
    code = StringField(_l("SMS code"), validators=[Optional(), Length(max=6), TextRules(6)])
    key = HiddenField(validators=[DataRequired(), TextRules(64)])
    send = SubmitField(_l("Send code"))
    confirm = SubmitField(_l("Confirm booking"))


class ActionForm(FlaskForm):
    """A staff action on a booking (check in, cancel, no-show): the CSRF token only."""

    submit = SubmitField(_l("OK"))


class CheckInForm(ActionForm):
    """Check-in: the VIN off the registration (行驶证) when the car has no file yet."""

    vin = StringField(_l("VIN"), validators=[Optional(), TextRules(17)])
    # A quick-lane booking: the package picked with the owner and the key tag open a quick-lane order.
    package_id = SelectField(_l("Quick-lane package"), coerce=_optional_int, validate_choice=False, default=None)
    key_tag = StringField(_l("Key tag"), validators=[Optional(), TextRules(10)])


class OverbookForm(FlaskForm):
    """A manager books a full time for an owner on the phone, with the reason on record (超额预约)."""

    service_kind = SelectField(_l("Service"), choices=choices(SERVICE_LABELS.items()))
    starts_at = DateTimeLocalField(_l("Time"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Choose the time.")), InSpan(CALENDAR)])
    name = StringField(_l("Owner's name"), validators=[DataRequired(), TextRules(40)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), TextRules(20)])
    plate = StringField(_l("Plate"), validators=[DataRequired(), TextRules(12)])
    reason = StringField(_l("Why book it although it is full?"), validators=[DataRequired(), TextRules(200)])
    submit = SubmitField(_l("Book anyway"))


WEEKDAY_LABELS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday")]


class HoursForm(FlaskForm):
    """One day part of one weekday: open from, until (HH:MM), or closed."""

    weekday = SelectField(_l("Weekday"), coerce=bounded_int, choices=choices(enumerate(WEEKDAY_LABELS)))
    day_part = SelectField(_l("Part of the day"), choices=choices(DAY_PART_LABELS.items()))
    opens = StringField(_l("Opens"), validators=[Optional(), TextRules(5)])
    closes = StringField(_l("Last start before"), validators=[Optional(), TextRules(5)])
    closed = BooleanField(_l("No bookings in this part"))
    submit = SubmitField(_l("Save hours"))


class ClosedDayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Choose the day.")), InSpan(CALENDAR)])
    reason = StringField(_l("Reason"), validators=[Optional(), TextRules(60)])
    submit = SubmitField(_l("Close this day"))


class CapacityForm(FlaskForm):
    """What a day part offers one service: technician minutes and bays; the service's labor minutes."""

    day_part = SelectField(_l("Part of the day"), choices=choices(DAY_PART_LABELS.items()))
    service_kind = SelectField(_l("Service"), choices=choices(SERVICE_LABELS.items()))
    capacity_minutes = WholeNumberField(_l("Technician minutes"), validators=[InputRequired(), NumberRange(0, 100_000)])
    bays = WholeNumberField(_l("Bays"), validators=[InputRequired(), NumberRange(0, 200)])
    labor_minutes = WholeNumberField(_l("Standard labor minutes"), validators=[InputRequired(), NumberRange(5, 1440)])
    active = BooleanField(_l("Bookable online"), default=True)
    submit = SubmitField(_l("Save capacity"))


class SettingsForm(FlaskForm):
    checkins_per_quarter = WholeNumberField(_l("Check-ins per quarter hour"),
                                            validators=[InputRequired(), NumberRange(1, 50)])
    hold_minutes = WholeNumberField(_l("Minutes a picked time is held"), validators=[InputRequired(), NumberRange(1, 30)])
    change_hours_before = WholeNumberField(_l("Owners may change online up to (hours before)"),
                                           validators=[InputRequired(), NumberRange(0, 168)])
    daily_code_ceiling = WholeNumberField(_l("SMS codes a day (against SMS pumping)"),
                                          validators=[InputRequired(), NumberRange(0, 100_000)])
    submit = SubmitField(_l("Save settings"))
