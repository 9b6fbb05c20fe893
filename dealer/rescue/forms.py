"""The rescue pages' forms: the intake screen (autosaved field by field), dispatch, cancel, units."""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import HiddenInput

from dealer.forms import MultiCheckboxField, choices
from dealer.inputs import CALENDAR, InSpan, TextRules, WholeNumberField
from dealer.rescue.geo import SYSTEMS
from dealer.rescue.labels import AREA_LABELS, FAULT_LABELS, SYSTEM_LABELS, UNIT_KIND_LABELS
from dealer.rescue.models import CAPABILITIES, RescueCall, RescueUnit

DRIVABLE = {"": _l("Not known yet"), "yes": _l("Can be driven"), "no": _l("Cannot be driven")}
CAPABILITY_LABELS = {"towing": _l("Towing"), "flatbed": _l("Flatbed"), "jump_start": _l("Jump start"),
                     "tyre_change": _l("Tyre change"), "fuel_delivery": _l("Fuel delivery"),
                     "lockout": _l("Lockout"), "minor_repair": _l("Minor repair"),
                     "accident_scene": _l("Accident scene")}


def degrees(text: str | None) -> float | None:
    """A coordinate typed or pasted: a finite decimal number, or None."""
    try:
        value = float((text or "").strip().replace("，", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class IntakeForm(FlaskForm):
    """The one intake screen. Every field autosaves; the phone number opens the call."""

    intake_key = StringField(widget=HiddenInput(), validators=[TextRules(36)])
    caller_phone = StringField(_l("Caller's phone"), validators=[Optional(), TextRules(20)])
    caller_name = StringField(_l("Caller's name"), validators=[Optional(), TextRules(column=RescueCall.caller_name)])
    plate = StringField(_l("Plate"), validators=[Optional(), TextRules(column=RescueCall.plate)])
    vehicle_id = StringField(widget=HiddenInput(), validators=[Optional(), TextRules(12)])
    shown_customer = StringField(widget=HiddenInput(), validators=[Optional(), TextRules(12)])  # the panel shown
    address = StringField(_l("Where (address, landmark)"), validators=[Optional(), TextRules(column=RescueCall.address)])
    latitude = StringField(_l("Latitude"), validators=[Optional(), TextRules(20)])
    longitude = StringField(_l("Longitude"), validators=[Optional(), TextRules(20)])
    coordinate_system = SelectField(_l("Coordinates from"), choices=choices(
        (code, SYSTEM_LABELS[code]) for code in SYSTEMS), default="gcj02")
    area = SelectField(_l("Area"), choices=choices(AREA_LABELS.items()), default="town")
    fault_type = SelectField(_l("What went wrong"), choices=choices([("", _l("Choose..."))] + list(FAULT_LABELS.items())),
                             default="")
    concern = TextAreaField(_l("What the caller says"), validators=[Optional(), TextRules(column=RescueCall.concern,
                                                                                          multiline=True)])
    drivable = SelectField(_l("Can it be driven?"), choices=choices(DRIVABLE.items()), default="")
    tow_needed = BooleanField(_l("Tow needed"))
    needs_flatbed = BooleanField(_l("Needs a flatbed (EV, AWD, lowered car)"))
    injuries = BooleanField(_l("Anyone injured"))
    on_expressway = BooleanField(_l("On an expressway (高速)"))
    children_waiting = BooleanField(_l("Children waiting"))
    ev_low_charge = BooleanField(_l("EV at low charge"))


class DispatchForm(FlaskForm):
    responder = StringField(widget=HiddenInput(), validators=[DataRequired(), TextRules(30)])
    override_reason = StringField(_l("Why this one"), validators=[Optional(), TextRules(300)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), TextRules(300)])


class PlateForm(FlaskForm):
    plate = StringField(_l("Plate"), validators=[DataRequired(), TextRules(column=RescueCall.plate)])


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), TextRules(column=RescueUnit.name)])
    kind = SelectField(_l("Kind"), choices=choices(UNIT_KIND_LABELS.items()))
    crew = StringField(_l("Crew"), validators=[Optional(), TextRules(column=RescueUnit.crew)])
    phone = StringField(_l("Crew phone"), validators=[DataRequired(), TextRules(20)])
    capabilities = MultiCheckboxField(_l("Can do"), choices=choices((c, CAPABILITY_LABELS[c]) for c in CAPABILITIES))


