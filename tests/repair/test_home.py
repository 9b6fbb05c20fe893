"""Repair's panels of the home page: the advisor's cars, the technician's cards, the parts clerk's queue, the
cashier's orders to settle, the manager's day (a group manager's stores side by side)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from dealer import money
from dealer.database import utcnow
from dealer.extensions import db
from dealer.repair import home, services
from dealer.repair.models import JOB_PENDING
from dealer.repair.services import QualityCheckInput
from tests.factories import UserFactory, VehicleFactory
from tests.helpers import NOW, actor, login, persist, text
from tests.isolation import isolated_client
from tests.repair.builders import add_labor, approved_order, build_shop, finished_order, open_order, pay

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the stores' zone (the factories' default)


@pytest.fixture()
def home_page(app, shop, staff):
    """Return the home page's HTML as the staff member of a role."""
    persist()

    def page(role=None, user=None):
        client = isolated_client(app)
        login(client, user or staff[role])
        response = client.get("/")
        assert response.status_code == 200
        return text(response)

    return page


def _on_a_car_of_its_own(shop, build, **kwargs):
    shop.vehicle = VehicleFactory(owner__store=shop.store, store=shop.store, model_family="Sagitar")
    return build(shop, **kwargs)


def _in_workshop(shop, now=NOW):
    order = approved_order(shop, now=now)
    services.assign_job(order.jobs[0].id, [shop.technician_user.id], actor=shop.advisor, now=now)
    return services.dispatch(order.id, actor=shop.advisor, now=now)


def _finish(shop, order, now):
    job = order.jobs[0]
    services.clock_on(job.id, actor=shop.technician, now=now)
    for line in job.lines:
        if line.kind == "parts":
            services.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=now)
    services.mark_job_done(job.id, actor=shop.technician, now=now)
    services.request_quality_check(order.id, actor=shop.technician, now=now)
    services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist=dict.fromkeys(
        services.QC_ITEMS, True)), actor=shop.advisor, now=now)  # the final inspection: not the technician (终检)


def _estimated(shop, now):
    order = open_order(shop, "异响", now=now)
    add_labor(shop, order.jobs[0], now=now)
    return services.submit_estimate(order.id, actor=shop.advisor, now=now)


def test_front_desk_has_the_workshop_the_approvals_and_the_cars_to_hand_over(shop):
    estimated = _estimated(shop, now=NOW)
    working = _on_a_car_of_its_own(shop, _in_workshop)
    extra = _on_a_car_of_its_own(shop, _in_workshop)
    pending = services.add_job(extra.id, concern="刹车片磨损", actor=shop.advisor, now=NOW)
    ready = _on_a_car_of_its_own(shop, finished_order)
    _on_a_car_of_its_own(shop, open_order)  # just opened: on none of the lists

    desk = home.front_desk(actor=shop.advisor)

    assert pending.approval == JOB_PENDING
    assert {o.id for o in desk.in_workshop} == {working.id, extra.id}
    assert {o.id for o in desk.waiting_approval} == {estimated.id, extra.id}
    assert [o.id for o in desk.to_hand_over] == [ready.id]


