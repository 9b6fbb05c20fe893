"""Membership forms: the shape of the input only (the rules are in services). Field names follow the services'
arguments, so a DomainError's `field` lands beside the right input."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from dealer.forms import MultiCheckboxField, choices
from dealer.inputs import CALENDAR, InSpan, TextRules, WholeNumberField, bounded_int
from dealer.members.models import TOP_UP_METHODS
from dealer.repair.forms.orders import CATEGORY_LABELS, PAYMENT_METHOD_LABELS, PercentField, YuanField

_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
_NUMBER = {"inputmode": "numeric", "autocomplete": "off"}
METHOD_CHOICES = [(method, PAYMENT_METHOD_LABELS[method]) for method in TOP_UP_METHODS]
POINTS_KIND_LABELS = {"earn": _l("Earned"), "redeem": _l("Redeemed"), "expire": _l("Expired"),
                      "reverse": _l("Reversed"), "adjust": _l("Corrected"), "clawback": _l("Taken back")}
CARD_KIND_LABELS = {"top_up": _l("Top-up"), "pay": _l("Payment"), "refund": _l("Refund"),
                    "pay_reversed": _l("Payment reversed")}


class JoinForm(FlaskForm):
    submit = SubmitField(_l("Join the membership"))


class TopUpForm(FlaskForm):
    paid_fen = YuanField(_l("Paid (yuan)"), validators=[InputRequired()], render_kw=_DECIMAL)
    bonus_fen = YuanField(_l("Bonus on top (yuan)"), validators=[Optional()], render_kw=_DECIMAL)
    method = SelectField(_l("Method"), choices=choices(METHOD_CHOICES), default="cash")
    reference = StringField(_l("Reference (slip or transaction number)"), validators=[Optional(), TextRules(60)])
    submit = SubmitField(_l("Top up"))


class RefundForm(FlaskForm):
    method = SelectField(_l("Method"), choices=choices(METHOD_CHOICES), default="cash")
    reference = StringField(_l("Reference (slip or transaction number)"), validators=[Optional(), TextRules(60)])
    submit = SubmitField(_l("Refund the paid value left"))


class FreeItemForm(FlaskForm):
    note = StringField(_l("Free item used (e.g. car wash)"), validators=[InputRequired(), TextRules(200)])
    order_number = StringField(_l("On the order (number, optional)"), validators=[Optional(), TextRules(20)])
    submit = SubmitField(_l("Use a free item"))


class OverrideForm(FlaskForm):
    tier_id = SelectField(_l("Tier"), coerce=bounded_int, choices=[])
    reason = StringField(_l("Why"), validators=[InputRequired(), TextRules(200)])
    until = DateField(_l("Until"), validators=[InputRequired(), InSpan(CALENDAR)])
    submit = SubmitField(_l("Give the tier"))


class PointsForm(FlaskForm):
    points = WholeNumberField(_l("Points (a minus sign takes them off)"), validators=[InputRequired()],
                              render_kw=_NUMBER)
    reason = StringField(_l("Why"), validators=[InputRequired(), TextRules(200)])
    clawback = BooleanField(_l("Take back even beyond the balance (clawback)"))
    submit = SubmitField(_l("Correct the points"))


class TierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), TextRules(20)])
    labor_discount_bp = PercentField(_l("Labor discount (%)"), validators=[InputRequired(), NumberRange(0, 10_000)],
                                     render_kw=_DECIMAL)
    parts_discount_bp = PercentField(_l("Parts discount (%)"), validators=[InputRequired(), NumberRange(0, 10_000)],
                                     render_kw=_DECIMAL)
    points_rate_bp = PercentField(_l("Points rate (%: 100 = 1 point per yuan)"), validators=[InputRequired(),
                                                                                 NumberRange(0, 1_000_000)],
                                  render_kw=_DECIMAL)
    free_items_per_year = WholeNumberField(_l("Free items a year"), validators=[InputRequired(), NumberRange(0, 365)],
                                           render_kw=_NUMBER)
    free_item_name = StringField(_l("Free item"), validators=[Optional(), TextRules(20)])
    priority_booking = BooleanField(_l("Priority booking"))
    qualifying_spend_fen = YuanField(_l("Qualifying spend over 12 months (yuan)"), validators=[InputRequired()],
                                     render_kw=_DECIMAL)
    submit = SubmitField(_l("Save the tier"))


class SettingsForm(FlaskForm):
    points_per_yuan = WholeNumberField(_l("Points for 1 yuan off"), validators=[InputRequired(), NumberRange(1, 100_000)],
                                       render_kw=_NUMBER)
    max_points_share_bp = PercentField(_l("Most of a bill points may pay (%)"),
                                       validators=[InputRequired(), NumberRange(0, 10_000)], render_kw=_DECIMAL)
    holdout_bp = PercentField(_l("Control group held out of each campaign (%)"),
                              validators=[Optional(), NumberRange(0, 5_000)], render_kw=_DECIMAL)
    marketing_per_month = WholeNumberField(_l("Most marketing messages an owner gets a month"),
                                           validators=[Optional(), NumberRange(1, 31)], render_kw=_NUMBER)
    at_risk_months = WholeNumberField(_l("At risk after (months without a paid visit)"),
                                      validators=[Optional(), NumberRange(1, 119)], render_kw=_NUMBER)
    lost_months = WholeNumberField(_l("Lost after (months without a paid visit)"),
                                   validators=[Optional(), NumberRange(2, 120)], render_kw=_NUMBER)
    submit = SubmitField(_l("Save"))


SEASON_LABELS = {"spring": _l("Spring"), "autumn": _l("Autumn"), "other": _l("Other")}


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), TextRules(40)])
    season = SelectField(_l("Season"), choices=choices(list(SEASON_LABELS.items())), default="spring")
    starts_on = DateField(_l("First day"), validators=[InputRequired(), InSpan(CALENDAR)])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(), InSpan(CALENDAR)])
    members_only = BooleanField(_l("Members only"))
    tier_ranks = MultiCheckboxField(_l("Members of these tiers"), coerce=bounded_int, choices=[])
    model_families = StringField(_l("Model families (separated by commas)"), validators=[Optional(), TextRules(200)])
    min_vehicle_age = WholeNumberField(_l("Cars at least this many years old"),
                                       validators=[Optional(), NumberRange(0, 50)], render_kw=_NUMBER)
    max_vehicle_age = WholeNumberField(_l("Cars at most this many years old"),
                                       validators=[Optional(), NumberRange(0, 50)], render_kw=_NUMBER)
    not_seen_months = WholeNumberField(_l("Not seen for at least (months)"),
                                       validators=[Optional(), NumberRange(1, 120)], render_kw=_NUMBER)
    maintenance_due = BooleanField(_l("A car due for maintenance by the last day"))
    declined_within_months = WholeNumberField(_l("Declined recommended work within (months)"),
                                              validators=[Optional(), NumberRange(1, 36)], render_kw=_NUMBER)
    labor_discount_bp = PercentField(_l("Labor discount (%)"), validators=[Optional(), NumberRange(0, 10_000)],
                                     render_kw=_DECIMAL)
    parts_discount_bp = PercentField(_l("Parts discount (%)"), validators=[Optional(), NumberRange(0, 10_000)],
                                     render_kw=_DECIMAL)
    offer_items = StringField(_l("Only on these catalogue items (operation codes or part numbers, separated by "
                                 "commas)"), validators=[Optional(), TextRules(400)])
    offer_categories = MultiCheckboxField(_l("Only on these labor categories"),
                                          choices=choices(list(CATEGORY_LABELS.items())))
    free_operations = StringField(_l("Free check package: labor operation codes given free, once per car (separated "
                                     "by commas)"), validators=[Optional(), TextRules(400)])
    offer = StringField(_l("Also offered (e.g. free air-conditioning check, a gift)"),
                        validators=[Optional(), TextRules(60)])
    gift_name = StringField(_l("Gift handed over to each invited owner (counted)"),
                            validators=[Optional(), TextRules(40)])
    gift_stock = WholeNumberField(_l("Gifts in stock"), validators=[Optional(), NumberRange(0, 1_000_000)],
                                  render_kw=_NUMBER)
    submit = SubmitField(_l("Save the campaign"))


class GroupCampaignForm(CampaignForm):
    stores = MultiCheckboxField(_l("Stores"), coerce=bounded_int, choices=[])


class GiftForm(FlaskForm):
    order_number = StringField(_l("On the order (number, optional)"), validators=[Optional(), TextRules(20)])
    submit = SubmitField(_l("Hand over the gift"))


class LaunchForm(FlaskForm):
    submit = SubmitField(_l("Launch: hold out the control group and send the invitations"))


class CountForm(FlaskForm):
    submit = SubmitField(_l("Count again now"))


class WinBackForm(FlaskForm):
    status = SelectField(choices=choices([("at_risk", _l("At risk of loss")), ("lost", _l("Lost"))]), default="at_risk")
    submit = SubmitField(_l("Win them back: a campaign for these owners"))


class JoinOnlineForm(FlaskForm):
    store = SelectField(_l("Store"), coerce=bounded_int, choices=[])
    phone = StringField(_l("Mobile number"), validators=[InputRequired(), TextRules(20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    code = StringField(_l("SMS code"), validators=[Optional(), TextRules(6)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})
    # For an owner the store has no file for yet: the file is opened with these as they join.
    name = StringField(_l("Your name (if you are not on file at this store yet)"),
                       validators=[Optional(), TextRules(40)], render_kw={"autocomplete": "name"})
    marketing_consent = BooleanField(_l("Send me the store's offers by SMS (you can opt out at any time)"))
    send = SubmitField(_l("Send me a code"))
    submit = SubmitField(_l("Join the membership"))


class ImportForm(FlaskForm):
    file = FileField(_l("Excel (.xlsx) or CSV file"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Import, all or nothing"))
