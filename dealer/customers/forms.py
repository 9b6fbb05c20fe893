from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional

from dealer.customers.models import USE_COMMERCIAL, USE_PRIVATE
from dealer.customers.validators import (
    InvalidValue,
    normalize_mobile,
    normalize_phone,
    normalize_plate,
    normalize_vin,
)
from dealer.forms import choices
from dealer.inputs import BIRTHDAY, EXPIRY, PAST, InSpan, TextRules, WholeNumberField, bounded_int
from dealer.stores.families import families_of, family_choices

USE_LABELS = {USE_PRIVATE: _l("Private"), USE_COMMERCIAL: _l("Commercial")}
# Where the customer file was opened (Customer.source).
SOURCE_LABELS = {"desk": _l("Front desk"), "online_booking": _l("Online booking"), "rescue": _l("Rescue call"),
                 "member_join": _l("Joined as a member online")}
# Inspection classes (dealer.reminders.rules): what decides the annual-inspection schedule.
CLASS_LABELS = {"small_passenger": _l("Small passenger car (up to 9 seats)"), "van": _l("Van (minibus)"),
                "large_passenger": _l("Large or medium passenger vehicle"), "truck": _l("Truck")}


def check_formats(form, checks: dict) -> bool:
    """Run the front desk's format checks (validators.py) on the fields that passed their own validators.

    Part of the form's validation, so that a wrong mobile or VIN shows beside every other error at once.
    """
    valid = True
    for name, check in checks.items():
        field = form._fields[name]
        if field.data and not field.errors:
            try:
                check(field.data)
            except InvalidValue as error:
                field.errors = list(field.errors) + [str(error.message)]
                valid = False
    return valid


class CustomerForm(FlaskForm):
    store = SelectField(_l("Store"), coerce=bounded_int, validate_choice=False)
    name = StringField(_l("Name"), validators=[DataRequired(), TextRules(40)])
    mobile = StringField(_l("Mobile"), validators=[DataRequired(), TextRules(20)],
                         render_kw={"inputmode": "tel", "autocomplete": "off"})
    phone2 = StringField(_l("Second phone"), validators=[Optional(), TextRules(20)])
    marketing_consent = BooleanField(_l("Agrees to receive marketing SMS (campaigns, greetings)"))
    birthday = DateField(_l("Birthday"), validators=[Optional(), InSpan(BIRTHDAY)])
    advisor = SelectField(_l("Dedicated service advisor"), coerce=bounded_int, validate_choice=False)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), TextRules(2000, multiline=True)])
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return check_formats(self, {"mobile": normalize_mobile, "phone2": normalize_phone}) and valid


class ServiceSmsForm(FlaskForm):
    """An owner's choice about service SMS, on the customer edit page (sms.service_sms records it)."""

    opted_out = BooleanField(_l("Refuses service SMS (reminders, car ready, booking codes)"))
    submit = SubmitField(_l("Save SMS choice"))


class VehicleForm(FlaskForm):
    plate = StringField(_l("Plate"), validators=[DataRequired(), TextRules(12)], render_kw={"autocomplete": "off"})
    vin = StringField(_l("VIN"), validators=[DataRequired(), TextRules(20)], render_kw={"autocomplete": "off"})
    brand = StringField(_l("Brand"), validators=[Optional(), TextRules(40)])
    model = StringField(_l("Model"), validators=[Optional(), TextRules(60)])
    model_year = WholeNumberField(_l("Model year"), validators=[Optional(), NumberRange(1950, date.today().year + 1)])
    colour = StringField(_l("Colour"), validators=[Optional(), TextRules(20)])
    engine_number = StringField(_l("Engine number"), validators=[Optional(), TextRules(30)])
    purchase_date = DateField(_l("Purchase date"), validators=[Optional(), InSpan(PAST)])
    registration_date = DateField(_l("Registration date"), validators=[Optional(), InSpan(PAST)])
    use = SelectField(_l("Use"), choices=choices(USE_LABELS.items()), default=USE_PRIVATE)
    seats = WholeNumberField(_l("Seats"), validators=[Optional(), NumberRange(1, 99)])
    vehicle_class = SelectField(_l("Inspection class"), choices=choices(CLASS_LABELS.items()),
                                default="small_passenger")
    model_family = SelectField(_l("Model family (for maintenance intervals and flat-rate hours)"),
                               choices=choices(family_choices(_l("(not set)"))), default="")
    insurance_expiry = DateField(_l("Insurance policy expiry"), validators=[Optional(), InSpan(EXPIRY)])
    last_inspection_date = DateField(_l("Last annual inspection"), validators=[Optional(), InSpan(PAST)])
    odometer_km = WholeNumberField(_l("Odometer (km)"), validators=[Optional(), NumberRange(0, 3_000_000)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, store=None, vin_waiting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.vin_waiting = vin_waiting
        if vin_waiting:  # a car filed without its VIN (booked online) may be saved without it; once set it stays
            self.vin.validators = [Optional(), TextRules(20)]
            self.vin.flags.required = False
            self.vin.description = _l("VIN to be filled at check-in")
        # The store's families; one the vehicle already has that is not among them stays a choice of its form.
        saved = getattr(kwargs.get("obj"), "model_family", None)
        self.model_family.choices = choices(family_choices(_l("(not set)"), families=families_of(store), keep=saved))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.vin_waiting and not (self.vin.data or "").strip():
            self.vin.data = ""  # still waiting for it: nothing to check
        return check_formats(self, {"plate": normalize_plate, "vin": normalize_vin}) and valid


class OdometerForm(FlaskForm):
    km = WholeNumberField(_l("Odometer (km)"), validators=[DataRequired(), NumberRange(0, 3_000_000)])
    read_on = DateField(_l("Read on"), validators=[DataRequired(), InSpan(PAST)], default=date.today)
    is_correction = BooleanField(_l("This is a correction (the reading may be lower)"))
    note = StringField(_l("Reason for the correction"), validators=[Optional(), TextRules(200)])
    submit = SubmitField(_l("Record reading"))


class TransferForm(FlaskForm):
    new_owner_mobile = StringField(_l("New owner's mobile"), validators=[DataRequired(), TextRules(20)])
    submit = SubmitField(_l("Change owner"))
