"""Model families (车型系列): the codes maintenance intervals and flat-rate hours are set for, with their labels.

A vehicle, a maintenance interval (reminders) and a labor operation's own hours (repair) name a family by its
code; the code is chosen from this list, never typed, so that the three always agree. People see the label,
in their language. A vehicle filed before the list existed may name another family: it is kept and shown as
it was typed until someone chooses from the list.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

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


def family_label(code: str | None):
    """The family's label in the user's language; a code not on the list as it was typed; '' for none."""
    return FAMILY_LABELS.get(code or "", code or "")


def family_choices(empty_label, *, keep: str | None = None) -> list[tuple[str, object]]:
    """(code, label) pairs for a select: the empty choice, the list, and `keep` (a value already saved that
    is not on the list) so that editing something else does not lose it."""
    pairs = [("", empty_label)] + list(FAMILY_LABELS.items())
    if keep and keep not in FAMILY_LABELS:
        pairs.append((keep, keep))
    return pairs
