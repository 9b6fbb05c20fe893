"""Page forms of customer satisfaction: the owner's feedback form, CS's call, cases, complaints, the month."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from dealer.forms import choices
from dealer.inputs import PAST, InSpan, TextRules, WholeNumberField, bounded_int

GRADE_LETTERS = {2: "A", 1: "B", 0: "C", -1: "D", -2: "E"}
GRADE_CHOICES = choices(GRADE_LETTERS.items())
GRADE_WORDS = {2: _l("Very satisfied"), 1: _l("Satisfied"), 0: _l("Fair"), -1: _l("Dissatisfied"),
               -2: _l("Very dissatisfied")}
ITEM_LABELS = {"timeliness": _l("Timeliness of service (服务及时性)"), "quality": _l("Repair quality (维修质量)"),
               "attitude": _l("Service attitude (服务态度)")}
FOLLOW_UP_STATE_LABELS = {"waiting": _l("Waiting for the owner"), "answered": _l("Answered"),
                          "unreachable": _l("Unreachable")}
VERIFY_LABELS = {"none": _l("Not drawn"), "pending": _l("To verify"), "done": _l("Verified"),
                 "unreachable": _l("Verification unreachable")}
PURPOSE_LABELS = {"follow_up": _l("Follow-up call"), "verification": _l("Verification call")}
SOURCE_LABELS = {"repair_order": _l("Repair order"), "quick_lane": _l("Quick lane"), "rescue": _l("Rescue")}
ASSURANCE_LABELS = {"time": _l("Time (时间安心)"), "cost": _l("Cost (费用安心)"), "quality": _l("Quality (质量安心)"),
                    "after_repair": _l("After repair (修后安心)"), "emergency": _l("Emergency (紧急时安心)")}
DRILL_FLAG_LABELS = {"late": _l("Late"), "over_approval": _l("Over the approved amount"),
                     "came_back": _l("Came back"), "comeback": _l("A comeback"), "qc_failed": _l("Failed QC"),
                     "not_in_time": _l("Not done in time"), "open_case": _l("Open case"),
                     "dispatch_late": _l("Dispatched late"), "arrival_late": _l("Arrived late")}
RANK_LABELS = {"on_time_pct": _l("On time"), "within_pct": _l("Within the approved amount"),
               "first_time_fix_pct": _l("Fixed the first time"), "first_pass_pct": _l("QC first pass"),
               "done_in_time_pct": _l("Follow-ups in time"), "average_score": _l("Average score"),
               "arrived_pct": _l("Rescues on scene in time")}
CHANNEL_LABELS = {"link": _l("Owner, by the SMS link"), "phone": _l("CS, by phone")}
CASE_REASON_LABELS = {"low_grade": _l("A D or E grade"), "comment": _l("The comment names a comeback or a fault")}
COMPLAINT_CHANNEL_LABELS = {"hotline": _l("Hotline"), "site": _l("Website form"), "follow_up": _l("Follow-up call"),
                            "visit": _l("Visit"), "other": _l("Other")}
COMPLAINT_CATEGORY_LABELS = {"time": _l("Time"), "cost": _l("Cost"), "quality": _l("Quality"),
                             "attitude": _l("Attitude"), "parts": _l("Parts"), "rescue": _l("Rescue"),
                             "other": _l("Other")}
SEVERITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High")}
COMPLAINT_STATE_LABELS = {"received": _l("Received"), "acknowledged": _l("Acknowledged"),
                          "investigating": _l("Investigating"), "resolved": _l("Resolved"), "closed": _l("Closed")}
ROOT_CAUSE_LABELS = {"process": _l("Process"), "workmanship": _l("Workmanship"), "parts": _l("Parts"),
                     "communication": _l("Communication"), "customer_expectation": _l("Owner's expectation"),
                     "other": _l("Other")}
STEP_LABELS = {"acknowledge": _l("Acknowledge"), "investigate": _l("Investigate"), "pause": _l("Pause the clock"),
               "resume": _l("Resume the clock"), "resolve": _l("Resolved"), "close": _l("Close"),
               "reopen": _l("Reopen")}
COMPARISON_LABELS = {"higher": _l("Higher than last month: reward"), "lower": _l("Lower than last month: penalty"),
                     "equal": _l("Equal to last month: neither"),
                     "no_previous": _l("Last month had no forms: nothing to compare"),
                     "no_forms": _l("No feedback forms this month")}


def _grade(label):
    return RadioField(label, choices=GRADE_CHOICES, coerce=bounded_int, validators=[InputRequired()])


class FeedbackForm(FlaskForm):
    """The owner's form (意见反馈表), on a phone."""

    timeliness = _grade(ITEM_LABELS["timeliness"])
    quality = _grade(ITEM_LABELS["quality"])
    attitude = _grade(ITEM_LABELS["attitude"])
    comment = TextAreaField(_l("Anything to tell us?"), validators=[Optional(), TextRules(500, multiline=True)])
    may_call = BooleanField(_l("You may call me about it"), default=True)
    submit = SubmitField(_l("Submit"))


