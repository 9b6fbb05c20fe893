"""The template filters of formats: `datetimeformat` (Flask-Babel's own output, faster) and `share`."""
from __future__ import annotations

from datetime import date, datetime, timezone

import flask_babel
import pytest
from flask import render_template_string
from flask_babel import force_locale

from dealer import formats

MOMENTS = [datetime(2026, 12, 6, 5, 30, tzinfo=timezone.utc), datetime(2026, 1, 1, 16, 5, 9, tzinfo=timezone.utc),
           datetime(2027, 7, 31, 23, 59, 59, tzinfo=timezone.utc), datetime(2026, 3, 8, 18, 0)]  # the last naive


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
@pytest.mark.parametrize("format", ["short", "medium", "long", "full", "HH:mm", "HH:mm:ss", "yyyy-MM-dd EEE", None])
def test_datetimeformat_reads_as_flask_babel_writes_it(app, locale, format):
    with app.test_request_context("/"), force_locale(locale):
        for moment in MOMENTS:
            assert formats.datetimeformat(moment, format) == flask_babel.format_datetime(moment, format)


def test_the_templates_datetimeformat_is_the_fast_one_with_the_same_output(app):
    assert app.jinja_env.filters["datetimeformat"] is formats.datetimeformat
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        shown = render_template_string("{{ m|datetimeformat('short') }} {{ m|datetimeformat('HH:mm') }}", m=MOMENTS[0])
        assert shown == "2026/12/6 13:30 13:30"  # Asia/Shanghai, the default zone


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_day_reads_as_flask_babel_writes_a_medium_date(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        for value in [*MOMENTS, date(2026, 12, 6), date(2027, 1, 1)]:
            assert formats.day(value) == flask_babel.format_date(value, "medium")
        assert formats.day(None) == "-"
        # 2026-12-06 18:00 UTC is the 7th in Shanghai: the day the user's zone sees
        assert formats.day(datetime(2026, 12, 6, 18, 0, tzinfo=timezone.utc)) == flask_babel.format_date(date(2026, 12, 7), "medium")


def test_a_share_prints_as_the_figures_pages_print_it(app):
    with app.test_request_context("/"):
        shown = render_template_string("{{ a|share }} {{ b|share }} {{ c|share }} {{ d|share }}",
                                       a=93.5, b=100.0, c=None, d=85)
    assert shown == "93.5% 100.0% - 85%"
