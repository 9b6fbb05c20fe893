"""How the parts module's audit entries read (dealer.audit.events): the catalogue and every stock move."""
from flask_babel import lazy_gettext as _l

from dealer import money
from dealer.audit import events
from dealer.parts.forms import PartForm
from dealer.parts.models import Part

PART_FIELDS = events.form_labels(PartForm)


def _qty(value) -> str:
    return money.scaled(abs(int(value or 0)), money.QUANTITY_SCALE)


def _move(changes: dict) -> dict:
    return {"quantity": _qty(changes["quantity"]), "after": _qty(changes["on_hand_after"]),
            "cost": events.yuan_text(changes.get("unit_cost_fen")), "reference": changes.get("reference", ""),
            "reason": changes.get("reason", ""), "sign": "+" if changes["quantity"] > 0 else "-"}


events.record_kind("parts", _l("Part"), endpoint="parts.show", arg="part_id",
                   names=events.names_of(Part.id, Part.part_number, Part.name))

events.sentence("part_created", _l("Added the part %(number)s %(name)s at %(price)s"),
                lambda c: {"number": c["part_number"], "name": c["name"], "price": events.yuan_text(c["price_fen"])})
events.sentence("part_updated", _l("Changed the part: %(fields)s"),
                lambda c: {"fields": events.field_names(c, PART_FIELDS)})
events.sentence("stock_received", _l("Received %(quantity)s into stock at %(cost)s each (delivery note "
                                     "%(reference)s); %(after)s on hand"), _move)
events.sentence("stock_adjusted", _l("Adjusted the stock by %(sign)s%(quantity)s (%(reason)s); %(after)s on hand"),
                _move)
events.sentence("stock_issued", _l("Issued %(quantity)s to a repair order; %(after)s on hand"), _move)
events.sentence("stock_returned", _l("Took %(quantity)s back from a repair order; %(after)s on hand"), _move)
