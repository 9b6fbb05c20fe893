"""The service operations dashboard (服务运营): a store's month of revenue, cars, orders and stock, and its Excel."""
from __future__ import annotations

from flask import render_template, send_file
from flask_babel import lazy_gettext as _l

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, MANAGER
from dealer.database import utcnow
from dealer.repair import signals as repair_signals
from dealer.repair.forms import KIND_LABELS, PAYER_LABELS
from dealer.satisfaction import bp, operations
from dealer.satisfaction.export import operations_workbook
from dealer.satisfaction.services.month import month_bounds
from dealer.satisfaction.views.common import store_and_month
from dealer.signals import collect_panels
from dealer.stores.services import get_store

RUNNERS = (MANAGER, ADMIN)
LINE_LABELS = {"labor": _l("Labor"), "parts": _l("Parts")}


def _figures():
    scope, store_id, month_start = store_and_month()
    store = get_store(store_id, actor=current_actor())
    return scope, store_id, operations.operations(store, month_start, now=utcnow())


def _labels() -> dict:
    return {"lines": LINE_LABELS, "payers": PAYER_LABELS, "kinds": KIND_LABELS}


@bp.route("/operations")
@roles_required(*RUNNERS)
def operations_page():
    scope, store_id, figures = _figures()
    start, end = month_bounds(figures.store, figures.month)
    # Sections of the modules above (bookings, members): satisfaction shows them without knowing them.
    panels = collect_panels(repair_signals.month_panels, figures.store, actor=current_actor(), start=start, end=end,
                            sheets=False)
    return render_template("satisfaction/operations.html", scope=scope, store_id=store_id, o=figures,
                           m=f"{figures.month:%Y-%m}", labels=_labels(), panels=panels)


@bp.route("/operations.xlsx")
@roles_required(*RUNNERS)
def export_operations():
    _scope, _store_id, figures = _figures()
    start, end = month_bounds(figures.store, figures.month)
    panels = collect_panels(repair_signals.month_panels, figures.store, actor=current_actor(), start=start, end=end,
                            sheets=True)
    return send_file(operations_workbook(figures, _labels(), panels), as_attachment=True,
                     download_name=f"operations-{figures.store.code}-{figures.month:%Y-%m}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
