"""The group's campaigns over several stores (集团活动): a group-level manager creates one for several stores; each
store's target, random holdout and invitations (its own signature and telephone) are its own; the results per
store and together. A store's manager creates and sees only their store's campaigns."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from dealer.customers.models import Customer
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.members import queries, services, uplift
from dealer.members.errors import CampaignError, CampaignLaunched, EmptyTarget
from dealer.members.models import HOLDOUT, INVITED, LAUNCHED, Campaign, CampaignTarget, MemberSettings
from dealer.repair import services as repair
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import NOW, actor, audit_entries, bearer, login
from tests.repair.builders import finished_order, pay

SPRING = dict(name="集团春季关爱", season="spring", starts_on=date(2026, 11, 20), ends_on=date(2027, 1, 31),
              labor_discount_bp=1000, gift_name="车载香薰", gift_stock=5)


def _owners(store, n, *, consent=True):
    made = [CustomerFactory(store=store, marketing_consent=consent) for _ in range(n)]
    for customer in made:
        VehicleFactory(owner=customer, store=store)
    db.session.flush()
    return made


def _settings(store, holdout_bp):
    db.session.merge(MemberSettings(store_id=store.id, points_per_yuan=100, max_points_share_bp=5000,
                                    holdout_bp=holdout_bp, marketing_per_month=9, at_risk_months=6, lost_months=12))


@pytest.fixture()
def two_stores(shop, other_store):
    """The shop's store (SZ01, 20 consenting owners and the shop's owner, 10% held out) and GZ01 (30, 20%)."""
    _settings(shop.store, 1000)
    _settings(other_store, 2000)
    db.session.execute(sa.update(Customer).where(Customer.id == shop.vehicle.owner_id).values(marketing_consent=True))
    return _owners(shop.store, 20), _owners(other_store, 30)


def _group_campaign(shop, other_store, group, **rules):
    return services.create_group_campaign([other_store.id, shop.store.id], services.CampaignInput(**{**SPRING, **rules}),
                                          actor=group, now=NOW)


def _parts(group_id):
    return db.session.scalars(sa.select(Campaign).where(Campaign.group_campaign_id == group_id)
                              .order_by(Campaign.store_id)).all()


def test_create_group_campaign_makes_one_draft_campaign_a_store_with_the_same_rules(shop, other_store, group,
                                                                                    two_stores):
    made = _group_campaign(shop, other_store, group)
    parts = _parts(made.id)
    assert [c.store_id for c in parts] == sorted([shop.store.id, other_store.id])
    assert {(c.name, c.labor_discount_bp, c.gift_name, c.gift_stock, c.state) for c in parts} == {
        ("集团春季关爱", 1000, "车载香薰", 5, "draft")}
    # each store's own share of the control group, kept from its settings
    assert {c.store_id: c.holdout_bp for c in parts} == {shop.store.id: 1000, other_store.id: 2000}
    assert [e.changes for e in audit_entries("member_group_campaign_created")] == [{"name": "集团春季关爱", "stores": 2}]


def test_a_group_campaign_needs_a_group_manager_and_two_stores(shop, other_store, group, manager, two_stores):
    with pytest.raises(NotFound):
        services.create_group_campaign([shop.store.id, other_store.id], services.CampaignInput(**SPRING),
                                       actor=manager, now=NOW)
    with pytest.raises(CampaignError) as refused:
        services.create_group_campaign([shop.store.id], services.CampaignInput(**SPRING), actor=group, now=NOW)
    assert refused.value.field == "stores"
    with pytest.raises(CampaignError):
        services.create_group_campaign([shop.store.id, 999_999], services.CampaignInput(**SPRING), actor=group,
                                       now=NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0


def test_launch_group_campaign_targets_holds_out_and_invites_each_store_on_its_own(shop, other_store, group,
                                                                                   two_stores):
    made = _group_campaign(shop, other_store, group)
    launched = services.launch_group_campaign(made.id, actor=group, now=NOW, seed=42)
    assert (launched.state, launched.seed) == (LAUNCHED, 42)
    parts = {c.store_id: c for c in _parts(made.id)}
    sz, gz = parts[shop.store.id], parts[other_store.id]
    # SZ01: 21 eligible, 10% -> 2 held out; GZ01: 30 eligible, 20% -> 6 held out
    assert (sz.invited, sz.held_out, gz.invited, gz.held_out) == (19, 2, 24, 6)
    assert (sz.seed, gz.seed) == (services.store_seed(42, shop.store.id), services.store_seed(42, other_store.id))
    for part in (sz, gz):
        rows = dict(db.session.execute(sa.select(CampaignTarget.customer_id, CampaignTarget.target_group).where(
            CampaignTarget.campaign_id == part.id)).all())
        # every target row is of the part's own store, and the holdout is the store's own draw
        stores = set(db.session.scalars(sa.select(Customer.store_id).where(Customer.id.in_(rows))))
        assert stores == {part.store_id}
        held = sorted(i for i, g in rows.items() if g == HOLDOUT)
        assert held == sorted(services.draw_holdout(list(rows), part.holdout_bp, part.seed))
        messages = db.session.scalars(sa.select(SmsMessage).where(
            SmsMessage.dedupe_key.like(f"campaign:{part.id}:%"))).all()
        assert sorted(m.customer_id for m in messages) == sorted(i for i, g in rows.items() if g == INVITED)
        # each store's own signature
        assert {(m.store_id, m.sign_name) for m in messages} == {(part.store_id, "深圳宝安" if part is sz else "广州天河")}
    with pytest.raises(CampaignLaunched):
        services.launch_group_campaign(made.id, actor=group, now=NOW)


def test_a_group_campaign_launches_a_store_with_nobody_to_invite_with_nobody(shop, other_store, group, two_stores):
    made = _group_campaign(shop, other_store, group, model_families=["宝来"])
    VehicleFactory(owner=CustomerFactory(store=other_store, marketing_consent=True), store=other_store,
                   model_family="宝来")
    db.session.flush()
    services.launch_group_campaign(made.id, actor=group, now=NOW, seed=1)
    parts = {c.store_id: c for c in _parts(made.id)}
    assert parts[shop.store.id].state == LAUNCHED and parts[shop.store.id].invited == 0
    assert parts[other_store.id].invited + parts[other_store.id].held_out == 1


def test_a_group_campaign_empty_in_every_store_is_refused_with_each_stores_counts(shop, other_store, group,
                                                                                  two_stores):
    made = _group_campaign(shop, other_store, group, model_families=["辉腾"])
    with pytest.raises(EmptyTarget) as refused:
        services.launch_group_campaign(made.id, actor=group, now=NOW, seed=1)
    assert "SZ01" in str(refused.value.message) and "GZ01" in str(refused.value.message)
    db.session.rollback()
    assert {c.state for c in _parts(made.id)} == {"draft"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignTarget)) == 0


def test_a_store_manager_sees_the_stores_part_but_neither_the_group_campaign_nor_the_other_store(
        shop, other_store, group, two_stores):
    made = _group_campaign(shop, other_store, group)
    parts = {c.store_id: c for c in _parts(made.id)}
    assert services.get_campaign(parts[shop.store.id].id, actor=shop.manager).id == parts[shop.store.id].id
    with pytest.raises(NotFound):
        services.get_campaign(parts[other_store.id].id, actor=shop.manager)
    with pytest.raises(NotFound):
        services.get_group_campaign(made.id, actor=shop.manager)
    assert [c.id for c in queries.list_campaigns(shop.store.id)] == [parts[shop.store.id].id]
    # the store's part is launched only with the group's campaign
    with pytest.raises(CampaignError):
        services.launch_campaign(parts[shop.store.id].id, actor=shop.manager, now=NOW)


def test_group_results_per_store_and_together(shop, other_store, group, two_stores):
    made = _group_campaign(shop, other_store, group)
    services.launch_group_campaign(made.id, actor=group, now=NOW, seed=42)
    sz = next(c for c in _parts(made.id) if c.store_id == shop.store.id)
    invited = db.session.scalar(sa.select(CampaignTarget.target_group).where(
        CampaignTarget.campaign_id == sz.id, CampaignTarget.customer_id == shop.vehicle.owner_id))
    order = finished_order(shop)
    settled = repair.settle(order.id, pay(order, (36600 - 600 if invited == INVITED else 36600, "cash")),
                            actor=shop.cashier, now=NOW)
    services.hand_over_gift(sz.id, next(iter(db.session.scalars(sa.select(CampaignTarget.customer_id).where(
        CampaignTarget.campaign_id == sz.id, CampaignTarget.target_group == INVITED)))), actor=shop.advisor, now=NOW)
    group_made, parts = services.get_group_campaign(made.id, actor=group)
    results = queries.group_results(group_made, parts)
    assert [code for code, _r in results.stores] == ["SZ01", "GZ01"]
    each = [r for _code, r in results.stores]
    assert results.invited.owners == sum(r.invited.owners for r in each) == 43
    assert results.held_out.owners == sum(r.held_out.owners for r in each) == 8
    assert results.invited.revenue_fen + results.held_out.revenue_fen == settled.customer_total_fen
    assert results.gifts_given == 1 and results.gift_stock == 10
    expected = uplift.combined([(r.visit_uplift, r.invited.owners) for r in each])
    assert results.visit_uplift == expected


def test_combined_uplift_weights_each_stores_difference_by_its_invited_owners():
    # store A: +10 points (se 0.02) over 300 invited; store B: -5 points (se 0.04) over 100 invited
    a = uplift.Interval(0.10, 0.10 - uplift.Z_95 * 0.02, 0.10 + uplift.Z_95 * 0.02)
    b = uplift.Interval(-0.05, -0.05 - uplift.Z_95 * 0.04, -0.05 + uplift.Z_95 * 0.04)
    together = uplift.combined([(a, 300), (b, 100), (None, 50)])
    assert together.difference == pytest.approx(0.75 * 0.10 + 0.25 * -0.05)  # 0.0625
    error = (0.75 ** 2 * 0.02 ** 2 + 0.25 ** 2 * 0.04 ** 2) ** 0.5  # 0.01803
    assert (together.low, together.high) == pytest.approx((0.0625 - uplift.Z_95 * error, 0.0625 + uplift.Z_95 * error))
    assert uplift.combined([(None, 10)]) is None


def test_group_campaign_pages_for_the_group_manager_only(client, shop, other_store, group_manager, staff, two_stores):
    made = _group_campaign(shop, other_store, actor(group_manager))
    login(client, group_manager)
    page = client.get(f"/members/group-campaigns/{made.id}")
    assert page.status_code == 200 and page.text.count('data-testid="group-preview-store"') == 2
    assert client.get("/members/group-campaigns/new").status_code == 200
    assert 'data-testid="group-campaigns"' in client.get("/members/campaigns").text
    client.post("/logout")
    login(client, staff["manager"])
    assert client.get(f"/members/group-campaigns/{made.id}").status_code == 404
    assert client.get("/members/group-campaigns/new").status_code == 404
    assert 'new-group-campaign' not in client.get("/members/campaigns").text


def test_a_group_manager_creates_and_launches_a_group_campaign_through_the_pages(client, shop, other_store,
                                                                                 group_manager, two_stores):
    login(client, group_manager)
    form = {"name": "集团秋季", "season": "autumn", "starts_on": "2026-11-24", "ends_on": "2026-12-31",
            "stores": [str(shop.store.id), str(other_store.id)], "labor_discount_bp": "10", "gift_name": "雨刷",
            "gift_stock": "3"}
    refused = client.post("/members/group-campaigns/new", data={**form, "stores": [str(shop.store.id)]})
    assert refused.status_code == 422 and db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0
    made = client.post("/members/group-campaigns/new", data=form)
    assert made.status_code == 302
    group_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert {(c.store_id, c.gift_stock) for c in _parts(group_id)} == {(shop.store.id, 3), (other_store.id, 3)}
    assert client.post(f"/members/group-campaigns/{group_id}/launch").status_code == 302
    page = client.get(f"/members/group-campaigns/{group_id}")
    assert page.status_code == 200 and page.text.count('data-testid="group-results-store"') == 2
    assert 'data-testid="group-invited">43<' in page.text


def test_the_api_hands_over_a_gift_and_returns_a_group_campaign_per_store_and_together(client, shop, other_store,
                                                                                      group_manager, staff,
                                                                                      two_stores):
    made = _group_campaign(shop, other_store, actor(group_manager))
    draft = client.get(f"/api/v1/campaigns/groups/{made.id}", headers=bearer(group_manager))
    assert draft.status_code == 200 and draft.json["results"] is None
    assert [s["store_code"] for s in draft.json["stores"]] == ["SZ01", "GZ01"]
    services.launch_group_campaign(made.id, actor=actor(group_manager), now=NOW, seed=42)
    sz = next(c for c in _parts(made.id) if c.store_id == shop.store.id)
    owner = db.session.scalar(sa.select(CampaignTarget.customer_id).where(
        CampaignTarget.campaign_id == sz.id, CampaignTarget.target_group == INVITED).limit(1))
    given = client.post(f"/api/v1/campaigns/{sz.id}/gifts", json={"customer_id": owner},
                        headers=bearer(staff["service_advisor"]))
    assert given.status_code == 201 and given.json["customer_id"] == owner
    again = client.post(f"/api/v1/campaigns/{sz.id}/gifts", json={"customer_id": owner},
                        headers=bearer(staff["cashier"]))
    assert again.status_code == 409 and again.json["error"]["code"] == "members.gift_already_given"
    launched = client.get(f"/api/v1/campaigns/groups/{made.id}", headers=bearer(group_manager)).json
    assert launched["results"]["invited"]["owners"] == 43 and launched["results"]["gifts_given"] == 1
    assert [s["results"]["gifts_given"] for s in launched["stores"]] == [1, 0]
    assert client.get(f"/api/v1/campaigns/groups/{made.id}", headers=bearer(staff["manager"])).status_code == 404


def test_the_group_campaigns_excel_has_each_store_together_and_every_owner(client, shop, other_store, group_manager,
                                                                           two_stores):
    made = _group_campaign(shop, other_store, actor(group_manager))
    login(client, group_manager)
    assert client.get(f"/members/group-campaigns/{made.id}/export.xlsx").status_code == 404  # a draft has none
    services.launch_group_campaign(made.id, actor=actor(group_manager), now=NOW, seed=42)
    response = client.get(f"/members/group-campaigns/{made.id}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data), read_only=True)
    summary, owners = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    stores = [row for row in summary[4:] if row and row[0]]
    assert [(row[0], row[1], row[2]) for row in stores] == [("SZ01", 19, 2), ("GZ01", 24, 6), ("合计", 43, 8)]
    assert len(owners) == 1 + 51 and {row[0] for row in owners[1:]} == {"SZ01", "GZ01"}


def test_group_results_compare_with_the_groups_campaign_of_the_same_season_last_year(client, shop, other_store,
                                                                                     group_manager, two_stores):
    group = actor(group_manager)
    year_ago = NOW - timedelta(days=365)
    last = services.create_group_campaign([shop.store.id, other_store.id], services.CampaignInput(**{
        **SPRING, "name": "去年集团春季", "starts_on": date(2025, 11, 20), "ends_on": date(2026, 1, 31)}),
        actor=group, now=year_ago)
    services.launch_group_campaign(last.id, actor=group, now=year_ago, seed=7)
    # neither a draft of last year, nor another season, nor this year's other campaign is "last year"
    services.create_group_campaign([shop.store.id, other_store.id], services.CampaignInput(**{
        **SPRING, "name": "去年草稿", "starts_on": date(2025, 12, 1), "ends_on": date(2026, 1, 31)}), actor=group,
        now=year_ago)
    autumn = services.create_group_campaign([shop.store.id, other_store.id], services.CampaignInput(**{
        **SPRING, "name": "去年秋季", "season": "autumn", "starts_on": date(2025, 9, 1), "ends_on": date(2025, 10, 31)}),
        actor=group, now=year_ago - timedelta(days=90))
    services.launch_group_campaign(autumn.id, actor=group, now=year_ago - timedelta(days=90), seed=7)
    made = _group_campaign(shop, other_store, group)
    services.launch_group_campaign(made.id, actor=group, now=NOW, seed=42)
    results = queries.group_results(*services.get_group_campaign(made.id, actor=group))
    assert results.last_year is not None and results.last_year.group.id == last.id
    assert results.last_year.invited.owners == 43 and results.last_year.last_year is None
    assert [code for code, _r in results.last_year.stores] == ["SZ01", "GZ01"]
    login(client, group_manager)
    page = client.get(f"/members/group-campaigns/{made.id}").text
    assert 'data-testid="group-last-year"' in page and "去年集团春季" in page
    book = load_workbook(BytesIO(client.get(f"/members/group-campaigns/{made.id}/export.xlsx").data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    start = next(index for index, row in enumerate(rows) if row and row[0] == "去年同季")
    assert rows[start][1] == "去年集团春季" and rows[start + 2][1] == 43  # last year's invited owners, every store
    api = client.get(f"/api/v1/campaigns/groups/{made.id}", headers=bearer(group_manager)).json
    assert (api["last_year"]["id"], api["last_year"]["name"]) == (last.id, "去年集团春季")
    assert api["last_year"]["results"]["invited"]["owners"] == 43
    # last year's own page has no year before it; "other" season campaigns are never compared
    assert client.get(f"/api/v1/campaigns/groups/{last.id}", headers=bearer(group_manager)).json["last_year"] is None
    other = _group_campaign(shop, other_store, group, name="其他", season="other")
    assert queries.group_results(*services.get_group_campaign(other.id, actor=group)).last_year is None


def test_the_group_pages_previews_count_as_each_stores_preview(shop, other_store, group, two_stores):
    """All the parts' stores, settings and night's counts read at once: the counts are each store's own preview's,
    before the stores' night and after it (the not-seen rules from tonight's counts), with or without settings."""
    for customer in two_stores[0][:5]:
        customer.created_at = NOW - timedelta(days=400)
    made = _group_campaign(shop, other_store, group, not_seen_months=6)
    parts = _parts(made.id)
    db.session.execute(sa.delete(MemberSettings).where(MemberSettings.store_id == other_store.id))  # defaults
    db.session.flush()
    each = [services.preview(campaign, now=NOW) for campaign in parts]
    assert services.previews(parts, now=NOW) == each and sum(counts[0] for counts in each) == 5
    services.roll_up_loss(now=NOW - timedelta(hours=1), store_ids=[shop.store.id])  # one store's night only
    assert services.previews(parts, now=NOW) == [services.preview(campaign, now=NOW) for campaign in parts] == each


def _shown_counts(page) -> list[str]:
    """The group page's 'Owners matching the rules' of each store, in order."""
    rows = page.text.split('data-testid="group-preview-store"')[1:]
    return [row.split('<td class="text-end">', 2)[1].split("<", 1)[0] for row in rows]


