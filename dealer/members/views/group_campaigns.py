"""The group's campaigns over several stores (集团活动), for a group-level manager: a new one for the stores
chosen, its page (each store's target counted, the launch; then the results per store and together)."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER
from dealer.database import utcnow
from dealer.errors import DomainError, NotFound
from dealer.extensions import db
from dealer.forms import put_error_on_form
from dealer.members import bp, export, forms, queries, services
from dealer.members.models import DRAFT
from dealer.members.views.campaigns import XLSX, campaign_input, recount
from dealer.stores.services import list_stores


def _group_manager() -> None:
    if current_actor().store_id is not None:  # a store's manager creates and sees their store's campaigns only
        raise NotFound()


def _group_form() -> forms.GroupCampaignForm:
    form = forms.GroupCampaignForm()
    form.stores.choices = [(store.id, f"{store.code} {store.name}") for store in list_stores(active_only=True)]
    form.tier_ranks.choices = [(tier.rank, tier.name) for tier in services.tiers_of(None)]
    return form


@bp.route("/group-campaigns/new", methods=["GET", "POST"])
@roles_required(MANAGER)
def new_group_campaign():
    _group_manager()
    form = _group_form()
    if form.validate_on_submit():
        try:
            group = services.create_group_campaign(form.stores.data or [], campaign_input(form), actor=current_actor(),
                                                   now=utcnow())
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
        else:
            flash(_("The campaign is saved for %(stores)s stores. Check each store's target, then launch it.",
                    stores=len(form.stores.data)), "success")
            return redirect(url_for("members.group_campaign", group_id=group.id))
    status = 422 if form.is_submitted() else 200
    return render_template("members/campaign_form.html", form=form, title=_("New campaign for several stores"),
                           action=url_for("members.new_group_campaign")), status


def _group_page(group_id: int, status: int = 200, launch_form=None):
    group, campaigns = services.get_group_campaign(group_id, actor=current_actor())
    previews, results = [], None
    counted_at = None
    if group.state == DRAFT:
        codes = queries.groups.store_codes(campaigns)
        counts, counted_at = services.kept_counts(campaigns, now=utcnow())
        for campaign, (matched, no_consent, capped) in zip(campaigns, counts, strict=True):
            eligible = max(matched - no_consent - capped, 0)
            previews.append((codes.get(campaign.store_id, ""), campaign, {
                "matched": matched, "no_consent": no_consent, "capped": capped, "eligible": eligible,
                "held_out": services.holdout_count(eligible, campaign.holdout_bp)}))
    else:
        results = queries.group_results(group, campaigns)
    return render_template("members/group_campaign.html", group=group, campaign=campaigns[0] if campaigns else None,
                           previews=previews, counted_at=counted_at, results=results, seasons=forms.SEASON_LABELS,
                           launch_form=launch_form or forms.LaunchForm(), count_form=forms.CountForm()), status


@bp.route("/group-campaigns/<int:group_id>")
@roles_required(MANAGER)
def group_campaign(group_id):
    return _group_page(group_id)


@bp.route("/group-campaigns/<int:group_id>/launch", methods=["POST"])
@roles_required(MANAGER)
def launch_group_campaign(group_id):
    form = forms.LaunchForm()
    if not form.validate_on_submit():
        return _group_page(group_id, 422, form)
    try:
        group = services.launch_group_campaign(group_id, actor=current_actor(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        put_error_on_form(form, error)
        return _group_page(group_id, 422, form)
    campaigns = services.get_group_campaign(group.id, actor=current_actor())[1]
    flash(_("Launched: %(invited)s owners invited, %(held_out)s held out.",
            invited=sum(c.invited for c in campaigns), held_out=sum(c.held_out for c in campaigns)), "success")
    return redirect(url_for("members.group_campaign", group_id=group_id))


@bp.route("/group-campaigns/<int:group_id>/count", methods=["POST"])
@roles_required(MANAGER)
def count_group_campaign(group_id):
    return recount(lambda: services.count_group_campaign(group_id, actor=current_actor(), now=utcnow()),
                   lambda status: _group_page(group_id, status), done=_("Each store's target has been counted again."),
                   back=url_for("members.group_campaign", group_id=group_id))


@bp.route("/group-campaigns/<int:group_id>/export.xlsx")
@roles_required(MANAGER)
def export_group_campaign(group_id):
    group, campaigns = services.get_group_campaign(group_id, actor=current_actor())
    if group.state == DRAFT:
        raise NotFound()
    body = export.group_workbook(queries.group_results(group, campaigns))
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=group-campaign-{group.id}.xlsx"})
