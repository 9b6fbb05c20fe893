"""Printable A4 documents: the work order (派工单), the estimate (估价单), the statement (结算单)."""
from __future__ import annotations

from flask import render_template

from dealer import money
from dealer.access import current_actor, roles_required
from dealer.actors import PHONE_CALLERS
from dealer.database import utcnow
from dealer.repair import bp, forms, queries, services, signals
from dealer.repair.models import JOB_APPROVED, JOB_ESTIMATE, JOB_PENDING
from dealer.repair.views.common import REPAIR_STAFF, SETTLERS
from dealer.signals import collect_panels


def _document(template: str, order_id: int, approvals: tuple[str, ...], panels_signal=None):
    actor = current_actor()
    order = services.get_order(order_id, actor=actor)
    totals = queries.display_totals(order)
    panels = collect_panels(panels_signal, order, actor=actor) if panels_signal is not None else []
    return render_template(template, order=order, totals=totals, labels=forms, now=utcnow(), panels=panels,
                           groups=queries.lines_by_payer(order, approvals),
                           jobs=[job for job in order.jobs if job.approval in approvals],
                           settings=services.settings_for(order.store_id),
                           capital=money.capital_numerals(totals.total_fen),
                           show_phone=actor.has_any(PHONE_CALLERS), state_labels=services.STATE_LABELS)


@bp.route("/orders/<int:order_id>/work-order")
@roles_required(*REPAIR_STAFF)
def print_work_order(order_id):
    return _document("repair/print/work_order.html", order_id, (JOB_ESTIMATE, JOB_APPROVED, JOB_PENDING))


@bp.route("/orders/<int:order_id>/estimate")
@roles_required(*SETTLERS)
def print_estimate(order_id):
    return _document("repair/print/estimate.html", order_id, services.QUOTED)


@bp.route("/orders/<int:order_id>/statement")
@roles_required(*SETTLERS)
def print_statement(order_id):
    return _document("repair/print/statement.html", order_id, services.BILLED, signals.statement_panels)
