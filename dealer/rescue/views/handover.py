"""Shift handover (交班): write it going off shift, acknowledge it coming on."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, RESCUE_DISPATCHER
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import managed_store_id, put_error_on_form
from dealer.inputs import whole_number
from dealer.rescue import bp, labels, queries, services
from dealer.rescue.forms import HandoverForm
from dealer.stores.services import store_scope

DESK = (RESCUE_DISPATCHER, MANAGER)


@bp.route("/handovers", methods=["GET", "POST"])
@roles_required(*DESK)
def handovers():
    form = HandoverForm()
    if form.validate_on_submit():
        store_id = managed_store_id()
        try:
            services.write_handover(store_id, note=form.note.data or "", actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Handover written: the incoming dispatcher acknowledges it."), "success")
            return redirect(url_for("rescue.handovers", store=store_id))
    scope = store_scope(current_actor(), request.args.get("store"))
    return render_template("rescue/handovers.html", form=form, scope=scope, store_id=scope.selected,
                           handovers=queries.handovers(scope.store_ids), labels=labels,
                           shown=whole_number(request.args.get("handover")))


@bp.route("/handovers/<int:handover_id>/acknowledge", methods=["POST"])
@roles_required(*DESK)
def acknowledge_handover(handover_id):
    try:
        handover = services.acknowledge_handover(handover_id, actor=current_actor(), now=utcnow())
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("rescue.handovers"))
    flash(_("Handover acknowledged."), "success")
    return redirect(url_for("rescue.handovers", store=handover.store_id))
