from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from dealer.forms import choices
from dealer.inputs import CALENDAR, InSpan, TextRules, WholeNumberField
from dealer.sms.kinds import KINDS
from dealer.sms.models import STATES, SmsSettings

STATE_LABELS = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"), "delivered": _l("Delivered"),
                "failed": _l("Failed"), "cancelled": _l("Cancelled")}


class MessageFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Phone or plate"), validators=[Optional(), TextRules(20)])
    state = SelectField(_l("State"), choices=choices([("", _l("Any state"))] + [(s, STATE_LABELS[s]) for s in STATES]),
                        validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=choices([("", _l("Any kind"))] + [(k, v.label) for k, v in KINDS.items()]),
                       validators=[Optional()])
    day_from = DateField(_l("From"), validators=[Optional(), InSpan(CALENDAR)])
    day_to = DateField(_l("To"), validators=[Optional(), InSpan(CALENDAR)])


class TemplateForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), TextRules(500, multiline=True)])
    provider_template_code = StringField(_l("Provider template code"), validators=[Optional(), TextRules(40)])
    submit = SubmitField(_l("Save"))


class SettingsForm(FlaskForm):
    sign_name = StringField(_l("Signature"), validators=[DataRequired(), TextRules(12)])
    quiet_start = StringField(_l("Quiet hours from"), validators=[DataRequired(), TextRules(5)])
    quiet_end = StringField(_l("Quiet hours until"), validators=[DataRequired(), TextRules(5)])
    daily_cap_per_phone = WholeNumberField(_l("Messages per phone per day"), validators=[DataRequired(), NumberRange(1, 20)])
    inspection_lead_days = StringField(_l("Inspection reminders, days before"),
                                       validators=[DataRequired(), TextRules(column=SmsSettings.inspection_lead_days)])
    insurance_lead_days = StringField(_l("Insurance reminders, days before"),
                                      validators=[DataRequired(), TextRules(column=SmsSettings.insurance_lead_days)])
    maintenance_lead_days = StringField(_l("Maintenance reminders, days before"),
                                        validators=[DataRequired(), TextRules(column=SmsSettings.maintenance_lead_days)])
    submit = SubmitField(_l("Save"))


class MonthForm(FlaskForm):
    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[Optional(), TextRules(7)], render_kw={"type": "month"})
