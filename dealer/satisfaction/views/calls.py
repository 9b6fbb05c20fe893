"""CS's board (回访): the calls to make, a follow-up with its form and calls, the cases for managers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import page_arg, put_error_on_form
from dealer.satisfaction import bp, forms, queries, services
from dealer.satisfaction.models import FOLLOW_UP_STATES
from dealer.satisfaction.views.common import BOARD, CASE_KEEPERS, CS, READERS, flash_errors, grades_of
from dealer.stores.services import store_scope


def _labels() -> dict:
    return {"items": forms.ITEM_LABELS, "letters": forms.GRADE_LETTERS, "states": forms.FOLLOW_UP_STATE_LABELS,
            "verify": forms.VERIFY_LABELS, "purposes": forms.PURPOSE_LABELS, "channels": forms.CHANNEL_LABELS,
            "case_reasons": forms.CASE_REASON_LABELS, "sources": forms.SOURCE_LABELS}


@bp.route("/")
@roles_required(*BOARD)
def index():
    actor = current_actor()
    scope = store_scope(actor, request.args.get("store"))
    return render_template("satisfaction/index.html", calls=queries.call_list(scope.store_ids, actor=actor),
                           cases=queries.open_cases(scope.store_ids), scope=scope, labels=_labels(),
                           case_form=forms.CaseForm(), now=utcnow(),
                           top_marks=queries.top_marks_flags(scope.store_ids, now=utcnow()))


@bp.route("/follow-ups")
@roles_required(*READERS)
def follow_ups():
    actor = current_actor()
    scope = store_scope(actor, request.args.get("store"))
    state = request.args.get("state") if request.args.get("state") in FOLLOW_UP_STATES else None
    page = queries.follow_up_page(scope.store_ids, state=state, page=page_arg())
    return render_template("satisfaction/follow_ups.html", page=page, scope=scope, state=state, labels=_labels())


@bp.route("/follow-ups/<int:follow_up_id>")
@roles_required(*READERS)
def show_follow_up(follow_up_id):
    actor = current_actor()
    follow_up = services.get_follow_up(follow_up_id, actor=actor)
    form = forms.CallForm(purpose="verification" if follow_up.form is not None else "follow_up")
    return render_template("satisfaction/follow_up.html", follow_up=follow_up, form=form, labels=_labels(),
                           case_form=forms.CaseForm(), now=utcnow())


@bp.route("/follow-ups/<int:follow_up_id>/calls", methods=["POST"])
@roles_required(*CS)
def record_call(follow_up_id):
    form = forms.CallForm()
    if form.validate_on_submit():
        reached = form.reached.data == "yes"
        call = services.CallInput(purpose=form.purpose.data, reached=reached,
                                  grades=grades_of(form) if reached else None, comment=form.comment.data or "",
                                  may_call=form.may_call.data, note=form.note.data or "")
        try:
            services.record_call(follow_up_id, call, actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
            flash_errors(form)
        else:
            flash(_("The call has been recorded."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("satisfaction.show_follow_up", follow_up_id=follow_up_id))


@bp.route("/cases/<int:case_id>/close", methods=["POST"])
@roles_required(*CASE_KEEPERS)
def close_case(case_id):
    form = forms.CaseForm()
    if form.validate_on_submit():
        case = services.close_case(case_id, outcome=form.outcome.data, actor=current_actor(), now=utcnow())
        flash(_("The outcome has been recorded."), "success")
        return redirect(url_for("satisfaction.show_follow_up", follow_up_id=case.follow_up_id))
    flash_errors(form)
    return redirect(url_for("satisfaction.index"))
