"""How the quick lane's audit entries read (dealer.audit.events)."""
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.quicklane.models import ExpressPackage, LaneOrder
from dealer.quicklane.services.stages import STAGE_LABELS

events.record_kind("quick_lane_packages", _l("Express package"), endpoint="quicklane.edit_package",
                   arg="package_id", names=events.names_of(ExpressPackage.id, ExpressPackage.name))
# A lane order and the lane's settings have no page of their own: named, not linked.
events.record_kind("quick_lane_orders", _l("Quick-lane car"), names=events.names_of(LaneOrder.id, LaneOrder.plate))
events.record_kind("quick_lane_settings", _l("Quick-lane settings"))

events.sentence("quick_lane_package_saved", _l("Saved the express package %(name)s at %(price)s"),
                lambda c: {"name": c.get("name", ""), "price": events.yuan_text(c.get("price_fen"))})
events.sentence("quick_lane_settings_saved", _l("Changed the quick lane's settings"), lambda c: {})
events.sentence("quick_lane_shift", _l("Changed who is on the quick lane's shift"), lambda c: {})
events.sentence("quick_lane_opened", _l("Took the key of a quick-lane car: %(package)s, key tag %(tag)s"),
                lambda c: {"package": c.get("package", ""), "tag": c.get("key_tag", "")})
events.sentence("quick_lane_stage", _l("Moved the car to: %(stage)s"),
                lambda c: {"stage": STAGE_LABELS.get(c.get("stage"), c.get("stage"))})
events.sentence("quick_lane_extra_reported", _l("Reported extra work found in the bay: %(concern)s, %(minutes)s min"),
                lambda c: {"concern": c.get("concern", ""), "minutes": c.get("minutes", "")})
events.sentence("quick_lane_extra_declined", _l("Recorded that the owner declined the extra work"), lambda c: {})
events.sentence("quick_lane_left", _l("The owner approved the extra work (%(approver)s): the car left the quick lane"),
                lambda c: {"approver": c.get("approver", "")})
events.sentence("quick_lane_carried_over", _l("Carried the car over to the next day"), lambda c: {})
events.sentence("quick_lane_closed", _l("Closed the car off the lane: %(reason)s"),
                lambda c: {"reason": c.get("reason", "")})