class CallForm(FlaskForm):
    """A call by CS: reached or not; when reached, the owner's grades."""

    purpose = SelectField(choices=choices(PURPOSE_LABELS.items()), widget=HiddenInput())
    reached = RadioField(_l("Reached the owner?"), validators=[InputRequired()],
                         choices=choices([("yes", _l("Reached")), ("no", _l("No answer"))]))
    # Only a reached call has grades (the service asks for them): no choice is no grade here.
    timeliness = RadioField(ITEM_LABELS["timeliness"], choices=GRADE_CHOICES, coerce=bounded_int,
                            validate_choice=False, validators=[Optional()])
    quality = RadioField(ITEM_LABELS["quality"], choices=GRADE_CHOICES, coerce=bounded_int, validate_choice=False,
                         validators=[Optional()])
    attitude = RadioField(ITEM_LABELS["attitude"], choices=GRADE_CHOICES, coerce=bounded_int, validate_choice=False,
                          validators=[Optional()])
    comment = TextAreaField(_l("The owner's words"), validators=[Optional(), TextRules(500, multiline=True)])
    may_call = BooleanField(_l("May call again"), default=True)
    note = StringField(_l("Note"), validators=[Optional(), TextRules(500)])
    submit = SubmitField(_l("Record the call"))


class CaseForm(FlaskForm):
    outcome = StringField(_l("Outcome"), validators=[DataRequired(), TextRules(500)])
    submit = SubmitField(_l("Record the outcome"))


class ComplaintForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=choices(COMPLAINT_CHANNEL_LABELS.items()))
    category = SelectField(_l("Category"), choices=choices(COMPLAINT_CATEGORY_LABELS.items()))
    severity = SelectField(_l("Severity"), choices=choices(SEVERITY_LABELS.items()), default="normal")
    contact_name = StringField(_l("Name"), validators=[Optional(), TextRules(50)])
    contact_phone = StringField(_l("Phone"), validators=[Optional(), TextRules(20)])
    order_number = StringField(_l("Order number"), validators=[Optional(), TextRules(30)])
    description = TextAreaField(_l("What the owner says"), validators=[DataRequired(), TextRules(1000, multiline=True)])
    responsible_id = SelectField(_l("Responsible person"), coerce=bounded_int, validators=[Optional()])
    technician_id = SelectField(_l("Technician concerned"), coerce=bounded_int, validators=[Optional()])
    store_id = SelectField(_l("Store"), coerce=bounded_int, validators=[Optional()])
    submit = SubmitField(_l("Record the complaint"))


COMPLAINT_KIND_LABELS = {"complaint": _l("A complaint"), "suggestion": _l("A suggestion")}


class PublicComplaintForm(FlaskForm):
    """The owner's complaint or suggestion on the store's site (no sign-in, no script)."""

    kind = RadioField(_l("What is it?"), choices=choices(COMPLAINT_KIND_LABELS.items()), default="complaint",
                      validators=[InputRequired()])
    category = SelectField(_l("About"), choices=choices(COMPLAINT_CATEGORY_LABELS.items()), default="other")
    description = TextAreaField(_l("Tell us what happened"),
                                validators=[DataRequired(), TextRules(1000, multiline=True)])
    contact_name = StringField(_l("Your name"), validators=[Optional(), TextRules(50)])
    contact_phone = StringField(_l("Your mobile, to call you back"), validators=[DataRequired(), TextRules(20)])
    order_number = StringField(_l("Repair order number, if you have it"), validators=[Optional(), TextRules(30)])
    submit = SubmitField(_l("Send"))


NOTE_KIND_LABELS = {"observation": _l("Observation (啄木鸟)"), "visit": _l("Key-customer visit (拜访)")}


