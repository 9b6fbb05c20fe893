"""Supervision notes (监督记录): observations (啄木鸟) and key-customer visits (拜访), for CS and managers only."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.auth.models import User
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import choices, page_arg, put_error_on_form
from dealer.satisfaction import bp, forms, queries, services
from dealer.satisfaction.models import NOTE_KINDS
from dealer.satisfaction.views.common import BOARD, store_and_month


@bp.route("/notes", methods=["GET", "POST"])
@roles_required(*BOARD)
def notes():
    actor = current_actor()
    scope, store_id, _month = store_and_month()
    form = forms.NoteForm()
    people = db.session.execute(sa.select(User.id, User.full_name, User.username).where(
        User.store_id == store_id, User.active).order_by(User.username).limit(200)).all()
    form.concerns_id.choices = choices([(0, "-")] + [(row.id, row.full_name or row.username) for row in people])
    if form.validate_on_submit():
        data = services.NoteInput(kind=form.kind.data, noted_on=form.noted_on.data, subject=form.subject.data,
                                  text=form.text.data, concerns_id=form.concerns_id.data or None,
                                  needs_action=form.needs_action.data)
        try:
            services.record_note(store_id, data, actor=actor, now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The note has been recorded."), "success")
            return redirect(url_for("satisfaction.notes", store=scope.selected))
    kind = request.args.get("kind") if request.args.get("kind") in NOTE_KINDS else None
    page = queries.note_page(scope.store_ids if not scope.selected else [store_id], kind=kind, page=page_arg())
    return render_template("satisfaction/notes.html", form=form, page=page, scope=scope, store_id=store_id,
                           kind=kind, kinds=forms.NOTE_KIND_LABELS)
