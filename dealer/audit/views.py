"""The audit log page (审计日志) and its CSV export, for administrators and managers."""
from __future__ import annotations

import csv
import io

from flask import Response, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, MANAGER
from dealer.audit import bp, events, services
from dealer.audit.forms import EntryFilterForm
from dealer.forms import choices, page_arg

AUDIT_READERS = (ADMIN, MANAGER)


def _store_ids() -> list[int] | None:
    actor = current_actor()
    return None if actor.store_id is None else [actor.store_id]


def _filter_form() -> tuple[EntryFilterForm, services.EntryFilter]:
    form = EntryFilterForm(request.args)
    form.actor.choices = choices([(0, _("Everyone"))] + services.people(_store_ids()))
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
    form, filters = _filter_form()
    pagination = services.list_entries(store_ids=_store_ids(), filters=filters, page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, pagination=pagination, args=args,
                           lines=events.read(pagination.items))


@bp.route("/export.csv")
@roles_required(*AUDIT_READERS)
def export():
    """Every entry the filters select, as CSV (UTF-8 with a BOM, so that Excel reads the Chinese)."""
    _form, filters = _filter_form()
    store_ids = _store_ids()
    site = request.host_url.rstrip("/")
    header = [_("When"), _("Who"), _("What"), _("Record"), _("Name"), _("Link"), _("Event code")]

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    # Built whole, batch by batch (a month of a store's log is a few thousand rows): a streamed body would
    # outlive the request's transaction.
    for batch in services.each_batch(store_ids=store_ids, filters=filters):
        for line in events.read(batch):
            entry = line.entry
            writer.writerow([format_datetime(entry.created_at, "yyyy-MM-dd HH:mm:ss"),
                             entry.actor_name or _("system"), line.text, line.record_noun, line.record_name,
                             site + line.record_url if line.record_url else "", entry.action])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
