"""The extension points the next modules plug into: discount rules, an order's source, its timeline, signals."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from markupsafe import Markup

from dealer.errors import NotFound
from dealer.repair import pricing, queries, services, signals
from dealer.repair.models import RepairOrder
from dealer.signals import Panel
from tests.factories import RepairOrderFactory
from tests.helpers import NOW, login, persist, text
from tests.isolation import isolated_client
from tests.repair.builders import (
    PROMISE,
    add_labor,
    add_part,
    approved_order,
    finished_order,
    open_order,
    pay,
)


def open_from(shop, source):
    return services.open_order(shop.vehicle.id, services.OrderInput(concerns=["保养"], promised_at=PROMISE),
                               actor=shop.advisor, now=NOW, source=source)


@contextmanager
def registered(name, rule):
    pricing.discount_rules.register(name, rule)
    try:
        yield
    finally:
        pricing.discount_rules.unregister(name)


@contextmanager
def connected(signal):
    calls = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


# -- discount rules (members, campaigns) -----------------------------------------------------------

def test_discount_rule_discounts_the_lines_it_names_and_shows_its_source(shop):
    order = open_order(shop, "保养")
    labor = add_labor(shop, order.jobs[0])
    oil = add_part(shop, order.jobs[0])
    seen = {}

    def member_parts(lines, *, customer, vehicle):
        seen.setdefault("first", (customer.id, vehicle.id, {line.key for line in lines}))
        return [pricing.Discount("member", 1500, kind="parts")]

    with registered("member_tier", member_parts):
        totals = services.price(order, services.QUOTED)
        services.update_line(labor.id, actor=shop.advisor, now=NOW)  # re-prices and stores the lines

    assert seen["first"] == (shop.vehicle.owner_id, shop.vehicle.id, {labor.id, oil.id})
    assert totals.line_by_key[oil.id].discount_fen == 4590  # 15% of 4.5 l x 68.00 = 306.00, half up
    assert totals.line_by_key[oil.id].discount_source == "member"
    assert totals.line_by_key[labor.id].discount_fen == 0
    assert (oil.discount_fen, oil.discount_source) == (4590, "member")


def test_the_largest_discount_wins_and_nothing_registered_changes_no_price(shop):
    order = open_order(shop, "保养")
    add_labor(shop, order.jobs[0], manual_discount_bp=1000)
    before = services.price(order, services.QUOTED)

    with registered("small_campaign", lambda lines, **_: [pricing.Discount("campaign", 500)]):
        smaller = services.price(order, services.QUOTED)
    with registered("big_campaign", lambda lines, **_: [pricing.Discount("campaign", 2000)]):
        bigger = services.price(order, services.QUOTED)
    after = services.price(order, services.QUOTED)

    assert smaller == before  # a 5% campaign loses to the 10% manual discount, never added to it
    assert [line.discount_source for line in bigger.lines] == ["campaign"]
    assert bigger.total_fen == before.total_fen - 600  # 20% instead of 10% of 0.5 h x 120.00
    assert after == before


def test_a_rule_may_take_a_fixed_amount_off_a_line_at_most_its_amount(shop):
    order = open_order(shop, "保养")
    labor = add_labor(shop, order.jobs[0])  # 0.5 h x 120.00 = 60.00
    oil = add_part(shop, order.jobs[0])  # 4.5 l x 68.00 = 306.00

    def package(lines, **_):
        return [pricing.Discount("package", 0, line_key=labor.id, amount_fen=1234),
                pricing.Discount("package", 0, line_key=oil.id, amount_fen=10**9)]

    with registered("package", package):
        totals = services.price(order, services.QUOTED)

    assert totals.line_by_key[labor.id].discount_fen == 1234
    assert totals.line_by_key[oil.id].discount_fen == 30_600  # never more than the line
    assert totals.total_fen == 6000 - 1234
    with pytest.raises(ValueError):
        pricing.Discount("package", 0, amount_fen=100)  # an amount names its line
    with pytest.raises(ValueError):
        pricing.Discount("package", 0, line_key=1, amount_fen=-1)


def test_discount_rule_names_are_unique():
    with registered("once", lambda lines, **_: []):
        with pytest.raises(ValueError):
            pricing.discount_rules.register("once", lambda lines, **_: [])


# -- opening an order from another source ------------------------------------------------------------

def test_open_order_records_its_source_and_the_page_and_api_show_it(app, shop, staff, api):
    order = open_from(shop, services.OrderSource(kind="booking", ref=123))
    front = open_order(shop, "洗车")
    persist()

    assert (order.source_kind, order.source_ref) == ("booking", 123)
    assert (front.source_kind, front.source_ref) == ("front_desk", None)
    client = isolated_client(app)
    login(client, staff["service_advisor"])
    page = text(client.get(f"/repair/orders/{order.id}"))
    shown = page[page.index('data-testid="order-source"'):][:80]
    assert "#123" in shown
    body = api("get", f"/api/v1/repair-orders/{order.id}").get_json()
    assert (body["source_kind"], body["source_ref"]) == ("booking", 123)


@pytest.mark.parametrize("source", [services.OrderSource(kind="walk_in"), services.OrderSource(kind="rescue"),
                                    services.OrderSource(kind="front_desk", ref=5)])
def test_open_order_refuses_an_unknown_or_unnamed_source(shop, source):
    with pytest.raises(services.RepairError) as caught:
        open_from(shop, source)
    assert caught.value.field == "source"


# -- the timeline ---------------------------------------------------------------------------------

def test_timeline_lists_the_orders_steps_in_order_with_the_clock(shop):
    order = approved_order(shop)
    job = order.jobs[0]

    def at(minutes):
        return NOW + timedelta(minutes=minutes)

    services.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=at(10))
    services.dispatch(order.id, actor=shop.advisor, now=at(11))
    services.clock_on(job.id, actor=shop.technician, now=at(20))
    for line in job.lines:
        if line.kind == "parts":
            services.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=at(25))
    services.mark_job_done(job.id, actor=shop.technician, now=at(60))
    services.request_quality_check(order.id, actor=shop.technician, now=at(70))
    services.record_quality_check(order.id, services.QualityCheckInput(
        passed=True, checklist=dict.fromkeys(services.QC_ITEMS, True)), actor=shop.advisor, now=at(80))
    services.settle(order.id, pay(order, (order.approved_total_fen, "cash")), actor=shop.cashier, now=at(90))
    services.deliver(order.id, actor=shop.advisor, now=at(100))

    steps = queries.timeline(order.id, actor=shop.advisor)

    assert [step.action for step in steps] == [
        "open", "submit_estimate", "approve_estimate", "assigned", "dispatch", "clock_on", "job_done", "clock_off",
        "request_quality_check", "pass_quality_check", "settle", "deliver"]
    assert [step.at for step in steps] == sorted(step.at for step in steps)
    assert (steps[5].at, steps[5].actor_name) == (at(20), shop.technician_user.display_name)
    assert (steps[-1].to_state, steps[-1].actor_name) == ("delivered", shop.advisor.name)


def test_timeline_of_another_stores_order_is_not_found(shop, other_store, staff):
    elsewhere = RepairOrderFactory(store=other_store)
    with pytest.raises(NotFound):
        queries.timeline(elsewhere.id, actor=shop.advisor)


# -- signals --------------------------------------------------------------------------------------

def test_open_order_announces_order_opened_before_committing(shop):
    with connected(signals.order_opened) as calls:
        order = open_from(shop, services.OrderSource(kind="rescue", ref=9))
    [(sender, kwargs)] = calls
    assert sender is order and isinstance(sender, RepairOrder) and sender.source_kind == "rescue"
    assert (kwargs["actor"], kwargs["now"]) == (shop.advisor, NOW)


def test_settle_announces_order_settled_with_its_stored_totals(shop):
    order = finished_order(shop)
    with connected(signals.order_settled) as calls:
        services.settle(order.id, pay(order, (order.approved_total_fen, "cash")), actor=shop.cashier, now=NOW)
    [(sender, kwargs)] = calls
    assert sender.id == order.id and sender.state == "settled" and sender.customer_total_fen == order.approved_total_fen
    assert kwargs["actor"] == shop.cashier


def test_reverse_announces_order_reversed_with_the_reversing_order(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (order.approved_total_fen, "cash")), actor=shop.cashier, now=NOW)
    with connected(signals.order_reversed) as calls:
        mirror = services.reverse(order.id, reason="开错票", refunds=pay(order, (order.customer_total_fen, "cash")),
                                  actor=shop.cashier, now=NOW)
    [(sender, kwargs)] = calls
    assert sender.id == order.id and kwargs["reversal"] is mirror
    assert kwargs["reversal"].customer_total_fen == -order.customer_total_fen


def test_a_receiver_that_raises_refuses_the_step(shop):
    order = approved_order(shop)

    def refuse(sender, **_):
        raise services.RepairError("no")

    signals.order_opened.connect(refuse)
    try:
        with pytest.raises(services.RepairError):
            open_order(shop, "保养")
    finally:
        signals.order_opened.disconnect(refuse)
    assert order.state == "approved"


def test_order_page_shows_the_panels_other_modules_add(client, ctx, shop, staff):
    """repair.signals.order_panels: a section another module adds to the order's page (rescue's claim)."""
    order = open_order(shop, "做保养")
    persist()

    def panel(sender, **kwargs):
        return Panel(5, Markup(f'<div data-testid="added-panel">#{sender.id} {kwargs["actor"].name}</div>'))

    signals.order_panels.connect(panel)
    try:
        login(client, staff["service_advisor"])
        page = text(client.get(f"/repair/orders/{order.id}"))
    finally:
        signals.order_panels.disconnect(panel)
    assert f'data-testid="added-panel">#{order.id} ' in page
