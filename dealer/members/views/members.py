"""Membership pages: joining from the customer file, the member page with both ledgers and the desk's actions
(the cashier's top-ups and refunds, free items, the manager's overrides and corrections), the tier settings."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import CASHIER, CUSTOMER_READERS, CUSTOMER_WRITERS, MANAGER
from dealer.database import utcnow
from dealer.errors import DomainError, NotFound
from dealer.extensions import db
from dealer.forms import put_error_on_form
from dealer.inputs import whole_number
from dealer.members import bp, forms, queries, services
from dealer.stores.services import list_stores

CARD_DESK = (MANAGER, CASHIER)


def _page(member, status: int = 200, **posted):
    page_forms = {"top_up": forms.TopUpForm(prefix="top_up"), "refund": forms.RefundForm(prefix="refund"),
                  "free_item": forms.FreeItemForm(prefix="free_item"), "override": forms.OverrideForm(prefix="override"),
                  "points": forms.PointsForm(prefix="points")}
    page_forms.update(posted)
    page_forms["override"].tier_id.choices = [(tier.id, tier.name) for tier in services.tiers_of(member.store_id)]
    return render_template("members/show.html", member=member, summary=queries.summary_of(member),
                           points=queries.points_ledger(member), card=queries.card_ledger(member),
                           lots=queries.points_lots(member), forms=page_forms, labels=forms), status


def _failed(form, error: DomainError, member_id: int, name: str):
    db.session.rollback()
    put_error_on_form(form, error)
    return _page(services.get_member(member_id, actor=current_actor()), 422, **{name: form})


def _done(member_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("members.show", member_id=member_id))


@bp.route("/join/<int:customer_id>", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def join(customer_id):
    if not forms.JoinForm().validate_on_submit():
        return redirect(url_for("customers.show_customer", customer_id=customer_id))
    member = services.join(customer_id, actor=current_actor(), now=utcnow())
    return _done(member.id, _("%(name)s joined the membership: %(number)s.", name=member.customer.name,
                              number=member.number))


@bp.route("/<int:member_id>")
@roles_required(*CUSTOMER_READERS)
def show(member_id):
    return _page(services.get_member(member_id, actor=current_actor()))


@bp.route("/<int:member_id>/top-up", methods=["POST"])
@roles_required(*CARD_DESK)
def top_up(member_id):
    form = forms.TopUpForm(prefix="top_up")
    if not form.validate_on_submit():
        return _page(services.get_member(member_id, actor=current_actor()), 422, top_up=form)
    try:
        services.top_up(member_id, paid_fen=form.paid_fen.data, bonus_fen=form.bonus_fen.data or 0,
                        method=form.method.data, reference=form.reference.data or "", actor=current_actor(),
                        now=utcnow())
    except DomainError as error:
        return _failed(form, error, member_id, "top_up")
    return _done(member_id, _("The card is topped up."))


@bp.route("/<int:member_id>/refund", methods=["POST"])
@roles_required(*CARD_DESK)
def refund(member_id):
    form = forms.RefundForm(prefix="refund")
    if not form.validate_on_submit():
        return _page(services.get_member(member_id, actor=current_actor()), 422, refund=form)
    try:
        services.refund(member_id, method=form.method.data, reference=form.reference.data or "",
                        actor=current_actor(), now=utcnow())
    except DomainError as error:
        return _failed(form, error, member_id, "refund")
    return _done(member_id, _("The paid value left on the card is refunded."))


@bp.route("/<int:member_id>/free-item", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def free_item(member_id):
    form = forms.FreeItemForm(prefix="free_item")
    if not form.validate_on_submit():
        return _page(services.get_member(member_id, actor=current_actor()), 422, free_item=form)
    try:
        services.use_free_item(member_id, note=form.note.data, order_number=form.order_number.data or "",
                               actor=current_actor(), now=utcnow())
    except DomainError as error:
        return _failed(form, error, member_id, "free_item")
    return _done(member_id, _("A free item is used."))


@bp.route("/<int:member_id>/override", methods=["POST"])
@roles_required(MANAGER)
def override(member_id):
    member = services.get_member(member_id, actor=current_actor())
    form = forms.OverrideForm(prefix="override")
    form.tier_id.choices = [(tier.id, tier.name) for tier in services.tiers_of(member.store_id)]
    if not form.validate_on_submit():
        return _page(member, 422, override=form)
    try:
        services.override_tier(member_id, form.tier_id.data, reason=form.reason.data, until=form.until.data,
                               actor=current_actor(), now=utcnow())
    except DomainError as error:
        return _failed(form, error, member_id, "override")
    return _done(member_id, _("The tier is given until %(day)s.", day=form.until.data.isoformat()))


@bp.route("/<int:member_id>/points", methods=["POST"])
@roles_required(MANAGER)
def points(member_id):
    form = forms.PointsForm(prefix="points")
    if not form.validate_on_submit():
        return _page(services.get_member(member_id, actor=current_actor()), 422, points=form)
    try:
        if form.clawback.data:
            services.claw_back_points(member_id, abs(form.points.data), reason=form.reason.data,
                                      actor=current_actor(), now=utcnow())
        else:
            services.adjust_points(member_id, form.points.data, reason=form.reason.data, actor=current_actor(),
                                   now=utcnow())
    except DomainError as error:
        return _failed(form, error, member_id, "points")
    return _done(member_id, _("The points are corrected."))


def working_store_id() -> int:
    """The store a store-level manager works in; a group-level one picks it with ?store= (the first one if not)."""
    actor = current_actor()
    if actor.store_id is not None:
        return actor.store_id
    stores = [store.id for store in list_stores(active_only=True)]
    chosen = whole_number(request.values.get("store"))
    if chosen in stores:
        return chosen
    if not stores:
        raise NotFound()
    return stores[0]


def _settings_page(store_id: int, status: int = 200, settings_form=None, tier_form=None, rank=None):
    tiers = services.tiers_of(store_id)
    current = services.settings_for(store_id)
    tier_forms = {tier.rank: forms.TierForm(prefix=f"tier{tier.rank}", obj=tier) for tier in tiers}
    if tier_form is not None:
        tier_forms[rank] = tier_form
    settings_form = settings_form or forms.SettingsForm(prefix="settings", obj=current)
    stores = list_stores() if current_actor().store_id is None else []
    return render_template("members/settings.html", store_id=store_id, tiers=tiers, tier_forms=tier_forms,
                           settings_form=settings_form, group_tiers=tiers[0].store_id is None, stores=stores), status


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(MANAGER)
def settings():
    store_id = working_store_id()
    form = forms.SettingsForm(prefix="settings")
    if form.is_submitted():
        if not form.validate():
            return _settings_page(store_id, 422, settings_form=form)
        try:
            services.save_settings(store_id, points_per_yuan=form.points_per_yuan.data,
                                   max_points_share_bp=form.max_points_share_bp.data, holdout_bp=form.holdout_bp.data,
                                   marketing_per_month=form.marketing_per_month.data,
                                   at_risk_months=form.at_risk_months.data, lost_months=form.lost_months.data,
                                   actor=current_actor(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
            return _settings_page(store_id, 422, settings_form=form)
        flash(_("Saved."), "success")
        return redirect(url_for("members.settings", store=store_id))
    return _settings_page(store_id)


@bp.route("/settings/tiers/<int:rank>", methods=["POST"])
@roles_required(MANAGER)
def save_tier(rank):
    store_id = working_store_id()
    form = forms.TierForm(prefix=f"tier{rank}")
    if form.validate_on_submit():
        data = services.TierInput(**{name: form[name].data for name in services.TIER_FIELDS})
        data.free_item_name = data.free_item_name or ""
        try:
            services.save_tier(store_id, rank, data, actor=current_actor(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("members.settings", store=store_id))
    return _settings_page(store_id, 422, tier_form=form, rank=rank)
