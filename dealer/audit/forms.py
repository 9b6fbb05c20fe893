"""The audit log's filter (a GET form: it changes nothing, so it carries no CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from dealer.forms import MAX_INT


class EntryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    actor = SelectField(_l("Person"), coerce=int, validate_choice=False, validators=[Optional()])
    record = SelectField(_l("Kind of record"), validate_choice=False, validators=[Optional()])
    record_id = IntegerField(_l("Record number"), validators=[Optional(), NumberRange(1, MAX_INT)])
    day_from = DateField(_l("From"), validators=[Optional()])
    day_to = DateField(_l("To"), validators=[Optional()])
