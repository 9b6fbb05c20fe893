"""The rescue figures (救援指标) of a month with their Excel export, and the closed-call search."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import render_template, request, send_file
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, RESCUE_DISPATCHER
from dealer.database import utcnow
from dealer.errors import NotFound
from dealer.inputs import whole_number
from dealer.rescue import bp, labels, queries, services
from dealer.rescue.export import figures_workbook
from dealer.rescue.forms import SearchForm
from dealer.stores.services import store_scope
from dealer.timezones import local_date, zone_named

DESK = (RESCUE_DISPATCHER, MANAGER)


def _store_and_month():
    """The store (a group-level user's pick, ?store=) and the month (?month=2026-11; this month by default)."""
    actor = current_actor()
    scope = store_scope(actor, request.args.get("store"))
    store_id = scope.selected or actor.store_id or (scope.stores[0].id if scope.stores else None)
    if store_id is None:
        raise NotFound()
    try:
        year, number = (int(part) for part in (request.args.get("month") or "").split("-"))
        if not 2000 <= year <= 2099:
            raise ValueError
        month = date(year, number, 1)
    except ValueError:
        month = local_date(utcnow(), None).replace(day=1)
    store = next((s for s in scope.stores if s.id == store_id), None)
    return scope, store_id, store, month


def _shifted(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@bp.route("/figures")
@roles_required(*DESK)
def figures():
    scope, store_id, store, month = _store_and_month()
    found = queries.figures(store_id, month, total_label=_("Whole month"))
    return render_template("rescue/figures.html", figures=found, scope=scope, store_id=store_id, store=store,
                           month=month, previous=_shifted(month, -1), following=_shifted(month, 1), labels=labels,
                           claims=services.open_claims_by_state(store_id),
                           trend=queries.estimate_error_trend(store_id, month))


@bp.route("/figures.xlsx")
@roles_required(*DESK)
def figures_export():
    _scope, store_id, store, month = _store_and_month()
    found = queries.figures(store_id, month, total_label=_("Whole month"))
    name = f"rescue-{store.code if store else store_id}-{month:%Y-%m}.xlsx"
    trend = queries.estimate_error_trend(store_id, month)
    return send_file(figures_workbook(found, store.name if store else "", trend), as_attachment=True,
                     download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _day_start(day: date | None, zone) -> datetime | None:
    return datetime.combine(day, time(), zone) if day is not None else None


@bp.route("/calls")
@roles_required(*DESK)
def search_calls():
    """Closed calls (completed or cancelled) by date range, plate and phone, newest first, paged."""
    scope = store_scope(current_actor(), request.args.get("store"))
    form = SearchForm(request.args, meta={"csrf": False})
    search = queries.Search()
    if form.validate():
        zone = zone_named(scope.stores[0].timezone if scope.stores else "Asia/Shanghai")
        end = form.end.data + timedelta(days=1) if form.end.data else None
        search = queries.Search(start=_day_start(form.start.data, zone), end=_day_start(end, zone),
                                plate=queries.plate_prefix(form.plate.data),
                                phone=queries.phone_digits(form.phone.data))
    page = whole_number(request.args.get("page")) or 1
    found = queries.closed_calls(scope.store_ids, search, page=max(1, min(page, 10_000)))
    return render_template("rescue/search.html", form=form, calls=found, scope=scope, labels=labels)