class SettingsForm(FlaskForm):
    """The store's rescue settings, in whole minutes (the service checks the bounds)."""

    dispatch_target_minutes = WholeNumberField(_l("Dispatch within (minutes)"), validators=[InputRequired()])
    arrival_town_minutes = WholeNumberField(_l("On scene in town within (minutes)"), validators=[InputRequired()])
    arrival_outside_minutes = WholeNumberField(_l("On scene outside town within (minutes)"),
                                               validators=[InputRequired()])
    station_accept_minutes = WholeNumberField(_l("A partner station accepts within (minutes)"),
                                              validators=[InputRequired()])
    stale_position_minutes = WholeNumberField(_l("A unit's position is stale after (minutes)"),
                                              validators=[InputRequired()])
    eta_slip_minutes = WholeNumberField(_l("Tell the owner again when the arrival slips by (minutes)"),
                                        validators=[InputRequired()])


def minute_of_day(text: str | None) -> int | None:
    """"08:30" -> 510; None for an empty or malformed time."""
    hours, _, minutes = (text or "").strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        return None
    hours, minutes = int(hours), int(minutes)
    return hours * 60 + minutes if hours < 24 and minutes < 60 else None


class CoverageForm(FlaskForm):
    """A partner station's coverage: radius (whole km) and hours (both empty: 24 h)."""

    radius_km = WholeNumberField(_l("Radius (km)"), validators=[InputRequired()])
    opens = StringField(_l("Opens (HH:MM)"), validators=[Optional(), TextRules(5)])
    closes = StringField(_l("Closes (HH:MM)"), validators=[Optional(), TextRules(5)])


class SearchForm(FlaskForm):
    """The closed-call search (GET, no CSRF): received between two days, a plate or its beginning, a phone."""

    start = DateField(_l("From"), validators=[Optional(), InSpan(CALENDAR)])
    end = DateField(_l("To"), validators=[Optional(), InSpan(CALENDAR)])
    plate = StringField(_l("Plate"), validators=[Optional(), TextRules(20)])
    phone = StringField(_l("Phone"), validators=[Optional(), TextRules(24)])


class HandoverForm(FlaskForm):
    """The outgoing dispatcher's note (the open calls and units are listed automatically)."""

    note = TextAreaField(_l("Handover note"), validators=[Optional(), TextRules(2000, multiline=True)])


class ClaimForm(FlaskForm):
    """The accident claim's insurer details (代办理赔)."""

    insurer = StringField(_l("Insurer"), validators=[DataRequired(), TextRules(60)])
    policy_number = StringField(_l("Policy number"), validators=[Optional(), TextRules(40)])
    report_number = StringField(_l("Insurer's report number"), validators=[DataRequired(), TextRules(40)])


class ClaimStepForm(FlaskForm):
    """A claim's next step: the amount (yuan) when approved or paid, the reason when refused."""

    amount = StringField(_l("Amount (yuan)"), validators=[Optional(), TextRules(20)])
    reason = StringField(_l("Reason"), validators=[Optional(), TextRules(300)])


class MapForm(FlaskForm):
    """The board's map: the tile address (empty: no map) and the tiles' coordinate system."""

    tile_url = StringField(_l("Map tiles address ({z}/{x}/{y})"), validators=[Optional(), TextRules(300)])
    tile_system = SelectField(_l("The tiles' coordinate system"), choices=choices([
        ("wgs84", _l("WGS-84 (OpenStreetMap-style tiles)")), ("gcj02", _l("GCJ-02 (AMap-style tiles)"))]))
