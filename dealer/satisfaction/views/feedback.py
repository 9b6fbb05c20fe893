"""The owner's feedback form (意见反馈表), opened from the SMS link on a phone: no sign-in, CSRF on.

The link's token is the only key: an unknown token is 404, an expired one says so. A second submission of
the same form changes nothing: the page shows the answers already given.
"""
from __future__ import annotations

from flask import redirect, render_template, url_for

from dealer.access import public
from dealer.database import utcnow
from dealer.errors import DomainError
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
