"""The audit log page (审计日志) and its CSV export, for administrators and managers."""
from __future__ import annotations

import csv
import io

from flask import Response, current_app, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, MANAGER
from dealer.audit import bp, events, services
from dealer.audit.forms import EntryFilterForm
from dealer.forms import choices, page_arg

AUDIT_READERS = (ADMIN, MANAGER)


def register_store_scope(app, store_scope) -> None:
    """Give the log the stores module's `store_scope(actor, wanted)` (the stores a list shows a user, with the
    store filter's choice): the stores module builds on this one, so the app hands it down."""
    app.extensions["dealer.audit.store_scope"] = store_scope


def _scope():
    """The stores the log shows (a group-level user: every store and the group's own entries, or the one the
    filter chose; a store's staff: their store) and the ids the queries name: None for the whole group."""
    actor = current_actor()
    scope = current_app.extensions["dealer.audit.store_scope"](actor, request.args.get("store"))
    if actor.store_id is None and scope.selected is None:
        return scope, None
    return scope, scope.store_ids


def _filter_form(store_ids: list[int] | None) -> tuple[EntryFilterForm, services.EntryFilter]:
    form = EntryFilterForm(request.args)
    form.actor.choices = choices([(0, _("Everyone"))] + services.people(store_ids))
    form.record.choices = choices([("", _("Every kind"))] + events.record_kinds())
    form.validate()
    filters = services.EntryFilter(
        actor_id=form.actor.data or None if not form.actor.errors else None,
        entity_type=(form.record.data or "") if not form.record.errors else "",
        entity_id=form.record_id.data if not form.record_id.errors else None,
        day_from=form.day_from.data if not form.day_from.errors else None,
        day_to=form.day_to.data if not form.day_to.errors else None)
    return form, filters


@bp.route("/")
@roles_required(*AUDIT_READERS)
def index():
    scope, store_ids = _scope()
    form, filters = _filter_form(store_ids)
    pagination = services.list_entries(store_ids=store_ids, filters=filters, page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, pagination=pagination, args=args, scope=scope,
                           lines=events.read(pagination.items))


@bp.route("/export.csv")
@roles_required(*AUDIT_READERS)
def export():
    """Every entry the filters select, as CSV (UTF-8 with a BOM, so that Excel reads the Chinese)."""
    scope, store_ids = _scope()
    _form, filters = _filter_form(store_ids)
    site = request.host_url.rstrip("/")
    header = [_("When"), *([_("Store")] if scope.several else []), _("Who"), _("What"), _("Record"), _("Name"),
              _("Link"), _("Event code")]

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    # Built whole, batch by batch (a month of a store's log is a few thousand rows): a streamed body would
    # outlive the request's transaction.
    for batch in services.each_batch(store_ids=store_ids, filters=filters):
        for line in events.read(batch):
            entry = line.entry
            store = [scope.code(entry.store_id) if entry.store_id else _("Group")] if scope.several else []
            writer.writerow([format_datetime(entry.created_at, "yyyy-MM-dd HH:mm:ss"), *store,
                             entry.actor_name or _("system"), line.text, line.record_noun, line.record_name,
                             site + line.record_url if line.record_url else "", entry.action])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