class NoteForm(FlaskForm):
    """A supervision note: what was seen unannounced, or what a key customer said on a visit."""

    kind = SelectField(_l("Kind"), choices=choices(NOTE_KIND_LABELS.items()))
    noted_on = DateField(_l("Day"), validators=[InputRequired(), InSpan(PAST)])
    subject = StringField(_l("Where, or whom you visited"), validators=[DataRequired(), TextRules(100)])
    concerns_id = SelectField(_l("Staff member it concerns"), coerce=bounded_int, validators=[Optional()])
    text = TextAreaField(_l("What you saw or heard"), validators=[DataRequired(), TextRules(2000, multiline=True)])
    needs_action = BooleanField(_l("Needs action"))
    submit = SubmitField(_l("Record the note"))


class TechnicianForm(FlaskForm):
    """Name the technician concerned after intake (CS): the service says whether the id is one of the store's."""

    technician_id = SelectField(_l("Technician concerned"), coerce=bounded_int, validate_choice=False,
                                validators=[Optional()])
    submit = SubmitField(_l("Save the technician"))


class StepForm(FlaskForm):
    action = SelectField(choices=choices(STEP_LABELS.items()), widget=HiddenInput())
    reason = StringField(_l("Waiting for"), validators=[Optional(), TextRules(200)])
    resolution = StringField(_l("Resolution"), validators=[Optional(), TextRules(1000)])
    owner_confirmed = BooleanField(_l("The owner confirmed it (second call)"))
    root_cause = SelectField(_l("Root cause"), choices=choices([("", "-"), *ROOT_CAUSE_LABELS.items()]),
                             validators=[Optional()])


class SignForm(FlaskForm):
    note = StringField(_l("Reason for the correction"), validators=[Optional(), TextRules(300)])
    submit = SubmitField(_l("Sign the month off"))


def _days(label, top):
    return WholeNumberField(label, validators=[InputRequired(), NumberRange(1, top)])


def _yuan(label, low=0):
    return WholeNumberField(label, validators=[InputRequired(), NumberRange(low, 10_000_000)])


def _count(label, low=0):
    return WholeNumberField(label, validators=[InputRequired(), NumberRange(low, 10_000)])


class SettingsForm(FlaskForm):
    """The store's follow-up and assessment settings; amounts in whole yuan."""

    follow_up_days = _days(_l("Follow-up due within (days)"), 30)
    link_valid_days = _days(_l("Feedback link valid for (days)"), 60)
    verify_share_pct = WholeNumberField(_l("Forms drawn for a verification call (%)"),
                                        validators=[InputRequired(), NumberRange(0, 100)])
    thin_month_minimum = _count(_l("Thin month: fewer forms than"))
    case_days = _days(_l("Case deadline (days)"), 60)
    case_words = StringField(_l("Comment words that open a case (comma separated)"),
                             validators=[Optional(), TextRules(300)])
    complaint_ack_hours = WholeNumberField(_l("Acknowledge a complaint within (hours)"),
                                           validators=[InputRequired(), NumberRange(1, 240)])
    complaint_days = _days(_l("Resolve a complaint within (days)"), 90)
    reward_yuan = _yuan(_l("Reward: average higher than last month (yuan)"))
    penalty_yuan = _yuan(_l("Penalty: average lower than last month (yuan)"))
    extra_reward_yuan = _yuan(_l("Extra reward: every item 2 (yuan)"))
    extra_penalty_yuan = _yuan(_l("Extra penalty: every item -2 (yuan)"))
    complaints_none_yuan = _yuan(_l("No complaints (yuan)"), -10_000_000)
    complaints_low_max = _count(_l("First band: up to (complaints)"), 1)
    complaints_low_yuan = _yuan(_l("First band (yuan)"), -10_000_000)
    complaints_mid_max = _count(_l("Second band: up to (complaints)"), 2)
    complaints_mid_yuan = _yuan(_l("Second band (yuan)"), -10_000_000)
    complaints_high_max = _count(_l("Third band: up to (complaints)"), 3)
    complaints_high_yuan = _yuan(_l("Third band (yuan)"), -10_000_000)
    complaints_top_yuan = _yuan(_l("More complaints (yuan)"), -10_000_000)
    complaints_action_at = _count(_l("Administrative action from (complaints)"), 1)
    top_marks_min_forms = _count(_l("Top-marks check: from (forms of an advisor in 30 days)"), 1)
    on_the_spot_minutes = WholeNumberField(_l("Filled on the spot: within (minutes of the hand-over)"),
                                           validators=[InputRequired(), NumberRange(1, 1440)])
    on_the_spot_share_pct = WholeNumberField(_l("Top-marks check: share filled on the spot from (%)"),
                                             validators=[InputRequired(), NumberRange(0, 100)])
    submit = SubmitField(_l("Save settings"))
