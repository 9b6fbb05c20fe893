"""The store's follow-up and assessment settings: set by CS (or an administrator), amounts in whole yuan."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, CS_SUPERVISOR
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import managed_store_id, put_error_on_form
from dealer.satisfaction import bp, forms, services
from dealer.stores.services import get_store


def _yuan_fields(form) -> list[str]:
    return [name for name in form._fields if name.endswith("_yuan")]


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(CS_SUPERVISOR, ADMIN)
def settings():
    store_id = managed_store_id()
    store = get_store(store_id, actor=current_actor())
    current = services.settings_for(store_id)
    form = forms.SettingsForm()
    if not form.is_submitted():
        for name in services.EDITABLE:
            field = form[name[:-4] + "_yuan"] if name.endswith("_fen") else form[name]
            value = getattr(current, name)
            field.data = value // 100 if name.endswith("_fen") else value
    if form.validate_on_submit():
        values = {name: (form[name[:-4] + "_yuan"].data * 100 if name.endswith("_fen") else form[name].data)
                  for name in services.EDITABLE}
        values["case_words"] = values["case_words"] or ""
        try:
            services.save_settings(store_id, values, actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("satisfaction.settings", store=store_id))
    return render_template("satisfaction/settings.html", form=form, store=store, store_id=store_id)
