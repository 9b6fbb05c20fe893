"""The crew's page: no account, only the unguessable link of their SMS; big buttons on a phone."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import public
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.repair.services import decode_signature
from dealer.rescue import bp, labels, services
from dealer.rescue.errors import LinkExpired
from dealer.rescue.forms import degrees
from dealer.rescue.geo import navigation_links

STEPS = ("en_route", "on_scene", "towing", "completed")


def _expired():
    return render_template("rescue/crew_expired.html"), 410


@bp.route("/crew/<token>")
@public
def crew(token):
    try:
        call = services.crew_call(token, now=utcnow())
    except LinkExpired:
        return _expired()
    links = navigation_links(call.latitude_wgs84, call.longitude_wgs84, call.address) if call.has_position else {}
    steps = STEPS
    if call.station_id is not None and call.accepted_at is None and call.state == "dispatched":
        steps = ("accepted",) + STEPS  # a partner station accepts the job first (within the store's time)
    return render_template("rescue/crew.html", call=call, token=token, links=links, labels=labels,
                           steps=steps)


@bp.route("/crew/<token>/steps", methods=["POST"])
@public
def crew_step(token):
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    absent = request.form.get("owner_absent") == "y"  # the owner is not there to sign: the reason instead
    signature = None if absent else decode_signature(request.form.get("signature", ""))
    try:
        call = services.crew_step(token, request.form.get("step", ""), photo=photo,
                                  folder=current_app.config["UPLOAD_FOLDER"], now=utcnow(), signature=signature,
                                  owner_absent_reason=request.form.get("owner_absent_reason", "")[:300] if absent else "")
    except LinkExpired:
        return _expired()
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("rescue.crew", token=token))
    if not call.is_open:  # the job is over, and the link with it: say so, once, without an error status
        return render_template("rescue/crew_done.html", call=call, labels=labels)
    flash(_("Recorded."), "success")
    return redirect(url_for("rescue.crew", token=token))


@bp.route("/crew/<token>/position", methods=["POST"])
@public
def crew_position(token):
    """The phone's position while the job is open (the page's geolocation), WGS-84 degrees."""
    data = request.get_json(silent=True) or {}
    latitude, longitude = degrees(str(data.get("latitude", ""))), degrees(str(data.get("longitude", "")))
    try:
        services.crew_position(token, latitude=latitude, longitude=longitude, now=utcnow())
    except LinkExpired:
        return {"error": "expired"}, 410
    except DomainError as error:
        return {"error": str(error.message)}, 422
    return "", 204