def test_the_group_page_shows_the_counts_kept_and_counts_again_on_request_and_each_night(
        client, shop, other_store, group_manager, two_stores):
    """Each store's target is counted when the campaign is saved and kept (the page reads it: 20 live counts of a
    dealer group's owners took 200 ms a view); a new owner shows after "count again" or the store's night; a part
    never counted is counted live; a launched campaign is not counted again."""
    group = actor(group_manager)
    made = _group_campaign(shop, other_store, group)
    parts = _parts(made.id)
    assert [(c.matched, c.counted_at) for c in parts] == [(21, NOW), (30, NOW)]  # SZ01 with the shop's owner
    login(client, group_manager)
    page = client.get(f"/members/group-campaigns/{made.id}")
    assert _shown_counts(page) == ["21", "30"] and 'data-testid="counted-at"' in page.text
    _owners(shop.store, 2)
    db.session.commit()
    assert _shown_counts(client.get(f"/members/group-campaigns/{made.id}")) == ["21", "30"]  # kept
    assert client.post(f"/members/group-campaigns/{made.id}/count").status_code == 302
    db.session.expire_all()
    assert [c.matched for c in _parts(made.id)] == [23, 30]
    recounted = _parts(made.id)[0].counted_at
    assert recounted > NOW and _parts(made.id)[1].counted_at == recounted
    assert _shown_counts(client.get(f"/members/group-campaigns/{made.id}")) == ["23", "30"]

    _owners(other_store, 1)  # the night: the store's parts still running are counted again
    assert services.count_kept_drafts(now=NOW + timedelta(days=1), store_ids=[other_store.id]) == 1
    db.session.expire_all()
    assert [(c.matched, c.counted_at) for c in _parts(made.id)] == [(23, recounted), (31, NOW + timedelta(days=1))]

    db.session.execute(sa.update(Campaign).where(Campaign.group_campaign_id == made.id).values(counted_at=None))
    _owners(shop.store, 1)
    db.session.commit()  # never counted (saved before the counts were kept): counted live, nothing written
    assert _shown_counts(client.get(f"/members/group-campaigns/{made.id}")) == ["24", "31"]
    db.session.expire_all()
    assert [c.counted_at for c in _parts(made.id)] == [None, None]

    services.launch_group_campaign(made.id, actor=group, now=NOW, seed=1)
    launched = [(c.matched, c.invited, c.counted_at) for c in _parts(made.id)]
    refused = client.post(f"/members/group-campaigns/{made.id}/count", follow_redirects=True)
    assert refused.status_code == 200 and 'data-testid="group-results"' in refused.text
    db.session.expire_all()
    assert [(c.matched, c.invited, c.counted_at) for c in _parts(made.id)] == launched
    with pytest.raises(CampaignLaunched):
        services.count_group_campaign(made.id, actor=group, now=NOW)
    assert services.count_kept_drafts(now=NOW, store_ids=[shop.store.id, other_store.id]) == 0


def test_the_draft_counts_are_a_nightly_task_after_the_nights_last_seen_counts(app):
    from dealer.scheduler import nightly_tasks  # noqa: PLC0415 (the tasks are declared when the app is made)

    names = [name for name, _function in nightly_tasks()]
    assert dict(nightly_tasks())["member_draft_counts"] is services.count_kept_drafts
    assert names.index("member_loss_rollup") < names.index("member_draft_counts")