def test_day_figures_count_the_stores_day_side_by_side(shop, other_store, staff, group_manager):
    noon = datetime.combine(utcnow().astimezone(SHANGHAI).date(), time(12), SHANGHAI).astimezone(timezone.utc)
    _on_a_car_of_its_own(shop, open_order, now=noon - timedelta(days=1))  # came in yesterday
    on_time = _on_a_car_of_its_own(shop, finished_order, now=noon)
    late = _on_a_car_of_its_own(shop, _in_workshop, now=noon)  # promised at 16:00, ready at 17:00
    _finish(shop, late, now=noon + timedelta(hours=5))
    total = services.reprice(on_time).total_fen
    services.settle(on_time.id, pay(on_time, (total, "cash")), actor=shop.cashier, now=noon)
    _on_a_car_of_its_own(shop, _estimated, now=noon)
    elsewhere = build_shop(other_store, {role: UserFactory(roles=[role], store=other_store) for role in staff})
    _on_a_car_of_its_own(elsewhere, open_order, now=noon)

    mine = home.day_figures(actor=shop.manager, now=noon + timedelta(hours=6))
    group = actor(group_manager)
    statements = []
    listener = lambda _conn, _cursor, statement, *_: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        both = home.day_figures(actor=group, now=noon + timedelta(hours=6))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert [f.store.id for f in mine] == [shop.store.id]
    day = mine[0]
    assert (day.cars_in, day.ready, day.on_time, day.waiting_approval, day.in_workshop) == (3, 2, 1, 1, 0)
    assert day.revenue_fen == total > 0
    assert {f.store.code: f.cars_in for f in both} == {shop.store.code: 3, other_store.code: 1}
    assert len(statements) == 6  # the stores seen, the stores, one aggregate per figure: whatever the stores


def test_advisor_home_shows_the_cars_of_the_day_under_the_search_box(home_page, shop):
    _in_workshop(shop)

    page = home_page("service_advisor")

    assert page.index('data-testid="home-search"') < page.index('data-testid="home-workshop"')
    workshop = page.split('data-testid="home-in-workshop"', 1)[1].split("</section>", 1)[0]
    assert shop.vehicle.plate in workshop
    assert 'data-testid="home-calls"' in page


def test_technician_home_shows_their_jobs_as_cards_with_the_parts_and_no_prices(home_page, shop):
    order = _in_workshop(shop)
    job = order.jobs[0]
    oil = next(line for line in job.lines if line.kind == "parts")
    services.issue_to_line(oil.id, quantity=2000, actor=shop.clerk, now=NOW)

    page = home_page("technician")

    card = page.split('data-testid="my-job"', 1)[1].split("</article>", 1)[0]
    assert order.number in card and shop.oil.part_number in card
    assert "已出库 2 / 4.5" in card
    for testid in ("clock-on", "mark-done", "findings"):
        assert f'data-testid="{testid}"' in card
    assert "¥" not in page and money.yuan(shop.oil.price_fen) not in page
    assert 'data-testid="home-search"' not in page


def test_parts_clerk_home_shows_the_issue_queue_and_low_stock(home_page, shop):
    order = approved_order(shop)
    services.assign_job(order.jobs[0].id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    shop.filter.on_hand = 500  # below its reorder level of 1

    page = home_page("parts_clerk")

    queue = page.split('data-testid="home-issue-queue"', 1)[1].split("</section>", 1)[0]
    assert order.number in queue and shop.oil.part_number in queue
    assert shop.technician_user.display_name in queue  # who will come for the part
    low = page.split('data-testid="home-low-stock"', 1)[1].split("</section>", 1)[0]
    assert shop.filter.part_number in low and shop.oil.part_number not in low


def test_cashier_home_shows_the_orders_to_settle_with_what_the_owner_pays(home_page, shop):
    order = finished_order(shop)
    total = services.reprice(order).total_fen

    page = home_page("cashier")

    row = page.split('data-testid="home-settle-order"', 1)[1].split("</div>", 1)[0]
    assert order.number in row and f"¥{money.yuan(total)}" in row


def test_manager_home_shows_the_day_and_a_group_manager_the_stores_side_by_side(home_page, shop, other_store,
                                                                                 group_manager):
    now = utcnow()
    _on_a_car_of_its_own(shop, open_order, now=now)

    page = home_page("manager")
    group = home_page(user=group_manager)

    assert page.count('data-testid="day-figures"') == 1 and 'data-testid="cars-in">1<' in page
    assert f'data-store="{shop.store.code}"' in group and f'data-store="{other_store.code}"' in group
    assert "/repair/figures" in page and "/sms/figures" in page
