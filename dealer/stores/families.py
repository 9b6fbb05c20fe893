"""Model families (车型系列): the codes maintenance intervals and flat-rate hours are set for, with their labels.

A vehicle, a maintenance interval (reminders) and a labor operation's own hours (repair) name a family by its
code; the code is chosen from the store's list, never typed, so that the three always agree. People see the
label, in their language. Each store lists the families it services (`Store.model_families`, on the store's
settings page; none saved means every family), a subset of this catalogue in the catalogue's order. A value
saved before the list existed, or before the store took a family off its list, is kept and shown as it is
until someone chooses from the list.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from dealer.stores.models import Store

FAMILY_LABELS = {
    "compact": _l("Compact car"),
    "midsize": _l("Mid-size car"),
    "large": _l("Large car"),
    "suv": _l("SUV"),
    "mpv": _l("MPV"),
    "ev": _l("Electric vehicle"),
    "phev": _l("Plug-in hybrid"),
    "hybrid": _l("Hybrid"),
    "pickup": _l("Pickup"),
}
MODEL_FAMILIES = tuple(FAMILY_LABELS)


def families_of(store: Store | None) -> tuple[str, ...]:
    """The codes of the families `store` services, in the catalogue's order (every family for no store or no
    list saved)."""
    chosen = None if store is None else store.model_families
    return MODEL_FAMILIES if chosen is None else tuple(code for code in MODEL_FAMILIES if code in chosen)


def family_label(code: str | None):
    """The family's label in the user's language; a code not on the list as it was typed; '' for none."""
    return FAMILY_LABELS.get(code or "", code or "")


def family_choices(empty_label, *, families: tuple[str, ...] = MODEL_FAMILIES,
                   keep: str | tuple[str, ...] | None = None) -> list[tuple[str, object]]:
    """(code, label) pairs for a select: the empty choice, `families` (a store's list), and `keep` (values
    already saved that are not among them) so that editing something else does not lose them."""
    pairs = [("", empty_label)] + [(code, FAMILY_LABELS[code]) for code in families]
    for saved in (keep,) if isinstance(keep, str) else keep or ():
        if saved and saved not in families:
            pairs.append((saved, family_label(saved)))
    return pairs
