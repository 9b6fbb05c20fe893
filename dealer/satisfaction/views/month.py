"""The month sheet (月度考核表): figures with n and response rate, printable on A4, Excel, sign-off by CS."""
from __future__ import annotations

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.satisfaction import bp, forms, queries, services
from dealer.satisfaction.export import month_workbook
from dealer.satisfaction.views.common import CS, READERS, flash_errors, store_and_month


@bp.route("/month")
@roles_required(*READERS)
def month():
    scope, store_id, month_start = store_and_month()
    sheet = services.month_sheet(store_id, month_start, actor=current_actor())
    return render_template("satisfaction/month.html", sheet=sheet, scope=scope, store_id=store_id,
                           forms_of_month=queries.month_forms_list(store_id, month_start),
                           disagreements=queries.disagreements(store_id, month_start),
                           previous=services.previous_month(month_start), following=services.next_month(month_start),
                           letters=forms.GRADE_LETTERS, comparisons=forms.COMPARISON_LABELS,
                           channels=_once(forms.CHANNEL_LABELS), sources=_once(forms.SOURCE_LABELS),
                           sign_form=forms.SignForm())


def _once(labels: dict) -> dict:
    """Labels translated once for the request, not once per row of the month's forms."""
    return {key: str(label) for key, label in labels.items()}


@bp.route("/month.xlsx")
@roles_required(*READERS)
def export_month():
    _scope, store_id, month_start = store_and_month()
    sheet = services.month_sheet(store_id, month_start, actor=current_actor())
    rows = queries.month_forms_list(store_id, month_start)
    name = f"assessment-{sheet.store.code}-{month_start:%Y-%m}.xlsx"
    return send_file(month_workbook(sheet, rows), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/month/sign", methods=["POST"])
@roles_required(*CS)
def sign_month():
    _scope, store_id, month_start = store_and_month()
    form = forms.SignForm()
    if form.validate_on_submit():
        try:
            services.sign_month(store_id, month_start, note=form.note.data or "", actor=current_actor(), now=utcnow())
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("The month is signed off."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("satisfaction.month", month=f"{month_start:%Y-%m}", store=store_id))
