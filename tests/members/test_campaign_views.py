"""The manager's campaign pages (target preview, launch, results with the chart, Excel export) and
/api/v1/campaigns."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from dealer.extensions import db
from dealer.members import services
from dealer.members.models import Campaign, CampaignTarget
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, assert_error, bearer, count, field_has_error, inputs, login
from tests.isolation import isolated_client


def signed_in(app, user):
    client = isolated_client(app)
    login(client, user)
    return client


def csrf(client, url) -> str:
    return next(attrs["value"] for name, attrs in inputs(client.get(url)).items() if name.endswith("csrf_token"))


def consenting_owners(store, n):
    for _ in range(n):
        VehicleFactory(owner=CustomerFactory(store=store, marketing_consent=True), store=store, model_family="suv")
    db.session.flush()


FORM = {"name": "秋季关爱活动", "season": "autumn", "starts_on": "2026-12-01", "ends_on": "2027-01-31",
        "model_families": "suv，compact", "labor_discount_bp": "20", "offer": "免费冬季检测"}


def test_the_manager_runs_a_campaign_from_target_to_results(app, shop, staff):
    consenting_owners(shop.store, 20)
    db.session.commit()
    client = signed_in(app, staff["manager"])
    response = client.post("/members/campaigns/new", data={**FORM, "csrf_token": csrf(client, "/members/campaigns/new")})
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert (campaign.model_families, campaign.labor_discount_bp, campaign.holdout_bp) == (["compact", "suv"], 2000, 1000)
    page = client.get(f"/members/campaigns/{campaign.id}")
    html = page.get_data(as_text=True)
    # the 20 and the shop's own owner (a compact car, no consent: left out)
    assert 'data-testid="preview-matched">21<' in html and 'data-testid="preview-held-out">2<' in html
    assert count(CampaignTarget) == 0  # the preview changes nothing
    launched = client.post(f"/members/campaigns/{campaign.id}/launch",
                           data={"csrf_token": csrf(client, f"/members/campaigns/{campaign.id}")})
    assert launched.status_code == 302
    assert count(SmsMessage, SmsMessage.kind == "campaign_invitation") == 18
    html = client.get(f"/members/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-testid="invited-owners">18<' in html and 'data-testid="held-out-owners">2<' in html
    assert "echarts" in html and 'id="campaign-chart"' in html
    exported = client.get(f"/members/campaigns/{campaign.id}/export.xlsx")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(exported.data))
    summary, owners = book.worksheets
    assert summary["B1"].value == "秋季关爱活动"
    assert owners.max_row == 21  # the header and the 20 owners
    assert sorted(Counter(row[2].value for row in owners.iter_rows(min_row=2)).values()) == [2, 18]  # the groups


def test_the_form_takes_items_categories_free_checks_and_declined_work(app, shop, staff):
    client = signed_in(app, staff["manager"])
    response = client.post("/members/campaigns/new", data={
        **FORM, "csrf_token": csrf(client, "/members/campaigns/new"), "offer_items": "g052195m4， MAINT-OIL",
        "offer_categories": ["maintenance", "electrical"], "free_operations": "ac-check", "declined_within_months": "6"})
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert (campaign.offer_items, campaign.offer_categories, campaign.free_operations,
            campaign.declined_within_months) == (["G052195M4", "MAINT-OIL"], ["electrical", "maintenance"],
                                                 ["AC-CHECK"], 6)
    html = client.get(f"/members/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-testid="campaign-offer-scope"' in html and "AC-CHECK" in html


def test_a_bad_campaign_form_says_which_field_and_saves_nothing(app, shop, staff):
    db.session.commit()
    client = signed_in(app, staff["manager"])
    token = csrf(client, "/members/campaigns/new")
    response = client.post("/members/campaigns/new", data={**FORM, "ends_on": "2026-11-30", "csrf_token": token})
    assert response.status_code == 422 and field_has_error(response, "ends_on")
    assert count(Campaign) == 0


def test_launching_an_empty_target_says_so_and_changes_nothing(app, shop, staff):
    spring = services.create_campaign(shop.store.id, services.CampaignInput(
        name="春季", season="spring", starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 31), model_families=["mpv"]),
        actor=shop.manager, now=NOW)
    db.session.commit()
    client = signed_in(app, staff["manager"])
    html = client.get(f"/members/campaigns/{spring.id}").get_data(as_text=True)
    assert 'data-testid="preview-empty"' in html
    response = client.post(f"/members/campaigns/{spring.id}/launch",
                           data={"csrf_token": csrf(client, f"/members/campaigns/{spring.id}")})
    assert response.status_code == 422
    assert count(CampaignTarget) == 0 and db.session.get(Campaign, spring.id).state == "draft"


def test_campaigns_are_the_managers(app, shop, staff):
    db.session.commit()
    client = signed_in(app, staff["service_advisor"])
    assert client.get("/members/campaigns").status_code == 403


def test_the_api_lists_campaigns_and_gives_one_with_its_results(client, shop, staff, other_store):
    consenting_owners(shop.store, 10)
    spring = services.create_campaign(shop.store.id, services.CampaignInput(
        name="春季", season="spring", starts_on=date(2026, 11, 1), ends_on=date(2027, 1, 31)),
        actor=shop.manager, now=NOW)
    services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=9)
    draft = services.create_campaign(shop.store.id, services.CampaignInput(
        name="秋季", season="autumn", starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 31)),
        actor=shop.manager, now=NOW)
    stranger = UserFactory(roles=["manager"], store=other_store)
    headers, strangers = bearer(staff["manager"]), bearer(stranger)
    db.session.commit()
    listed = client.get("/api/v1/campaigns", headers=headers).get_json()["items"]
    assert [c["name"] for c in listed] == ["秋季", "春季"]
    got = client.get(f"/api/v1/campaigns/{spring.id}", headers=headers).get_json()
    assert (got["state"], got["invited"], got["held_out"], got["seed"]) == ("launched", 9, 1, 9)
    assert got["results"]["invited"] == {"owners": 9, "came": 0, "revenue_fen": 0}
    assert got["results"]["visit_uplift"] == {"difference": 0.0, "low": 0.0, "high": 0.0}
    assert client.get(f"/api/v1/campaigns/{draft.id}", headers=headers).get_json()["results"] is None
    assert_error(client.get(f"/api/v1/campaigns/{spring.id}", headers=strangers), 404, "not_found")
    assert client.get("/api/v1/campaigns", headers=strangers).get_json()["items"] == []


def test_a_campaign_shows_and_exports_the_same_season_last_year(app, shop, staff):
    """Members 6: the page compared with last year's campaign of the season; the Excel left it out."""
    consenting_owners(shop.store, 10)
    year_ago = NOW - timedelta(days=365)
    last = services.create_campaign(shop.store.id, services.CampaignInput(
        name="去年春季", season="spring", starts_on=date(2025, 11, 1), ends_on=date(2026, 1, 31)),
        actor=shop.manager, now=year_ago)
    services.launch_campaign(last.id, actor=shop.manager, now=year_ago, seed=3)
    spring = services.create_campaign(shop.store.id, services.CampaignInput(
        name="春季", season="spring", starts_on=date(2026, 11, 1), ends_on=date(2027, 1, 31)),
        actor=shop.manager, now=NOW)
    services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=9)
    db.session.commit()
    client = signed_in(app, staff["manager"])
    html = client.get(f"/members/campaigns/{spring.id}").get_data(as_text=True)
    assert 'data-testid="campaign-last-year"' in html and "去年春季" in html
    summary = load_workbook(BytesIO(client.get(f"/members/campaigns/{spring.id}/export.xlsx").data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in summary.iter_rows()]
    start = rows.index(["去年同季", "去年春季", None, None, None])
    assert rows[start + 2][:3] == ["客户数", 9, 1]  # last year's invited and held-out owners
    assert [row[0] for row in rows[start + 3:start + 8]] == [
        "到店率", "到店率提升（95% 置信区间）", "人均客户付费提升，元（95% 置信区间）", "新增到店", "新增客户付费"]
    last_page = load_workbook(BytesIO(client.get(f"/members/campaigns/{last.id}/export.xlsx").data)).worksheets[0]
    assert "去年同季" not in [row[0].value for row in last_page.iter_rows()]  # no year before it


def _shown_matched(client, campaign_id) -> str:
    html = client.get(f"/members/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-testid="counted-at"' in html
    return html.split('data-testid="preview-matched">', 1)[1].split("<", 1)[0]


def test_a_drafts_target_is_kept_when_saved_and_counted_again_on_request_and_each_night(app, shop, staff):
    """The draft's page reads the counts kept at the save (a live count read 50,000 owners a view); a new owner
    shows after "count again" or the night; a draft never counted is counted live and nothing is written; once
    launched it is not counted again."""
    consenting_owners(shop.store, 3)
    draft = services.create_campaign(shop.store.id, services.CampaignInput(
        name="冬季", season="other", starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 31), model_families=["suv"]),
        actor=shop.manager, now=NOW)
    assert (draft.matched, draft.counted_at) == (3, NOW)
    client = signed_in(app, staff["manager"])
    consenting_owners(shop.store, 2)
    db.session.commit()
    assert _shown_matched(client, draft.id) == "3"  # kept
    url = f"/members/campaigns/{draft.id}"
    assert client.post(f"{url}/count", data={"csrf_token": csrf(client, url)}).status_code == 302
    db.session.expire_all()
    counted = db.session.get(Campaign, draft.id)
    assert counted.matched == 5 and counted.counted_at > NOW and _shown_matched(client, draft.id) == "5"

    consenting_owners(shop.store, 1)  # the store's night
    assert services.count_kept_drafts(now=NOW + timedelta(days=1), store_ids=[shop.store.id]) == 1
    db.session.expire_all()
    assert (db.session.get(Campaign, draft.id).matched, db.session.get(Campaign, draft.id).counted_at) == (
        6, NOW + timedelta(days=1))

    db.session.execute(sa.update(Campaign).where(Campaign.id == draft.id).values(counted_at=None))
    consenting_owners(shop.store, 1)
    db.session.commit()  # never counted (saved before the counts were kept): counted live, nothing written
    assert _shown_matched(client, draft.id) == "7"
    db.session.expire_all()
    assert db.session.get(Campaign, draft.id).counted_at is None

    token = csrf(client, url)
    services.launch_campaign(draft.id, actor=shop.manager, now=NOW, seed=1)
    launched = db.session.get(Campaign, draft.id)
    found = (launched.matched, launched.invited, launched.counted_at)
    refused = client.post(f"{url}/count", data={"csrf_token": token}, follow_redirects=True)
    assert refused.status_code == 200 and 'data-testid="campaign-results"' in refused.get_data(as_text=True)
    db.session.expire_all()
    launched = db.session.get(Campaign, draft.id)
    assert (launched.matched, launched.invited, launched.counted_at) == found
    assert services.count_kept_drafts(now=NOW, store_ids=[shop.store.id]) == 0


def test_another_stores_manager_cannot_count_a_draft(app, shop, staff, other_store):
    draft = services.create_campaign(shop.store.id, services.CampaignInput(
        name="冬季", season="other", starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 31)), actor=shop.manager,
        now=NOW)
    stranger = UserFactory(store=other_store, roles=["manager"])
    db.session.commit()
    client = signed_in(app, stranger)
    token = csrf(client, "/members/campaigns")
    refused = client.post(f"/members/campaigns/{draft.id}/count", data={"csrf_token": token})
    assert refused.status_code == 302 and f"/members/campaigns/{draft.id}" not in refused.location  # back, not found
    assert client.get(f"/members/campaigns/{draft.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Campaign, draft.id).counted_at == NOW
