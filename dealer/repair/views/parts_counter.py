"""The parts counter's pages (配件出库): the queue of parts to issue, issuing and returns.

They keep the parts clerk's URLs under /parts/ on a blueprint of their own (`parts_counter`), registered
with the repair blueprint (the part's page shows the lines holding the part: repair/handlers.py).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import PARTS_WRITERS
from dealer.database import utcnow
from dealer.parts import services as stock
from dealer.repair import bp as repair_bp
from dealer.repair import queries, services
from dealer.repair.forms.parts_counter import IssueForm, ReturnForm
from dealer.stores.services import store_scope

bp = Blueprint("parts_counter", __name__, url_prefix="/parts")


@repair_bp.record_once
def _register(state) -> None:
    """Register the parts counter's blueprint with the repair module's (the app registers one per module)."""
    state.app.register_blueprint(bp)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        flash("; ".join(str(e) for e in errors), "danger")


@bp.route("/issue-queue")
@roles_required(*PARTS_WRITERS)
def issue_queue():
    scope = store_scope(current_actor(), request.args.get("store"))
    return render_template("repair/parts_counter/issue_queue.html", form=IssueForm(), scope=scope,
                           items=queries.issue_queue(actor=current_actor(), store_ids=scope.store_ids),
                           store_codes={s.id: s.code for s in scope.stores} if scope.several else None)


@bp.route("/lines/<int:line_id>/issue", methods=["POST"])
@roles_required(*PARTS_WRITERS)
def issue(line_id):
    form = IssueForm()
    if form.validate_on_submit():
        move = services.issue_to_line(line_id, quantity=form.quantity.data, actor=current_actor(), now=utcnow())
        part = stock.get_part(move.part_id, actor=current_actor())  # the move's part, read after the commit
        flash(_("%(number)s handed out; %(left)s left in stock.", number=part.part_number,
                left=stock.qty(move.on_hand_after)), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("parts_counter.issue_queue"))


@bp.route("/<int:part_id>/lines/<int:line_id>/return", methods=["POST"])
@roles_required(*PARTS_WRITERS)
def return_line(part_id, line_id):
    form = ReturnForm()
    if form.validate_on_submit():
        services.return_from_line(line_id, quantity=form.quantity.data, actor=current_actor(), now=utcnow())
        flash(_("The parts are back in stock."), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("parts.show", part_id=part_id))
