"""One answer to "what may this person do to this order now", and one set of totals to display."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair import pricing, queries, services
from dealer.repair.models import LaborRate, RepairLine
from tests.factories import RepairJobFactory, RepairOrderFactory
from tests.helpers import NOW, actor, login, persist, text
from tests.isolation import isolated_client
from tests.repair.builders import finished_order, open_order, pay

ROLES = ("service_advisor", "technician", "parts_clerk", "cashier", "manager")
NOTHING = frozenset()

# state -> role -> what the role may do (no extra work pending, not reversed).
EXPECTED = {
    "open": {"service_advisor": {"submit_estimate", "cancel", "edit"},
             "manager": {"submit_estimate", "cancel", "edit"}},
    "estimated": {"service_advisor": {"approve_estimate", "cancel", "edit"},
                  "manager": {"approve_estimate", "cancel", "edit"}},
    "approved": {"service_advisor": {"dispatch", "cancel", "edit", "assign"},
                 "manager": {"dispatch", "cancel", "edit", "assign"}},
    "in_progress": {"service_advisor": {"request_quality_check", "cancel", "edit", "assign"},
                    "technician": {"request_quality_check", "work", "report_finding"},
                    "manager": {"request_quality_check", "cancel", "edit", "assign", "work"}},
    "quality_check": {"service_advisor": {"pass_quality_check", "fail_quality_check", "cancel", "edit"},
                      "technician": {"pass_quality_check", "fail_quality_check"},
                      "manager": {"pass_quality_check", "fail_quality_check", "cancel", "edit"}},
    "ready": {"service_advisor": {"settle", "cancel"}, "cashier": {"settle"}, "manager": {"settle", "cancel"}},
    "settled": {"service_advisor": {"deliver"}, "cashier": {"reverse"}, "manager": {"deliver", "reverse"}},
    "delivered": {"cashier": {"reverse"}, "manager": {"reverse"}},
    "cancelled": {},
}


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_per_state_and_role(ctx, store, staff, state, role):
    order = RepairOrderFactory(store=store, state=state)
    RepairJobFactory(order=order, approval="approved")
    db.session.flush()
    db.session.expire(order, ["jobs"])

    allowed = services.allowed_actions(order, actor(staff[role]))

    assert allowed == frozenset(EXPECTED[state].get(role, NOTHING))


@pytest.mark.parametrize("state, answers", [("approved", {"approve_extra_work", "decline_extra_work"}),
                                            ("in_progress", {"approve_extra_work", "decline_extra_work"}),
                                            ("open", {"decline_extra_work"})])
def test_allowed_actions_offer_the_owners_answer_while_extra_work_waits(ctx, store, staff, state, answers):
    order = RepairOrderFactory(store=store, state=state)
    RepairJobFactory(order=order, approval="pending")
    db.session.flush()
    db.session.expire(order, ["jobs"])

    assert answers <= services.allowed_actions(order, actor(staff["service_advisor"]))
    assert not answers & services.allowed_actions(order, actor(staff["cashier"]))


def test_allowed_actions_refuse_a_second_reversal_and_anything_on_a_reversing_order(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (order.approved_total_fen, "cash")), actor=shop.cashier, now=NOW)
    mirror = services.reverse(order.id, reason="开错票", refunds=pay(order, (order.customer_total_fen, "cash")),
                              actor=shop.cashier, now=NOW)

    assert "reverse" not in services.allowed_actions(order, shop.manager)
    assert services.allowed_actions(mirror, shop.manager) == NOTHING


# -- the page and the API read the same answer ---------------------------------------------------

# The order page's workflow card: data-testid -> the actions it stands for.
CARD = {"submit-estimate": {"submit_estimate"}, "approve-estimate": {"approve_estimate"},
        "extra-work": {"approve_extra_work", "decline_extra_work"}, "dispatch": {"dispatch"},
        "request-qc": {"request_quality_check"}, "quality-check": {"pass_quality_check", "fail_quality_check"},
        "settle": {"settle"}, "deliver": {"deliver"}, "cancel-form": {"cancel"}}


def _card(page: str) -> set[str]:
    card = page[page.index('data-testid="workflow"'):page.index('id="totals"')]
    found = set()
    for testid in re.findall(r'data-testid="([a-z-]+)"', card):
        found |= CARD.get(testid, set())
    return found


def _offered_by_api(actions: list[str]) -> set[str]:
    offered = set(actions)
    for pair in ({"pass_quality_check", "fail_quality_check"}, {"approve_extra_work", "decline_extra_work"}):
        if offered & pair:
            offered |= pair  # the page offers both through one link
    return offered


@pytest.mark.parametrize("role", ROLES)
def test_order_page_and_api_offer_the_same_actions(app, shop, staff, api, role):
    order = open_order(shop, "保养")
    ready = finished_order(shop)
    quality = finished_order(shop)
    db.session.execute(sa.update(type(quality)).where(type(quality).id == quality.id)
                       .values(state="quality_check"))
    persist()
    client = isolated_client(app)
    login(client, staff[role])

    for one in (order, ready, quality):
        page = client.get(f"/repair/orders/{one.id}")
        response = api("get", f"/api/v1/repair-orders/{one.id}", role)
        assert page.status_code == 200 and response.status_code == 200
        allowed = response.get_json()["allowed_actions"]
        assert allowed == services.in_order(allowed)
        assert _card(text(page)) == _offered_by_api(allowed), (role, one.state)


# -- one set of totals to display ------------------------------------------------------------------

def test_settled_order_shows_its_stored_totals_after_prices_change_in_page_and_api(app, shop, staff, api):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (order.approved_total_fen, "cash")), actor=shop.cashier, now=NOW)
    stored = order.customer_total_fen
    # Afterwards the store's prices change, the lines' copies with them, and a campaign starts.
    db.session.execute(sa.update(LaborRate).where(LaborRate.store_id == shop.store.id).values(rate_fen=99_000))
    shop.oil.price_fen = 9_900
    db.session.execute(sa.update(RepairLine).where(RepairLine.order_id == order.id)
                       .values(rate_fen=99_000, unit_price_fen=9_900))
    pricing.discount_rules.register("test_campaign", lambda lines, **_: [pricing.Discount("campaign", 1000)])
    try:
        db.session.expire_all()
        persist()
        settled = services.get_order(order.id, actor=shop.advisor)
        assert services.price(settled).total_fen != stored  # the live price would differ

        client = isolated_client(app)
        login(client, staff["cashier"])
        page = text(client.get(f"/repair/orders/{order.id}"))
        statement = text(client.get(f"/repair/orders/{order.id}/statement"))
        totals = api("get", f"/api/v1/repair-orders/{order.id}", "cashier").get_json()["totals"]
    finally:
        pricing.discount_rules.unregister("test_campaign")

    assert queries.display_totals(settled).total_fen == stored
    assert (totals["basis"], totals["total_fen"]) == ("settled", stored)
    assert totals["by_payer"]["customer"]["amount_fen"] - totals["by_payer"]["customer"]["discount_fen"] == stored
    shown = f"¥{stored / 100:,.2f}"
    assert shown in page[page.index('data-testid="customer-total"'):][:80]
    assert f"{stored / 100:,.2f}" in statement
