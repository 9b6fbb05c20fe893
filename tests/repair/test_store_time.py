"""The store_time filter: babel's own format_datetime, on the store's clock, faster."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import babel.dates
import pytest
from flask_babel import force_locale

from dealer.repair.views.common import store_time

MOMENTS = [datetime(2026, 12, 6, 5, 30, tzinfo=timezone.utc), datetime(2026, 1, 1, 16, 5, 9, tzinfo=timezone.utc),
           datetime(2027, 7, 31, 23, 59, 59, tzinfo=timezone.utc)]


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
@pytest.mark.parametrize("format", ["short", "medium", "long", "full"])
def test_store_time_reads_as_babel_writes_it_on_the_stores_clock(app, locale, format):
    store = SimpleNamespace(timezone="Asia/Urumqi")
    with app.test_request_context("/"), force_locale(locale):
        for moment in MOMENTS:
            expected = babel.dates.format_datetime(moment.astimezone(ZoneInfo("Asia/Urumqi")), format,
                                                   tzinfo=ZoneInfo("Asia/Urumqi"), locale=locale)
            assert store_time(moment, store, format) == expected
        assert store_time(None, store) == "-"


def test_store_time_shows_the_stores_own_hour(app):
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        assert store_time(MOMENTS[0], SimpleNamespace(timezone="Asia/Shanghai")) == "2026/12/6 13:30"
