"""How the reminders module's audit entries read (dealer.audit.events): intervals, renewals, opt-outs."""
from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.reminders.forms import KIND_LABELS
from dealer.stores.families import family_label


def _day(value) -> str:
    try:
        return format_date(date.fromisoformat(value), "medium")
    except (TypeError, ValueError):
        return "-"


events.record_kind("maintenance_intervals", _l("Maintenance interval"), endpoint="reminders.intervals", arg="_anchor")

events.sentence("maintenance_interval_set", _l("Set the maintenance interval of %(family)s: %(months)s months or "
                                               "%(km)s km"),
                lambda c: {"family": family_label(c["model_family"]) or _("every other family"),
                           "months": c["months"], "km": format_decimal(c["km"])})
events.sentence("insurance_renewed", _l("Recorded the insurance renewal: expiry %(before)s → %(after)s"),
                lambda c: {"before": _day(events.before_after(c, "insurance_expiry")[0]),
                           "after": _day(events.before_after(c, "insurance_expiry")[1])})
events.sentence("reminder_opt_out", _l("Recorded that the owner wants no more %(kind)s reminders"),
                lambda c: {"kind": KIND_LABELS.get(c["kind"], c["kind"])})
