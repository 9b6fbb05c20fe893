from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, NumberRange, Optional

from dealer.forms import choices
from dealer.inputs import EXPIRY, PAST, InSpan, TextRules, WholeNumberField
from dealer.stores.families import family_choices

KIND_LABELS = {"inspection": _l("Annual inspection"), "insurance": _l("Insurance renewal"),
               "maintenance": _l("Maintenance"), "declined_work": _l("Declined work")}
STATE_LABELS = {"open": _l("To call"), "called": _l("Called"), "booked": _l("Booked"),
                "not_interested": _l("Not interested"), "done": _l("Done"), "cancelled": _l("Cancelled")}


class MarkForm(FlaskForm):
    state = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), TextRules(300)])


class InspectionForm(FlaskForm):
    inspected_on = DateField(_l("Inspected on"), validators=[DataRequired(), InSpan(PAST)], default=date.today)
    submit = SubmitField(_l("Record inspection"))


class MaintenanceForm(FlaskForm):
    serviced_on = DateField(_l("Serviced on"), validators=[DataRequired(), InSpan(PAST)], default=date.today)
    km = WholeNumberField(_l("Odometer (km)"), validators=[Optional(), NumberRange(0, 3_000_000)])
    submit = SubmitField(_l("Record maintenance"))


class InsuranceForm(FlaskForm):
    new_expiry = DateField(_l("New policy expiry"), validators=[DataRequired(), InSpan(EXPIRY)])
    insurer = StringField(_l("Insurer"), validators=[Optional(), TextRules(60)])
    by_store = BooleanField(_l("Handled by the store (代办保险)"), default=True)
    submit = SubmitField(_l("Record renewal"))


class OptOutForm(FlaskForm):
    kind = SelectField(_l("No more reminders of"), choices=choices(KIND_LABELS.items()))
    submit = SubmitField(_l("Stop these reminders"))


class IntervalForm(FlaskForm):
    model_family = SelectField(_l("Model family"), choices=choices(family_choices(_l("(every other family)"))),
                               default="")
    months = WholeNumberField(_l("Months"), validators=[DataRequired(), NumberRange(1, 36)])
    km = WholeNumberField(_l("Kilometres"), validators=[DataRequired(), NumberRange(500, 100_000)])
    submit = SubmitField(_l("Save interval"))

    def __init__(self, *args, families: tuple[str, ...], saved: tuple[str, ...] = (), **kwargs):
        """`families`: the store's list; `saved`: the families it has intervals for (kept as choices)."""
        super().__init__(*args, **kwargs)
        self.model_family.choices = choices(family_choices(_l("(every other family)"), families=families,
                                                           keep=saved))
