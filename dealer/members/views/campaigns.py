"""The manager's campaigns (季节性活动): the list, a new campaign, its page (the target's preview and the launch,
then the results with their chart) and the Excel export."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import CASHIER, MANAGER, SERVICE_ADVISOR
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import put_error_on_form
from dealer.members import bp, export, forms, queries, services
from dealer.members.errors import CampaignLaunched
from dealer.members.models import DRAFT
from dealer.members.views.members import working_store_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def campaign_input(form: forms.CampaignForm) -> services.CampaignInput:
    """The campaign form's fields as the services' input (lists typed with commas, Chinese ones too)."""
    def items(text: str | None) -> list[str]:
        return (text or "").replace("，", ",").split(",")

    return services.CampaignInput(**{name: form[name].data for name in (
        "name", "season", "starts_on", "ends_on", "members_only", "min_vehicle_age", "max_vehicle_age",
        "not_seen_months", "maintenance_due", "declined_within_months")}, tier_ranks=form.tier_ranks.data or [],
        model_families=items(form.model_families.data), labor_discount_bp=form.labor_discount_bp.data or 0,
        parts_discount_bp=form.parts_discount_bp.data or 0, offer=form.offer.data or "",
        offer_items=items(form.offer_items.data), offer_categories=form.offer_categories.data or [],
        free_operations=items(form.free_operations.data), gift_name=form.gift_name.data or "",
        gift_stock=form.gift_stock.data or 0)


def _campaign_form(store_id: int) -> forms.CampaignForm:
    form = forms.CampaignForm()
    form.tier_ranks.choices = [(tier.rank, tier.name) for tier in services.tiers_of(store_id)]
    return form


@bp.route("/campaigns")
@roles_required(MANAGER)
def campaigns():
    group_level = current_actor().store_id is None
    return render_template("members/campaigns.html", campaigns=queries.list_campaigns(current_actor().store_id),
                           groups=queries.list_group_campaigns() if group_level else [], group_level=group_level,
                           seasons=forms.SEASON_LABELS)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required(MANAGER)
def new_campaign():
    store_id = working_store_id()
    form = _campaign_form(store_id)
    if form.validate_on_submit():
        data = campaign_input(form)
        try:
            campaign = services.create_campaign(store_id, data, actor=current_actor(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
        else:
            flash(_("The campaign is saved. Check its target, then launch it."), "success")
            return redirect(url_for("members.campaign", campaign_id=campaign.id))
    status = 422 if form.is_submitted() else 200
    return render_template("members/campaign_form.html", form=form, title=_("New campaign"),
                           action=url_for("members.new_campaign", store=store_id)), status


def _campaign_page(campaign, status: int = 200, launch_form=None):
    if campaign.state == DRAFT:  # the target as counted and kept (at the save, each night, on request)
        [(matched, no_consent, capped)], counted_at = services.kept_counts([campaign], now=utcnow())
        eligible = max(matched - no_consent - capped, 0)
        return render_template(
            "members/campaign.html", campaign=campaign, seasons=forms.SEASON_LABELS, results=None,
            preview={"matched": matched, "no_consent": no_consent, "capped": capped, "eligible": eligible,
                     "held_out": services.holdout_count(eligible, campaign.holdout_bp)}, counted_at=counted_at,
            launch_form=launch_form or forms.LaunchForm(), count_form=forms.CountForm()), status
    return render_template("members/campaign.html", campaign=campaign, seasons=forms.SEASON_LABELS,
                           results=queries.campaign_results(campaign), preview=None, launch_form=None), status


@bp.route("/campaigns/<int:campaign_id>")
@roles_required(MANAGER)
def campaign(campaign_id):
    return _campaign_page(services.get_campaign(campaign_id, actor=current_actor()))


@bp.route("/campaigns/<int:campaign_id>/launch", methods=["POST"])
@roles_required(MANAGER)
def launch_campaign(campaign_id):
    form = forms.LaunchForm()
    if not form.validate_on_submit():
        return _campaign_page(services.get_campaign(campaign_id, actor=current_actor()), 422, form)
    try:
        launched = services.launch_campaign(campaign_id, actor=current_actor(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        put_error_on_form(form, error)
        return _campaign_page(services.get_campaign(campaign_id, actor=current_actor()), 422, form)
    flash(_("Launched: %(invited)s owners invited, %(held_out)s held out.", invited=launched.invited,
            held_out=launched.held_out), "success")
    return redirect(url_for("members.campaign", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/count", methods=["POST"])
@roles_required(MANAGER)
def count_campaign(campaign_id):
    return recount(lambda: services.count_campaign(campaign_id, actor=current_actor(), now=utcnow()),
                   lambda status: _campaign_page(services.get_campaign(campaign_id, actor=current_actor()), status),
                   done=_("The target has been counted again."),
                   back=url_for("members.campaign", campaign_id=campaign_id))


def recount(count, page, *, done: str, back: str):
    """A "Count again now" post (a draft's target, a group campaign's stores): without its CSRF token the page
    again (422); else count, and back to the page (launched meanwhile: the warning, and the page shows the
    results)."""
    if not forms.CountForm().validate_on_submit():
        return page(422)
    try:
        count()
    except CampaignLaunched as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        flash(done, "success")
    return redirect(back)


@bp.route("/campaigns/<int:campaign_id>/export.xlsx")
@roles_required(MANAGER)
def export_campaign(campaign_id):
    campaign = services.get_campaign(campaign_id, actor=current_actor())
    body = export.campaign_workbook(queries.campaign_results(campaign))
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=campaign-{campaign.id}.xlsx"})


@bp.route("/campaigns/<int:campaign_id>/gifts/<int:customer_id>", methods=["POST"])
@roles_required(MANAGER, SERVICE_ADVISOR, CASHIER)
def hand_over_gift(campaign_id, customer_id):
    """The front desk hands an invited owner the campaign's gift (from the customer file's panel)."""
    form = forms.GiftForm()
    if form.validate_on_submit():
        gift = services.hand_over_gift(campaign_id, customer_id, order_number=form.order_number.data or "",
                                       actor=current_actor(), now=utcnow())
        flash(_("The gift is handed over and recorded."), "success")
        return redirect(url_for("customers.show_customer", customer_id=gift.customer_id))
    flash(_("The gift was not handed over: the form has expired, please try again."), "danger")
    return redirect(url_for("customers.show_customer", customer_id=customer_id))
