"""The one place a DomainError or an HTTP error becomes a flash message, an error page or a JSON error."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import safe_next
from dealer.responses import is_api_request, json_error

log = logging.getLogger(__name__)


_HTTP_MESSAGES = {
    400: _l("The request was not understood."),
    401: _l("Please sign in."),
    403: _l("You are not allowed to do this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    413: _l("The upload is too large."),
    422: _l("Some fields are not valid."),
    429: _l("Too many attempts. Please wait and try again."),
    500: _l("Something went wrong on our side. Please try again."),
}


def _back_url() -> str:
    """Return the page of this site the user came from, or the home page (never another site)."""
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.scheme in ("http", "https") and referrer.netloc == request.host
    if same_site or not (referrer.scheme or referrer.netloc):
        return safe_next(referrer.path + ("?" + referrer.query if referrer.query else ""))
    return url_for("auth.home")


def register_error_handlers(app) -> None:
    """Map DomainError and HTTP errors once: JSON under /api, a page or a flash elsewhere."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if is_api_request():
            return json_error(error.code, error.message, error.status, error.fields())
        if error.status in (403, 404) and request.method in ("GET", "HEAD"):
            # The page asked for is missing, in another store, or not the user's to see: say so, with
            # the status. A form that names something missing (a POST) goes back to its page instead.
            return render_template("error.html", status=error.status, message=error.message), error.status
        flash(str(error.message), "danger")
        return redirect(_back_url())

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = _HTTP_MESSAGES.get(status, error.description)
        # What the exception says besides its page (405's Allow, 401's WWW-Authenticate), never its type.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if is_api_request():
            fields = {}
            data = getattr(error, "data", None) or {}
            if status == 422 and "messages" in data:
                # webargs/marshmallow: {"json": {"field": ["msg"]}} -> {"field": ["msg"]}
                for location_errors in data["messages"].values():
                    fields.update(location_errors)
            elif status == 400 and "json" in data.get("messages", {}):
                message = _("Send a JSON body (Content-Type: application/json).")
            code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 422: "validation_failed",
                    429: "rate_limited"}.get(status, "http_%d" % status)
            response = json_error(code, message, status, fields)
            response.headers.extend(headers)
            return response
        if status == 429:
            # A limit that names its own message (the owner's booking pages) says it; the others guard sign-in.
            own = getattr(getattr(error, "limit", None), "error_message", None)
            message = error.description if own else _(
                "Too many sign-in attempts. Please wait a few minutes and try again.")
        return render_template("error.html", status=status, message=message), status, headers

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if app.testing:
            raise error
        log.exception("unhandled error")
        db.session.rollback()
        if is_api_request():
            return json_error("internal_error", _HTTP_MESSAGES[500], 500)
        return render_template("error.html", status=500, message=_HTTP_MESSAGES[500]), 500
