"""Lists: all orders, the workshop board, a technician's jobs, the cashier's queue, the manager's figures."""
from __future__ import annotations

from datetime import date, datetime

from flask import render_template, request
from flask_login import current_user

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER
from dealer.database import utcnow
from dealer.forms import page_arg
from dealer.inputs import CALENDAR
from dealer.repair import bp, forms, queries, services
from dealer.repair.models import STATES
from dealer.repair.views.common import REPAIR_STAFF, SETTLERS, TECHNICIANS
from dealer.stores.services import store_scope


@bp.route("/")
@roles_required(*REPAIR_STAFF)
def index():
    state = request.args.get("state", "")
    scope = store_scope(current_actor(), request.args.get("store"))
    filters = queries.OrderFilter(states=(state,) if state in STATES else (), store_ids=scope.store_ids)
    pagination = queries.list_orders(actor=current_actor(), filters=filters, page=page_arg(), count_cap=10_000)
    return render_template("repair/index.html", state=state, state_labels=services.STATE_LABELS, now=utcnow(),
                           pagination=pagination, scope=scope)


@bp.route("/board")
@roles_required(*REPAIR_STAFF)
def board():
    now = utcnow()
    scope = store_scope(current_actor(), request.args.get("store"))
    template = "repair/_board.html" if request.headers.get("HX-Request") else "repair/board.html"
    return render_template(template, columns=queries.board(actor=current_actor(), now=now, store_ids=scope.store_ids),
                           now=now, state_labels=services.STATE_LABELS, overdue=queries.overdue, scope=scope)


@bp.route("/my-jobs")
@roles_required(*TECHNICIANS)
def my_jobs():
    return render_template("repair/my_jobs.html", items=queries.my_jobs(actor=current_actor()), now=utcnow(),
                           labels=forms, overdue=queries.overdue)


@bp.route("/cashier")
@roles_required(*SETTLERS)
def cashier():
    scope = store_scope(current_actor(), request.args.get("store"))
    return render_template("repair/cashier.html", items=queries.to_settle(actor=current_actor(),
                                                                          store_ids=scope.store_ids), scope=scope)


@bp.route("/figures")
@roles_required(MANAGER)
def figures():
    today = forms.to_local(utcnow(), current_user.store).date()  # the month as the store's calendar has it
    try:
        month = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
        if CALENDAR.problem(month):
            raise ValueError(month)
    except ValueError:
        month = date(today.year, today.month, 1)
    actor = current_actor()
    scope = store_scope(actor, request.args.get("store"))
    return render_template("repair/figures.html", month=month, scope=scope,
                           quality=services.quality_figures(actor=actor, month=month, store_ids=scope.store_ids),
                           time=services.time_figures(actor=actor, month=month, store_ids=scope.store_ids))
