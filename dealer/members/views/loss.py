"""Customer loss (客户流失): the owners at risk or lost, sortable, with the monthly figures; a win-back campaign
from the list in one step."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.database import utcnow
from dealer.inputs import whole_number
from dealer.members import bp, forms, queries, services
from dealer.members.views.members import working_store_id
from dealer.sms.outbox import zone_of_store


@bp.route("/loss")
@roles_required(MANAGER, SERVICE_ADVISOR)
def loss():
    store_id = working_store_id()
    status = queries.LOST if request.args.get("status") == queries.LOST else queries.AT_RISK
    sort = "spend" if request.args.get("sort") == "spend" else "last_visit"
    page = min(max(whole_number(request.args.get("page")) or 1, 1), 10_000)
    now, zone = utcnow(), zone_of_store(store_id)
    settings = services.settings_for(store_id)
    today = services.store_today(store_id, now)
    listing = queries.lost_owners(store_id, settings=settings, today=today, zone=zone, status=status, sort=sort,
                                  page=page)
    figures = queries.loss_figures(store_id, settings=settings, today=today, zone=zone)
    return render_template("members/loss.html", listing=listing, figures=figures.months,
                           closed_at=figures.closed_at, zone=zone, sort=sort, store_id=store_id,
                           win_back_form=forms.WinBackForm(status=status))


@bp.route("/loss/win-back", methods=["POST"])
@roles_required(MANAGER)
def win_back():
    form = forms.WinBackForm()
    if not form.validate_on_submit():
        return redirect(url_for("members.loss"))
    campaign = services.win_back_campaign(working_store_id(), form.status.data, actor=current_actor(), now=utcnow())
    flash(_("The win-back campaign is saved. Check its target, then launch it."), "success")
    return redirect(url_for("members.campaign", campaign_id=campaign.id))
