"""How the satisfaction module's audit entries read (dealer.audit.events): calls, cases, complaints, the month."""
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.satisfaction.forms import COMPLAINT_STATE_LABELS, PURPOSE_LABELS, SettingsForm


def _state(changes: dict) -> dict:
    before, after = events.before_after(changes, "state")
    return {"before": COMPLAINT_STATE_LABELS.get(before, before or "-"),
            "after": COMPLAINT_STATE_LABELS.get(after, after or "-")}


# No names query: the log names a follow-up or complaint by its number and links to its page.
events.record_kind("follow_ups", _l("Follow-up"), endpoint="satisfaction.show_follow_up", arg="follow_up_id")
events.record_kind("complaints", _l("Complaint"), endpoint="satisfaction.show_complaint", arg="complaint_id")
events.record_kind("satisfaction_cases", _l("Follow-up case"))
events.record_kind("month_assessments", _l("Month sheet"))
events.record_kind("satisfaction_settings", _l("Follow-up and assessment settings"))

events.sentence("follow_up_call", _l("Recorded a %(purpose)s: %(reached)s"),
                lambda c: {"purpose": PURPOSE_LABELS.get(c["purpose"], c["purpose"]),
                           "reached": _l("reached") if c["reached"] else _l("no answer")})
events.sentence("satisfaction_case_closed", _l("Recorded the case's outcome: %(outcome)s"),
                lambda c: {"outcome": c["outcome"]})
events.sentence("complaint_received", _l("Recorded a complaint"), lambda c: {})
for _action in ("acknowledge", "investigate", "pause", "resume", "resolve", "close", "reopen"):
    events.sentence("complaint_" + _action, _l("Complaint: %(before)s → %(after)s"), _state)
events.sentence("complaint_technician_named", _l("Named the technician concerned: %(before)s → %(after)s"),
                lambda c: dict(zip(("before", "after"), [name or "-" for name in c["technician"]], strict=True)))
events.sentence("month_signed", _l("Signed off the month %(month)s (version %(version)s)"),
                lambda c: {"month": c["month"], "version": c["version"]})
# The form asks amounts in yuan (x_yuan); the settings keep fen (x_fen): one label for both.
_SETTINGS_FIELDS = {(name[:-5] + "_fen" if name.endswith("_yuan") else name): label
                    for name, label in events.form_labels(SettingsForm).items()}
events.sentence("satisfaction_settings_saved", _l("Changed the follow-up and assessment settings: %(fields)s"),
                lambda c: {"fields": events.field_names(c, _SETTINGS_FIELDS) or "-"})
events.record_kind("supervision_notes", _l("Supervision note"))
events.sentence("supervision_note_recorded", _l("Recorded a supervision note"), lambda c: {})
