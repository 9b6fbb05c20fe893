"""The group's campaign's results: each store's (its own invited against its own held out) and the stores
together (the groups' figures added up; the uplift stratified by store, `uplift.combined`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from dealer.extensions import db
from dealer.members import uplift
from dealer.members.models import LAUNCHED, OTHER, Campaign, GroupCampaign
from dealer.members.queries import CampaignResults, GroupFigures, campaign_results
from dealer.stores.models import Store


@dataclass
class GroupResults:
    group: GroupCampaign
    stores: list[tuple[str, CampaignResults]]  # (store code, the store's results), by store
    invited: GroupFigures
    held_out: GroupFigures
    visit_uplift: uplift.Interval | None
    revenue_uplift: uplift.Interval | None
    discounts_fen: int
    gifts_given: int
    gift_stock: int
    last_year: GroupResults | None = None  # the group's launched campaign of the same season last year

    @property
    def extra_visits(self) -> float:
        return sum(results.extra_visits for _code, results in self.stores)

    @property
    def extra_revenue_fen(self) -> int:
        return sum(results.extra_revenue_fen for _code, results in self.stores)


def _added(figures: list[GroupFigures]) -> GroupFigures:
    return GroupFigures(sum(f.owners for f in figures), sum(f.came for f in figures),
                        sum(f.revenue_fen for f in figures), sum(f.revenue_squares for f in figures))


def store_codes(campaigns: list[Campaign]) -> dict[int, str]:
    return dict(db.session.execute(sa.select(Store.id, Store.code).where(
        Store.id.in_([campaign.store_id for campaign in campaigns]))).all()) if campaigns else {}


def group_results(group: GroupCampaign, campaigns: list[Campaign], *, with_last_year: bool = True) -> GroupResults:
    """Each launched store campaign's results and the stores together (the figures added; the uplifts
    stratified by store, each weighted by its invited owners); and the group's campaign of the same season last
    year, its results alike, when there is one."""
    codes = store_codes(campaigns)
    stores = [(codes.get(campaign.store_id, str(campaign.store_id)), campaign_results(campaign, with_last_year=False))
              for campaign in campaigns]
    each = [results for _code, results in stores]
    results = GroupResults(
        group, stores, _added([r.invited for r in each]), _added([r.held_out for r in each]),
        uplift.combined([(r.visit_uplift, r.invited.owners) for r in each]),
        uplift.combined([(r.revenue_uplift, r.invited.owners) for r in each]),
        sum(r.discounts_fen for r in each), sum(c.gifts_given for c in campaigns), sum(c.gift_stock for c in campaigns))
    previous = last_year_of_group(group) if with_last_year else None
    if previous is not None:
        parts = list(db.session.scalars(sa.select(Campaign).where(Campaign.group_campaign_id == previous.id)
                                        .order_by(Campaign.store_id)))
        results.last_year = group_results(previous, parts, with_last_year=False)
    return results


def last_year_of_group(group: GroupCampaign) -> GroupCampaign | None:
    """The group's launched campaign of the same season that started last year (spring and autumn only), as a
    store campaign's `last_year_of`."""
    if group.season == OTHER:
        return None
    year = group.starts_on.year - 1
    return db.session.scalars(sa.select(GroupCampaign).where(
        GroupCampaign.season == group.season, GroupCampaign.state == LAUNCHED,
        GroupCampaign.starts_on >= date(year, 1, 1), GroupCampaign.starts_on <= date(year, 12, 31))
        .order_by(GroupCampaign.starts_on.desc(), GroupCampaign.id.desc()).limit(1)).one_or_none()


def list_group_campaigns(limit: int = 50) -> list[GroupCampaign]:
    """The group's campaigns, newest first."""
    return list(db.session.scalars(sa.select(GroupCampaign).order_by(
        GroupCampaign.starts_on.desc(), GroupCampaign.id.desc()).limit(limit)))
