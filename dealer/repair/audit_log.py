"""How the repair module's audit entries read (dealer.audit.events): settlement, reversal, settings, catalogue."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dealer import money
from dealer.audit import events
from dealer.repair.forms.inspection import ItemForm
from dealer.repair.forms.orders import CATEGORY_LABELS, PAYMENT_METHOD_LABELS
from dealer.repair.forms.settings import OperationForm, RepairSettingsForm
from dealer.repair.models import InspectionItem, LaborOperation, RepairOrder

SETTINGS_FIELDS = events.form_labels(RepairSettingsForm)
OPERATION_FIELDS = events.form_labels(OperationForm)
ITEM_FIELDS = events.form_labels(ItemForm)


def _payments(payments) -> str:
    return _(", ").join(f"{PAYMENT_METHOD_LABELS.get(method, method)} {events.yuan_text(amount)}"
                        for method, amount, *_reference in payments or ()) or "-"


def _rate(changes: dict) -> dict:
    before, after = events.before_after(changes, "rate_fen")
    return {"category": CATEGORY_LABELS.get(changes["category"], changes["category"]),
            "before": events.yuan_text(before) or "-", "after": events.yuan_text(after)}


events.record_kind("repair_orders", _l("Repair order"), endpoint="repair.show_order", arg="order_id",
                   names=events.names_of(RepairOrder.id, RepairOrder.number))
events.record_kind("labor_operations", _l("Labor operation"), endpoint="repair.edit_labor_operation",
                   arg="operation_id", names=events.names_of(LaborOperation.id, LaborOperation.code,
                                                             LaborOperation.name))
events.record_kind("inspection_items", _l("Checklist item"), endpoint="repair.edit_inspection_item", arg="item_id",
                   names=events.names_of(InspectionItem.id, InspectionItem.code, InspectionItem.name))
events.record_kind("repair_settings", _l("Repair settings"))
events.record_kind("labor_rates", _l("Labor rates"))
events.record_kind("inspection_photos", _l("Inspection photo"))

events.sentence("repair_order_settled", _l("Settled the order: %(total)s, paid by %(payments)s"),
                lambda c: {"total": events.yuan_text(c["total_fen"]), "payments": _payments(c.get("payments"))})
events.sentence("repair_order_reversed", _l("Reversed the settled order by %(reversal)s (%(total)s): %(reason)s"),
                lambda c: {"reversal": c["reversal"], "total": events.yuan_text(c["total_fen"]),
                           "reason": c.get("reason", "")})
events.sentence("repair_settings_saved", _l("Changed the repair settings: %(fields)s"),
                lambda c: {"fields": events.field_names(c, SETTINGS_FIELDS)})
events.sentence("labor_rate_set", _l("Set the %(category)s labor rate: %(before)s → %(after)s an hour"), _rate)
events.sentence("labor_operation_created", _l("Added the labor operation %(code)s %(name)s: %(hours)s hours"),
                lambda c: {"code": c["code"], "name": c["name"], "hours": money.scaled(c["hours"], money.HOURS_SCALE)})
events.sentence("labor_operation_updated", _l("Changed the labor operation: %(fields)s"),
                lambda c: {"fields": events.field_names(c, OPERATION_FIELDS)})
events.sentence("inspection_item_created", _l("Added the checklist item %(code)s %(name)s"),
                lambda c: {"code": c.get("code", ""), "name": c.get("name", "")})
events.sentence("inspection_items_standard_added", _l("Added the standard checklist: %(n)s items"),
                lambda c: {"n": len(c.get("codes", ()))})
events.sentence("inspection_item_updated", _l("Changed the checklist item: %(fields)s"),
                lambda c: {"fields": events.field_names(c, ITEM_FIELDS)})
events.sentence("inspection_photo_removed", _l("Removed a photo of the finding %(item)s"),
                lambda c: {"item": c.get("item", "")})
