"""Settlement (结算), handing the car back, cancelling, and reversing a settled order (红冲)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.auth.forms import ConfirmForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.repair import bp, forms, queries, services
from dealer.repair.views.common import ADVISORS, REVERSERS, SETTLERS, field_error, order_page, order_url


def _payments(form) -> tuple[list[services.PaymentInput], dict[str, str]]:
    """Return the filled payment rows, and the service's field names of them mapped to the form's rows."""
    rows = [(index, entry.form) for index, entry in enumerate(form.payments.entries)
            if entry.form.amount.data]
    payments = [services.PaymentInput(method=row.method.data, amount_fen=row.amount.data,
                                      reference=row.reference.data or "") for _index, row in rows]
    aliases = {f"payments.{k}.{name}": f"payments-{index}-{form_name}" for k, (index, _row) in enumerate(rows)
               for name, form_name in (("method", "method"), ("amount_fen", "amount"), ("reference", "reference"))}
    return payments, aliases


@bp.route("/orders/<int:order_id>/settle", methods=["GET", "POST"])
@roles_required(*SETTLERS)
def settle(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.SettleForm()
    totals = queries.display_totals(order)
    if request.method == "GET":
        form.payments.entries[0].form.amount.data = totals.total_fen or None
    if form.validate_on_submit():
        payments, aliases = _payments(form)
        aliases["points_fen"] = "points"
        try:
            services.settle(order.id, payments, actor=current_actor(), now=utcnow(), points_fen=form.points.data or 0)
        except DomainError as error:
            field_error(form, error, aliases)
        else:
            flash(_("Order %(number)s is settled.", number=order.number), "success")
            return redirect(url_for("repair.print_statement", order_id=order.id))
    return render_template("repair/settle.html", order=order, form=form, totals=totals, labels=forms)


@bp.route("/orders/<int:order_id>/deliver", methods=["POST"])
@roles_required(*ADVISORS)
def deliver(order_id):
    if ConfirmForm().validate_on_submit():
        services.deliver(order_id, actor=current_actor(), now=utcnow())
        flash(_("The car has been handed back to the owner."), "success")
    return redirect(order_url(order_id))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@roles_required(*ADVISORS)
def cancel(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.CancelForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            services.cancel(order.id, reason=form.reason.data, actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(_("Order %(number)s is cancelled.", number=order.number), "success")
            return redirect(order_url(order.id))
    return order_page(order, {"cancel": form})


@bp.route("/orders/<int:order_id>/reverse", methods=["GET", "POST"])
@roles_required(*REVERSERS)
def reverse(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.ReverseForm()
    if request.method == "GET" and order.customer_total_fen:
        form.payments.entries[0].form.amount.data = order.customer_total_fen
    if form.validate_on_submit():
        refunds, aliases = _payments(form)
        try:
            mirror = services.reverse(order.id, reason=form.reason.data, refunds=refunds,
                                      actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error, aliases)
        else:
            flash(_("Order %(number)s is reversed by %(reversal)s.", number=order.number,
                    reversal=mirror.number), "success")
            return redirect(order_url(mirror.id))
    return render_template("repair/reverse.html", order=order, form=form, labels=forms)
