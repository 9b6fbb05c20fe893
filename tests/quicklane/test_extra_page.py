"""A car's extra-work page read cheaply: a car without extra work costs the order's number and one EXISTS, the
catalogue is read only when the form is shown; extra work added on the order's page still lists."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.quicklane import queries, services
from dealer.repair import services as repair
from tests.helpers import NOW, login, page_text, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import minutes, take_key


@pytest.fixture()
def waiting(shop, package):
    return take_key(shop, package)


def _in_bay(shop, lane):
    return services.move(lane.id, to_stage="in_bay", version=lane.version, bay=1,
                         technician_id=shop.technician_user.id, actor=shop.technician, now=minutes(5))


def test_a_car_without_extra_work_has_its_order_number_and_nothing_to_price(shop, waiting):
    number = repair.get_order(waiting.repair_order_id, actor=shop.advisor).number
    work = queries.extra_work(waiting.id, actor=shop.advisor, now=minutes(1))
    assert (work.number, work.pending, work.items) == (number, None, [])


def test_extra_work_added_on_the_order_s_page_is_listed_without_minutes(shop, waiting):
    lane = _in_bay(shop, waiting)
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    job = repair.add_job(order.id, concern="雨刮", actor=shop.advisor, now=NOW)  # the order is at work: extra
    repair.add_line(job.id, repair.LineInput(kind="labor", operation_id=shop.brakes.id), actor=shop.advisor, now=NOW)
    items = queries.extra_work(lane.id, actor=shop.advisor, now=minutes(6)).items
    assert [(item.concern, item.approval, item.price_fen, item.minutes) for item in items] == [
        ("雨刮", "pending", 14_400, None)]


def _statements(client, path):
    seen = []

    def record(_conn, _cursor, statement, *_):
        seen.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = page_text(client.get(path))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return page, seen


def test_the_catalogue_is_read_only_when_the_form_is_shown(app, shop, waiting, staff):
    persist()
    client = isolated_client(app)
    login(client, staff["technician"])
    page, waiting_statements = _statements(client, f"/quick-lane/{waiting.id}/extra")
    assert 'data-testid="lane-extra-form"' not in page and f'value="o{shop.brakes.id}"' not in page
    _in_bay(shop, waiting)
    persist()
    page, in_bay_statements = _statements(client, f"/quick-lane/{waiting.id}/extra")
    assert 'data-testid="lane-extra-form"' in page and f'value="o{shop.brakes.id}"' in page
    assert len(in_bay_statements) == len(waiting_statements) + 2  # the catalogue's parts and labor operations
