"""The five assurances pages: a store's month with its trends, the records behind a figure, the group ranking,
and who may read them (managers and CS; not the advisors and technicians assessed)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair.models import RepairOrder
from tests.factories import StoreFactory
from tests.helpers import NOW, login, persist, text
from tests.isolation import isolated_client
from tests.satisfaction.builders import delivered


def _late_order(shop):
    order = delivered(shop)
    db.session.execute(sa.update(RepairOrder).where(RepairOrder.id == order.id)
                       .values(ready_at=order.promised_at + timedelta(minutes=30)))
    return order


def test_assurance_page_shows_each_figure_with_its_n_and_a_local_trend(client, staff, shop):
    _late_order(shop)
    delivered(shop, now=NOW + timedelta(hours=1))
    persist()
    login(client, staff["manager"])

    page = text(client.get("/satisfaction/assurance?month=2026-11"))

    assert 'data-testid="on-time">50.0%' in page and 'data-testid="on-time-n">n = 2' in page
    assert 'data-testid="lateness">30' in page and 'data-testid="within">100.0%' in page
    assert 'data-testid="cost-defect"' not in page
    for section in ("time", "cost", "quality", "after-repair", "emergency"):
        assert f'data-testid="assurance-{section}"' in page
    # The charts' data rides in attributes; the scripts are this site's (the CSP refuses any other, and inline).
    charts = [json.loads(raw.replace("&#34;", '"').replace("&amp;", "&"))
              for raw in re.findall(r"data-chart='([^']*)'", page)]
    assert len(charts) == 5 and charts[0]["months"][-1] == "2026-11" and charts[0]["lines"][0]["values"][-1] == 50.0
    assert re.search(r'<script src="/static/vendor/echarts/echarts\.min[^"]*\.js" defer>', page)
    assert re.search(r'<script src="/static/charts/line[^"]*\.js" defer>', page)
    assert "<script>" not in page and 'data-testid="ranking"' not in page  # one store: nothing to rank


def test_assurance_records_link_the_orders_behind_a_figure(app, client, staff, shop):
    late = _late_order(shop)
    persist()
    login(client, staff["manager"])

    page = text(client.get("/satisfaction/assurance/time?month=2026-11"))

    row = page.split(f'data-testid="record-{late.number}"')[1].split("</tr>")[0]
    assert f'/orders/{late.id}"' in row and "超时" in row
    assert client.get(f"/repair/orders/{late.id}").status_code == 200
    assert client.get("/satisfaction/assurance/nothing?month=2026-11").status_code == 404
    # CS reads the records too, but not the workshop's order pages: the number, not a link that answers 403.
    cs = isolated_client(app)
    login(cs, staff["cs_supervisor"])
    row = text(cs.get("/satisfaction/assurance/time?month=2026-11")).split(
        f'data-testid="record-{late.number}"')[1].split("</tr>")[0]
    assert late.number in row and f'/orders/{late.id}"' not in row
    assert cs.get(f"/repair/orders/{late.id}").status_code == 403


def test_assurance_pages_refuse_the_people_assessed(app, staff):
    for role in ("service_advisor", "technician"):
        client = isolated_client(app)
        login(client, staff[role])
        assert client.get("/satisfaction/assurance").status_code == 403
        assert client.get("/satisfaction/assurance/time").status_code == 403


def test_group_manager_sees_the_stores_ranked(client, group_manager, shop, store):
    _late_order(shop)
    other = StoreFactory(code="ZZ01")
    persist()
    login(client, group_manager)

    page = text(client.get(f"/satisfaction/assurance?month=2026-11&store={store.id}&rank=on_time_pct"))

    ranking = page.split('data-testid="ranking"')[1]
    assert ranking.index(f'data-testid="rank-{store.code}"') < ranking.index(f'data-testid="rank-{other.code}"')
    assert "0.0%" in ranking.split(f'data-testid="rank-{store.code}"')[1].split("</tr>")[0]
