"""The owner's feedback form (意见反馈表), opened from the SMS link on a phone: no sign-in, CSRF on.

The link's token is the only key: an unknown token is 404, an expired one says so. A second submission of
the same form changes nothing: the page shows the answers already given. The store's public complaint and
suggestion form lives beside it (`/f/complaint/<store code>`), rate-limited per address.
"""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from dealer.access import public
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import limiter
from dealer.forms import put_error_on_form
from dealer.satisfaction import forms, public_bp, services
from dealer.satisfaction.errors import LinkExpired


@public_bp.route("/<token>", methods=["GET", "POST"])
@public
def form(token):
    now = utcnow()
    try:
        follow_up = services.follow_up_by_token(token, now=now)
    except LinkExpired as error:
        return render_template("satisfaction/feedback_expired.html", message=error.message), 410
    page_form = forms.FeedbackForm()
    if follow_up.form is None and page_form.validate_on_submit():
        answers = services.FormInput(
            services.Grades(page_form.timeliness.data, page_form.quality.data, page_form.attitude.data),
            comment=page_form.comment.data or "", may_call=page_form.may_call.data)
        try:
            services.submit_feedback(token, answers, now=now)
        except DomainError as error:
            put_error_on_form(page_form, error)
        else:
            return redirect(url_for("feedback.form", token=token))
    return render_template("satisfaction/feedback.html", follow_up=follow_up, form=page_form,
                           items=forms.ITEM_LABELS, letters=forms.GRADE_LETTERS, words=forms.GRADE_WORDS)


# Submissions per address to the public complaint form (SATISFACTION_PUBLIC_RATE_LIMIT): enough for a family,
# too few for a script filling CS's list.
PUBLIC_LIMIT = "5 per minute;20 per day"


def _public_limit() -> str:
    return current_app.config.get("SATISFACTION_PUBLIC_RATE_LIMIT", PUBLIC_LIMIT)


@public_bp.route("/complaint/<store_code>", methods=["GET", "POST"])
@public
@limiter.limit(_public_limit, methods=["POST"])
def complaint(store_code):
    """The store's public complaint and suggestion form (投诉与建议): no sign-in, made for a phone."""
    store = services.public_store(store_code)
    page_form = forms.PublicComplaintForm()
    if page_form.validate_on_submit():
        data = services.PublicComplaintInput(
            kind=page_form.kind.data, category=page_form.category.data, description=page_form.description.data,
            contact_phone=page_form.contact_phone.data, contact_name=page_form.contact_name.data or "",
            order_number=page_form.order_number.data or "")
        try:
            services.submit_public_complaint(store_code, data, now=utcnow())
        except DomainError as error:
            put_error_on_form(page_form, error)
        else:
            return redirect(url_for("feedback.complaint", store_code=store.code, sent=1))
    return render_template("satisfaction/public_complaint.html", store=store, form=page_form,
                           sent=request.args.get("sent") == "1" and not page_form.is_submitted())
