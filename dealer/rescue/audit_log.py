"""How the rescue module's audit entries read (dealer.audit.events)."""
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.rescue.labels import CLAIM_STATE_LABELS

# Named by their number (#id): no names query on the audit page.
events.record_kind("rescue_calls", _l("Rescue call"), endpoint="rescue.show_call", arg="call_id")
events.record_kind("rescue_units", _l("Rescue unit"))
events.record_kind("rescue_handovers", _l("Rescue shift handover"), endpoint="rescue.handovers", arg="handover")

events.sentence("rescue_call_received", _l("Took a rescue call from %(phone)s"),
                lambda c: {"phone": c.get("caller_phone", "")})
events.sentence("rescue_dispatched", _l("Sent %(responder)s to the rescue call"),
                lambda c: {"responder": c.get("responder", "")})
events.sentence("rescue_cancelled", _l("Cancelled the rescue call: %(reason)s"), lambda c: {"reason": c.get("reason", "")})
events.sentence("rescue_told_emergency", _l("Recorded that the caller was told to call 120/122 first"), lambda c: {})
events.sentence("rescue_sent_to_12122", _l("Recorded that the caller was sent to the expressway line 12122"),
                lambda c: {})
events.sentence("rescue_handed_over", _l("Recorded that the car was handed over to us off the expressway"),
                lambda c: {})
events.sentence("rescue_unit_created", _l("Registered the rescue unit %(name)s"), lambda c: {"name": c.get("name", "")})
events.sentence("rescue_settings_changed", _l("Changed the rescue settings"), lambda c: {})
events.sentence("rescue_station_coverage", _l("Set the partner station's rescue coverage: %(radius)s km"),
                lambda c: {"radius": c.get("radius_km", "")})
events.sentence("rescue_accepted", _l("The partner station accepted the rescue job"), lambda c: {})
events.sentence("rescue_handover_written", _l("Handed over the rescue shift (%(n)s open calls)"),
                lambda c: {"n": c.get("open_calls", 0)})
events.sentence("rescue_handover_acknowledged", _l("Acknowledged the rescue shift handover"), lambda c: {})
events.record_kind("rescue_claims", _l("Accident claim"))
events.sentence("rescue_claim_reported", _l("Reported the accident claim to %(insurer)s, report number %(number)s"),
                lambda c: {"insurer": c.get("insurer", ""), "number": c.get("report_number", "")})
events.sentence("rescue_claim_changed", _l("Corrected the accident claim's insurer details"), lambda c: {})
events.sentence("rescue_claim_moved", _l("Moved the accident claim to %(state)s"),
                lambda c: {"state": CLAIM_STATE_LABELS.get(c.get("state"), "")})
