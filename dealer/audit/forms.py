"""The audit log's filter (a GET form: it changes nothing, so it carries no CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import NumberRange, Optional

from dealer.inputs import CALENDAR, MAX_INT, InSpan, WholeNumberField, bounded_int


class EntryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    actor = SelectField(_l("Person"), coerce=bounded_int, validate_choice=False, validators=[Optional()])
    record = SelectField(_l("Kind of record"), validate_choice=False, validators=[Optional()])
    record_id = WholeNumberField(_l("Record number"), validators=[Optional(), NumberRange(1, MAX_INT)])
    day_from = DateField(_l("From"), validators=[Optional(), InSpan(CALENDAR)])
    day_to = DateField(_l("To"), validators=[Optional(), InSpan(CALENDAR)])
