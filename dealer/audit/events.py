"""How the audit log reads: a sentence per kind of event and a name and page per kind of record.

The audit module knows no feature. Each module registers, in its own `audit_log.py` (imported by the composition
root), how its events read and how its records are named and linked:

    audit.events.sentence("repair_order_settled", _l("Settled: %(total)s, paid %(payments)s"),
                          lambda changes: {"total": yuan_text(changes["total_fen"]), ...})
    audit.events.record_kind("repair_orders", _l("Repair order"), endpoint="repair.show_order", arg="order_id",
                             names=order_numbers)

A sentence is a translated text with %(name)s placeholders, filled from the entry's changes by `params`; the
record column shows the record's name (a plate, an order number) linked to its page. An event nobody has
registered still reads, as its code: the log never hides an entry.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from wtforms.fields.core import UnboundField

from dealer import money
from dealer.access import current_actor, may_open
from dealer.extensions import db


@dataclass(frozen=True)
class _Sentence:
    text: object  # a lazy translation with %(name)s placeholders
    params: Callable[[dict], dict] | None


@dataclass(frozen=True)
class _RecordKind:
    noun: object  # a lazy translation: "Repair order"
    endpoint: str | None
    arg: str
    names: Callable[[list[int]], dict[int, str]] | None  # ids -> names, one query for all the ids


_SENTENCES: dict[str, _Sentence] = {}
_RECORD_KINDS: dict[str, _RecordKind] = {}


def sentence(action: str, text, params: Callable[[dict], dict] | None = None) -> None:
    """Register how the event `action` reads: `text` % `params(changes)` (what the entry recorded)."""
    _SENTENCES[action] = _Sentence(text, params)


def record_kind(entity_type: str, noun, *, endpoint: str | None = None, arg: str = "id",
                names: Callable[[list[int]], dict[int, str]] | None = None) -> None:
    """Register a kind of record: its noun, the page that shows one (`endpoint` with `arg`=id) and `names`."""
    _RECORD_KINDS[entity_type] = _RecordKind(noun, endpoint, arg, names)


def names_of(id_column, *name_columns, separator: str = " "):
    """A `names` function for record_kind: the columns' values by id, in one query (`id IN (...)`)."""
    def names(ids: list[int]) -> dict[int, str]:
        rows = db.session.execute(sa.select(id_column, *name_columns).where(id_column.in_(ids)))
        return {row[0]: separator.join(str(value) for value in row[1:] if value) for row in rows}
    return names


def record_kinds() -> list[tuple[str, object]]:
    """The registered kinds of record as (entity_type, noun), for the log's filter."""
    return sorted(((kind, info.noun) for kind, info in _RECORD_KINDS.items()), key=lambda pair: str(pair[1]))


# -- helpers the modules' params use -------------------------------------------------------------------

def yuan_text(fen) -> str:
    """¥1,234.50 from integer fen ('' for none)."""
    return "" if fen is None else "¥" + money.yuan(int(fen))


def before_after(changes: dict, key: str) -> tuple:
    """(old, new) of a changed value recorded as [old, new] (a diff), or (None, value)."""
    value = changes.get(key)
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    return None, value


def form_labels(form_class, **extra) -> dict:
    """The labels of a form's fields by name (a module's field labels, already translated), and `extra`."""
    labels = {}
    for name in dir(form_class):
        field = getattr(form_class, name, None)
        if isinstance(field, UnboundField):
            labels[name] = field.args[0] if field.args else field.kwargs.get("label", name)
    return {**labels, **extra}


def field_names(changes: dict, labels: dict, leave_out: Iterable[str] = ()) -> str:
    """The changed fields by their labels, 'name, mobile' in the user's language."""
    left_out = set(leave_out)
    return _(", ").join(str(labels.get(key, key)) for key in changes if key not in left_out) or "-"


# -- reading entries ---------------------------------------------------------------------------------

@dataclass
class Line:
    """One entry as people read it."""

    entry: object
    text: str
    record_noun: str
    record_name: str
    record_url: str | None


def _text(entry) -> str:
    registered = _SENTENCES.get(entry.action)
    if registered is None:
        return _("%(action)s (not described)", action=entry.action)
    try:
        params = registered.params(entry.changes or {}) if registered.params else {}
        return str(registered.text) % params
    except (KeyError, TypeError, ValueError, IndexError):
        # An entry written before its event changed shape: say what it was rather than fail the page.
        return _("%(action)s (not described)", action=entry.action)


def read(entries: list) -> list[Line]:
    """The entries as lines: a sentence each, the record's name and link (one names query per kind of record)."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.entity_id is not None:
            wanted.setdefault(entry.entity_type, set()).add(entry.entity_id)
    names: dict[str, dict[int, str]] = {}
    for entity_type, ids in wanted.items():
        kind = _RECORD_KINDS.get(entity_type)
        names[entity_type] = kind.names(sorted(ids)) if kind is not None and kind.names else {}
    lines = []
    # A group-level reader opens a store's record in that store's view (pages a manager keeps per store take
    # ?store=); a store's own staff need no more than the id.
    group_reader = bool(entries) and current_actor().store_id is None
    for entry in entries:
        kind = _RECORD_KINDS.get(entry.entity_type)
        noun = str(kind.noun) if kind is not None else entry.entity_type
        name = names.get(entry.entity_type, {}).get(entry.entity_id)
        named = kind is not None and kind.names is not None
        url = None
        # A named record that is gone (a deleted customer file) has no page to link to, nor has a record whose
        # page the reader may not open (an administrator reads of parts the parts pages do not show them).
        if (kind is not None and kind.endpoint and entry.entity_id is not None and (name is not None or not named)
                and may_open(kind.endpoint)):
            try:
                store = {"store": entry.store_id} if group_reader and entry.store_id else {}
                url = url_for(kind.endpoint, **{kind.arg: entry.entity_id}, **store)
            except BuildError:
                url = None
        if name is None:
            name = _("(deleted)") if named else ("" if kind is not None else f"#{entry.entity_id or ''}")
        lines.append(Line(entry, _text(entry), noun, name, url))
    return lines

