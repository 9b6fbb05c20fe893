"""The owner's progress page (透明度), opened from the SMS link on a phone: no sign-in, no script, CSRF on.

The link's token is the only key: a wrong or ended one is a plain "not found", and the pages are rate-limited
per address so tokens cannot be guessed. The owner approves or declines each extra-work item here (费用安心).
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from dealer.access import public
from dealer.booking import bp, limits, progress
from dealer.booking.forms import ActionForm
from dealer.database import utcnow
from dealer.errors import DomainError, NotFound
from dealer.extensions import limiter
from dealer.members.queries import owner_member_view  # membership: the owner's member view
from dealer.repair.services import STATE_LABELS
from dealer.timezones import store_zone

_LIMIT = {"limit_value": limits.progress_limit, "error_message": limits.too_many_requests}


@bp.route("/p/<token>")
@public
@limiter.limit(**_LIMIT)
def progress_page(token):
    """The order's stages, promise, estimate, inspection, the items waiting for the owner, the statement."""
    try:
        shown = progress.open_progress(token, now=utcnow())
    except NotFound:
        return render_template("booking/progress_missing.html"), 404
    zone = store_zone(shown.order.store)
    member_view = owner_member_view(shown.order.store_id, shown.order.customer_id, now=utcnow(), zone=zone)
    # The decision forms' CSRF token only where an item waits (nothing else posts: no session is opened for it).
    return render_template("booking/progress.html", p=shown, token=token, form=ActionForm() if shown.pending else None,
                           zone=zone, state_labels=STATE_LABELS, member_view=member_view)


@bp.route("/p/<token>/items/<int:job_id>/<any(approved, declined):decision>", methods=["POST"])
@public
@limiter.limit(**_LIMIT)
def progress_decide(token, job_id, decision):
    """The owner approves or declines one item of extra work; a second tap changes nothing."""
    if not ActionForm().validate_on_submit():
        flash(_("The page has expired. Please try again."), "warning")
        return redirect(url_for("booking.progress_page", token=token))
    try:
        progress.decide(token, job_id, decision, now=utcnow())
    except NotFound:
        return render_template("booking/progress_missing.html"), 404
    except DomainError as error:
        flash(str(error.message), "warning")
    else:
        flash(_("Thank you: the item is approved.") if decision == "approved"
              else _("Thank you: the item will not be done."), "success")
    return redirect(url_for("booking.progress_page", token=token))


@bp.route("/p/<token>/photos/<int:photo_id>")
@public
@limiter.limit(**_LIMIT)
def progress_photo(token, photo_id):
    """One of the order's inspection photos, only through the order's own link."""
    path, photo = progress.photo_of(token, photo_id, folder=current_app.config["UPLOAD_FOLDER"], now=utcnow())
    response = send_file(path, mimetype=photo.content_type, conditional=True, etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
