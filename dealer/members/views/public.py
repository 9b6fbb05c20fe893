"""Joining the membership on the public site (网上入会): the owner proves the phone with an SMS code, and the
store's customer file with that mobile becomes a member. No sign-in; CSRF on."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from dealer.access import public
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import put_error_on_form
from dealer.members import bp, forms, services
from dealer.sms import verification
from dealer.stores.services import list_stores


@bp.route("/join-online", methods=["GET", "POST"])
@public
def join_online():
    form = forms.JoinOnlineForm()
    form.store.choices = [(store.id, store.name) for store in list_stores(active_only=True)]
    message = None
    if form.validate_on_submit():
        try:
            if form.send.data:
                verification.send_code(form.phone.data, store_id=form.store.data, purpose=services.MEMBER_JOIN,
                                       address=get_remote_address() or "", now=utcnow())
                message = _("The code is on its way by SMS. It is valid for 5 minutes.")
            else:
                member = services.join_online(form.store.data, form.phone.data,
                                              verification.PhoneCheck(code=form.code.data or ""), now=utcnow(),
                                              name=form.name.data or "",
                                              marketing_consent=form.marketing_consent.data)
                return render_template("members/public_joined.html", member=member)
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error, {"verification": "code"})
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("members/public_join.html", form=form, message=message), status
