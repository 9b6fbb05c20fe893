from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from dealer.forms import choices
from dealer.sms.kinds import KINDS
from dealer.sms.models import STATES

STATE_LABELS = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"), "delivered": _l("Delivered"),
                "failed": _l("Failed"), "cancelled": _l("Cancelled")}


class MessageFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Phone or plate"), validators=[Optional(), Length(max=20)])
    state = SelectField(_l("State"), choices=choices([("", _l("Any state"))] + [(s, STATE_LABELS[s]) for s in STATES]),
                        validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=choices([("", _l("Any kind"))] + [(k, v.label) for k, v in KINDS.items()]),
                       validators=[Optional()])
    day_from = DateField(_l("From"), validators=[Optional()])
    day_to = DateField(_l("To"), validators=[Optional()])


class TemplateForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=500)])
    provider_template_code = StringField(_l("Provider template code"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("Save"))


class SettingsForm(FlaskForm):
    sign_name = StringField(_l("Signature"), validators=[DataRequired(), Length(max=12)])
    quiet_start = StringField(_l("Quiet hours from"), validators=[DataRequired(), Length(max=5)])
    quiet_end = StringField(_l("Quiet hours until"), validators=[DataRequired(), Length(max=5)])
    daily_cap_per_phone = IntegerField(_l("Messages per phone per day"), validators=[DataRequired(), NumberRange(1, 20)])
    inspection_lead_days = StringField(_l("Inspection reminders, days before"), validators=[DataRequired()])
    insurance_lead_days = StringField(_l("Insurance reminders, days before"), validators=[DataRequired()])
    maintenance_lead_days = StringField(_l("Maintenance reminders, days before"), validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class MonthForm(FlaskForm):
    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[Optional(), Length(max=7)], render_kw={"type": "month"})
