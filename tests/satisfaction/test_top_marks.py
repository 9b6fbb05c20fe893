"""The top-marks check: an advisor whose forms are all top marks, many filled at the hand-over, is flagged for CS."""
from __future__ import annotations

from datetime import timedelta

from dealer.extensions import db
from dealer.parts import services as parts
from dealer.satisfaction import queries, services
from dealer.satisfaction.models import SatisfactionSettings
from tests.helpers import NOW, login, persist, text
from tests.satisfaction.builders import answers, delivered, follow_up_of, token_of

LATER = NOW + timedelta(days=5)


def _forms(shop, *after_minutes, grades=(2, 2, 2)):
    """One delivered order per entry, its form sent that many minutes after the hand-over."""
    parts.receive_stock(shop.oil.id, quantity=4500 * len(after_minutes), unit_cost_fen=4000, reference="DN-1",
                        actor=shop.clerk, now=NOW)
    for index, minutes in enumerate(after_minutes):
        served = NOW + timedelta(hours=index)
        follow_up = follow_up_of(delivered(shop, now=served))
        services.submit_feedback(token_of(follow_up), answers(*grades), now=served + timedelta(minutes=minutes))


def test_top_marks_flags_an_advisor_with_all_top_marks_mostly_filled_on_the_spot(shop, store):
    _forms(shop, 5, 10, 25, 600, 2000)  # 3 of 5 within 30 minutes: 60 %

    [flag] = queries.top_marks_flags([store.id], now=LATER)

    assert (flag.advisor_id, flag.forms, flag.on_the_spot, flag.on_the_spot_pct) == (shop.advisor.user_id, 5, 3, 60)


def test_top_marks_spares_one_lower_grade_too_few_forms_or_forms_filled_later(shop, store):
    _forms(shop, 5, 10, 25, 600)  # four forms: under the minimum of 5
    assert queries.top_marks_flags([store.id], now=LATER) == []
    _forms(shop, 5, grades=(2, 1, 2))  # a B among them
    assert queries.top_marks_flags([store.id], now=LATER) == []


def test_top_marks_follows_the_store_thresholds_and_the_last_30_days(shop, store):
    _forms(shop, 5, 600, 700, 800)  # 1 of 4 on the spot
    db.session.add(SatisfactionSettings(store_id=store.id, top_marks_min_forms=4, on_the_spot_share_pct=25))
    db.session.flush()
    assert [flag.forms for flag in queries.top_marks_flags([store.id], now=LATER)] == [4]
    assert queries.top_marks_flags([store.id], now=NOW + timedelta(days=31)) == []


def test_cs_board_shows_the_advisors_to_check(client, staff, shop):
    _forms(shop, 1, 2, 3, 4, 5)
    persist()
    login(client, staff["cs_supervisor"])
    page = text(client.get("/satisfaction/"))
    assert f'data-testid="top-marks-{shop.advisor.user_id}"' in page
