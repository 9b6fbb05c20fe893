"""The manager's import of opening balances (期初余额) from the previous system: all or nothing, errors by row."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER
from dealer.database import utcnow
from dealer.extensions import db
from dealer.members import bp, forms, services
from dealer.members.errors import ImportRefused
from dealer.members.views.members import working_store_id

MOST_BYTES = 10 * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
@roles_required(MANAGER)
def import_balances():
    store_id = working_store_id()
    form = forms.ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(MOST_BYTES + 1)
        try:
            if len(content) > MOST_BYTES:
                raise ImportRefused([], _("A file of at most 10 MB."))
            imported = services.import_opening_balances(store_id, upload.filename or "", content,
                                                        actor=current_actor(), now=utcnow())
        except ImportRefused as error:
            db.session.rollback()
            return render_template("members/import.html", form=form, store_id=store_id, error=error), 422
        flash(_("Imported the opening balances of %(count)s members.", count=imported), "success")
        return redirect(url_for("members.import_balances", store=store_id))
    status = 422 if form.is_submitted() else 200
    return render_template("members/import.html", form=form, store_id=store_id, error=None), status
