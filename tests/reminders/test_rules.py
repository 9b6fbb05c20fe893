"""Due-date rules of the reminders, pinned by worked examples at every boundary (no database)."""
from datetime import date, timedelta
from itertools import islice, takewhile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer.customers import models
from dealer.reminders import rules
from dealer.reminders.rules import (
    LARGE_PASSENGER,
    SMALL_PASSENGER,
    TRUCK,
    USE_COMMERCIAL,
    USE_PRIVATE,
    VAN,
    InspectionDue,
    MaintenanceDue,
)

D = date.fromisoformat


def schedule(registration, vehicle_class=SMALL_PASSENGER, use=USE_PRIVATE, seats=5, points=14):
    """Return the first due points as (due date, on site, rule key) triples."""
    due_points = rules.inspection_schedule(registration_date=D(registration), vehicle_class=vehicle_class,
                                           use=use, seats=seats)
    return [(point.due_date.isoformat(), point.on_site, point.rule.key)
            for point in islice(due_points, points)]


def next_due(registration="2016-03-15", *, last=None, today="2025-06-01", vehicle_class=SMALL_PASSENGER,
             use=USE_PRIVATE, seats=5):
    return rules.next_inspection_due(
        registration_date=D(registration) if registration else None, vehicle_class=vehicle_class, use=use,
        seats=seats, last_inspection_date=D(last) if last else None, today=D(today))


# -- the rule table ------------------------------------------------------------------------------

def test_inspection_rules_each_name_their_legal_source():
    assert len({rule.key for rule in rules.INSPECTION_RULES}) == len(rules.INSPECTION_RULES)
    for rule in rules.INSPECTION_RULES:
        assert rule.summary
        assert "《中华人民共和国道路交通安全法实施条例》第十六条" in rule.source or "2022-10-01" in rule.source
        assert rule.source.count("《") == rule.source.count("》") >= 1


def test_inspection_rules_exemption_rows_cite_the_2022_reform():
    reform = "公安部 市场监管总局《关于深化机动车检验制度改革优化车检服务工作的意见》"
    by_key = {rule.key: rule for rule in rules.INSPECTION_RULES}
    assert reform in by_key["private_small_within_10"].source
    assert reform in by_key["private_small_over_10"].source
    assert "第十六条第(一)项" in by_key["commercial_passenger_over_5"].source
    assert "第十六条第(二)项" in by_key["truck_or_large_over_10"].source
    assert "第十六条第(三)项" in by_key["private_van_within_6"].source


@pytest.mark.parametrize("vehicle_class", rules.VEHICLE_CLASSES)
@pytest.mark.parametrize("use", rules.VEHICLE_USES)
def test_inspection_rules_for_cover_every_age_once(vehicle_class, use):
    bands = rules.inspection_rules_for(vehicle_class=vehicle_class, use=use, seats=None)
    assert bands[0].from_years == 0
    for younger, older in zip(bands, bands[1:]):
        assert younger.until_years == older.from_years
    assert bands[-1].until_years is None


@pytest.mark.parametrize("rule", rules.INSPECTION_RULES, ids=lambda rule: rule.key)
def test_inspection_rules_cycles_land_on_their_band_ends(rule):
    # A cycle that overshot a band's end would skip the first point of the next band.
    assert rule.interval_months in (6, 12, 24)
    if rule.until_months is not None:
        assert (rule.until_months - rule.from_months) % rule.interval_months == 0
    for year in rule.sticker_only_years:
        assert rule.from_years < year and (rule.until_years is None or year <= rule.until_years)
        assert (year * 12 - rule.from_months) % rule.interval_months == 0


def test_vehicle_uses_match_the_customer_models():
    assert (rules.USE_PRIVATE, rules.USE_COMMERCIAL) == (models.USE_PRIVATE, models.USE_COMMERCIAL)
    assert rules.VEHICLE_USES == models.VEHICLE_USES
    assert rules.VEHICLE_CLASSES == models.VEHICLE_CLASSES


def test_vehicle_classes_are_the_four_of_the_law():
    assert rules.VEHICLE_CLASSES == ("small_passenger", "van", "large_passenger", "truck")
    assert rules.DEFAULT_VEHICLE_CLASS == SMALL_PASSENGER


# -- private small and mini passenger cars (非营运小微型载客汽车) -------------------------------------

def test_inspection_schedule_private_small_car_follows_the_worked_example():
    assert schedule("2016-03-15") == [
        ("2018-03-31", False, "private_small_within_10"),   # year 2: sticker online
        ("2020-03-31", False, "private_small_within_10"),   # year 4: sticker online
        ("2022-03-31", True, "private_small_within_10"),    # year 6: on site
        ("2024-03-31", False, "private_small_within_10"),   # year 8: sticker online
        ("2026-03-31", True, "private_small_within_10"),    # year 10: on site
        ("2027-03-31", True, "private_small_over_10"),      # year 11: every year
        ("2028-03-31", True, "private_small_over_10"),
        ("2029-03-31", True, "private_small_over_10"),
        ("2030-03-31", True, "private_small_over_10"),
        ("2031-03-31", True, "private_small_over_10"),      # year 15: the last annual one
        ("2031-09-30", True, "private_small_over_15"),      # 15.5: every 6 months from here
        ("2032-03-31", True, "private_small_over_15"),      # year 16
        ("2032-09-30", True, "private_small_over_15"),
        ("2033-03-31", True, "private_small_over_15"),
    ]


@pytest.mark.parametrize("year, due, on_site, key", [
    (2, "2018-03-31", False, "private_small_within_10"),
    (4, "2020-03-31", False, "private_small_within_10"),
    (6, "2022-03-31", True, "private_small_within_10"),
    (8, "2024-03-31", False, "private_small_within_10"),
    (10, "2026-03-31", True, "private_small_within_10"),
    (11, "2027-03-31", True, "private_small_over_10"),
    (15, "2031-03-31", True, "private_small_over_10"),
    (16, "2032-03-31", True, "private_small_over_15"),
])
def test_inspection_schedule_private_small_car_at_each_boundary_year(year, due, on_site, key):
    points = {point[0]: point for point in schedule("2016-03-15", points=30)}
    assert points[due] == (due, on_site, key)
    assert due == f"{2016 + year}-03-31"


def test_inspection_schedule_private_small_car_skips_the_odd_years_within_10():
    due_dates = {point[0] for point in schedule("2016-03-15")}
    for year in (2017, 2019, 2021, 2023, 2025):
        assert f"{year}-03-31" not in due_dates


def test_inspection_schedule_private_small_car_over_15_starts_six_months_after_the_15th_anniversary():
    # Decision: "超过15年" starts at the 15th anniversary; the year-15 point closes the annual band.
    points = schedule("2016-03-15", points=12)
    assert points[9] == ("2031-03-31", True, "private_small_over_10")
    assert points[10] == ("2031-09-30", True, "private_small_over_15")
    assert points[11] == ("2032-03-31", True, "private_small_over_15")


@pytest.mark.parametrize("seats", [None, 2, 5, 7, 9])
def test_inspection_schedule_private_small_car_up_to_nine_seats_is_exempt(seats):
    assert schedule("2016-03-15", seats=seats, points=2) == [
        ("2018-03-31", False, "private_small_within_10"), ("2020-03-31", False, "private_small_within_10")]


# -- vans and other small cars outside the exemption (面包车) --------------------------------------

def test_inspection_schedule_private_van_follows_the_regulation():
    assert schedule("2016-03-15", vehicle_class=VAN, seats=7, points=15) == [
        ("2018-03-31", True, "private_van_within_6"),
        ("2020-03-31", True, "private_van_within_6"),
        ("2022-03-31", True, "private_van_within_6"),     # year 6: closes the 2-year band
        ("2023-03-31", True, "private_van_over_6"),       # year 7: every year
        ("2024-03-31", True, "private_van_over_6"),
        ("2025-03-31", True, "private_van_over_6"),
        ("2026-03-31", True, "private_van_over_6"),
        ("2027-03-31", True, "private_van_over_6"),
        ("2028-03-31", True, "private_van_over_6"),
        ("2029-03-31", True, "private_van_over_6"),
        ("2030-03-31", True, "private_van_over_6"),
        ("2031-03-31", True, "private_van_over_6"),       # year 15
        ("2031-09-30", True, "private_van_over_15"),      # every 6 months
        ("2032-03-31", True, "private_van_over_15"),
        ("2032-09-30", True, "private_van_over_15"),
    ]


def test_inspection_schedule_private_van_is_never_sticker_only():
    assert all(on_site for _, on_site, _ in schedule("2016-03-15", vehicle_class=VAN, points=40))


# -- commercial passenger vehicles (营运载客汽车) -------------------------------------------------

@pytest.mark.parametrize("vehicle_class, seats", [(SMALL_PASSENGER, 5), (VAN, 7), (LARGE_PASSENGER, 45),
                                                  (SMALL_PASSENGER, None)])
def test_inspection_schedule_commercial_passenger_is_yearly_then_half_yearly_after_5(vehicle_class, seats):
    assert schedule("2016-03-15", vehicle_class=vehicle_class, use=USE_COMMERCIAL, seats=seats, points=9) == [
        ("2017-03-31", True, "commercial_passenger_within_5"),
        ("2018-03-31", True, "commercial_passenger_within_5"),
        ("2019-03-31", True, "commercial_passenger_within_5"),
        ("2020-03-31", True, "commercial_passenger_within_5"),
        ("2021-03-31", True, "commercial_passenger_within_5"),   # year 5: the last annual one
        ("2021-09-30", True, "commercial_passenger_over_5"),
        ("2022-03-31", True, "commercial_passenger_over_5"),     # year 6
        ("2022-09-30", True, "commercial_passenger_over_5"),
        ("2023-03-31", True, "commercial_passenger_over_5"),
    ]


# -- trucks and large/medium passenger vehicles (载货汽车, 大中型非营运载客汽车) ------------------------

@pytest.mark.parametrize("vehicle_class, use, seats", [
    (TRUCK, USE_PRIVATE, 3), (TRUCK, USE_COMMERCIAL, 2), (LARGE_PASSENGER, USE_PRIVATE, 19),
    (LARGE_PASSENGER, USE_PRIVATE, None)])
def test_inspection_schedule_truck_or_large_is_yearly_then_half_yearly_after_10(vehicle_class, use, seats):
    points = schedule("2016-03-15", vehicle_class=vehicle_class, use=use, seats=seats, points=13)
    assert points == [(f"{year}-03-31", True, "truck_or_large_within_10") for year in range(2017, 2027)] + [
        ("2026-09-30", True, "truck_or_large_over_10"),
        ("2027-03-31", True, "truck_or_large_over_10"),   # year 11
        ("2027-09-30", True, "truck_or_large_over_10"),
    ]


# -- seats decide what a "car" is --------------------------------------------------------------

@pytest.mark.parametrize("vehicle_class, seats, expected", [
    (SMALL_PASSENGER, 9, SMALL_PASSENGER),
    (SMALL_PASSENGER, 10, LARGE_PASSENGER),
    (SMALL_PASSENGER, None, SMALL_PASSENGER),
    (VAN, 9, VAN),
    (VAN, 11, LARGE_PASSENGER),
    (LARGE_PASSENGER, 5, LARGE_PASSENGER),   # a recorded large class is trusted with few seats
    (TRUCK, 12, TRUCK),                      # a truck is classed by what it carries
])
def test_effective_vehicle_class_makes_more_than_nine_seats_large(vehicle_class, seats, expected):
    assert rules.effective_vehicle_class(vehicle_class, seats) == expected


@pytest.mark.parametrize("vehicle_class", [SMALL_PASSENGER, VAN])
def test_inspection_schedule_private_car_with_ten_seats_follows_the_large_passenger_rule(vehicle_class):
    points = schedule("2016-03-15", vehicle_class=vehicle_class, seats=10, points=12)
    assert points[0] == ("2017-03-31", True, "truck_or_large_within_10")
    assert points[9] == ("2026-03-31", True, "truck_or_large_within_10")
    assert points[10] == ("2026-09-30", True, "truck_or_large_over_10")


def test_inspection_schedule_commercial_car_with_many_seats_stays_commercial_passenger():
    assert schedule("2016-03-15", use=USE_COMMERCIAL, seats=12, points=1) == [
        ("2017-03-31", True, "commercial_passenger_within_5")]


@pytest.mark.parametrize("vehicle_class, use", [("bus", USE_PRIVATE), ("", USE_PRIVATE),
                                                (SMALL_PASSENGER, "rental"), (SMALL_PASSENGER, "")])
def test_inspection_schedule_refuses_unknown_class_or_use_at_once(vehicle_class, use):
    with pytest.raises(ValueError):
        rules.inspection_schedule(registration_date=D("2016-03-15"), vehicle_class=vehicle_class, use=use,
                                  seats=5)
    with pytest.raises(ValueError):
        next_due(None, vehicle_class=vehicle_class, use=use)


# -- registration dates: only the month counts ---------------------------------------------------

def test_inspection_schedule_leap_day_registration_uses_february_ends():
    assert [due for due, _, _ in schedule("2016-02-29", points=14)] == [
        "2018-02-28", "2020-02-29", "2022-02-28", "2024-02-29", "2026-02-28",
        "2027-02-28", "2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28",
        "2031-08-31", "2032-02-29", "2032-08-31", "2033-02-28"]


def test_inspection_schedule_registration_on_the_31st_uses_shorter_month_ends():
    assert [due for due, _, _ in schedule("2015-08-31", use=USE_COMMERCIAL, points=8)] == [
        "2016-08-31", "2017-08-31", "2018-08-31", "2019-08-31", "2020-08-31",
        "2021-02-28", "2021-08-31", "2022-02-28"]
    assert [due for due, _, _ in schedule("2019-01-31", vehicle_class=TRUCK, points=12)][9:] == [
        "2029-01-31", "2029-07-31", "2030-01-31"]


def test_inspection_schedule_december_registration_crosses_the_year_end():
    assert [due for due, _, _ in schedule("2011-12-05", use=USE_COMMERCIAL, points=7)] == [
        "2012-12-31", "2013-12-31", "2014-12-31", "2015-12-31", "2016-12-31", "2017-06-30", "2017-12-31"]


@pytest.mark.parametrize("registration", ["2016-03-01", "2016-03-15", "2016-03-31"])
def test_inspection_schedule_day_of_registration_does_not_matter(registration):
    assert schedule(registration, points=20) == schedule("2016-03-15", points=20)


# -- the next due point ----------------------------------------------------------------------------

def test_next_inspection_due_without_registration_date_is_none():
    assert next_due(None) is None
    assert next_due(None, last="2024-03-01") is None


def test_next_inspection_due_without_record_is_the_first_point_from_today():
    due = next_due(today="2025-06-01")
    assert due == InspectionDue(due_date=D("2026-03-31"), on_site=True, rule=due.rule)
    assert due.rule.key == "private_small_within_10"


def test_next_inspection_due_without_record_counts_a_point_due_today():
    assert next_due(today="2026-03-31").due_date == D("2026-03-31")


def test_next_inspection_due_without_record_does_not_remind_about_the_past():
    assert next_due(today="2026-04-01").due_date == D("2027-03-31")


def test_next_inspection_due_without_record_before_registration_is_the_first_point():
    due = next_due(today="2016-01-01")
    assert (due.due_date, due.on_site) == (D("2018-03-31"), False)


@pytest.mark.parametrize("last", ["2026-01-01", "2026-02-15", "2026-03-31"])
def test_next_inspection_due_inspected_early_within_the_window_covers_that_point(last):
    assert next_due(last=last, today="2026-04-10").due_date == D("2027-03-31")


def test_next_inspection_due_inspected_a_day_before_the_window_does_not_cover_that_point():
    # 2025-12-31 is before the window of the 2026-03-31 point (it opens on 2026-01-01).
    assert next_due(last="2025-12-31", today="2026-01-05").due_date == D("2026-03-31")


def test_next_inspection_due_inspected_late_keeps_the_registration_month():
    assert next_due(last="2026-05-20", today="2026-06-01").due_date == D("2027-03-31")


def test_next_inspection_due_inspected_late_in_a_six_month_cycle():
    # Due 2031-09-30, done 2031-12-10: late for September, too early for March 2032.
    assert next_due(last="2031-12-10", today="2031-12-11").due_date == D("2032-03-31")
    assert next_due(last="2031-07-01", today="2031-07-02").due_date == D("2032-03-31")


def test_next_inspection_due_after_a_sticker_year_is_the_next_on_site_year():
    due = next_due(last="2024-02-10", today="2024-02-11")
    assert (due.due_date, due.on_site) == (D("2026-03-31"), True)


def test_next_inspection_due_with_a_stale_record_is_overdue():
    # Recorded 2020, nothing since: as far as the store knows the 2022 inspection was missed.
    assert next_due(last="2020-03-01", today="2025-06-01").due_date == D("2022-03-31")


def test_next_inspection_due_record_before_registration_covers_nothing():
    assert next_due(last="2016-03-10", today="2016-04-01").due_date == D("2018-03-31")


@pytest.mark.parametrize("due, opens", [("2026-03-31", "2026-01-01"), ("2026-02-28", "2025-12-01"),
                                        ("2031-09-30", "2031-07-01"), ("2026-01-31", "2025-11-01")])
def test_inspection_window_opens_three_calendar_months_before(due, opens):
    assert rules.inspection_window_opens(D(due)) == D(opens)


# -- insurance renewal (保险续保) -------------------------------------------------------------------

def test_insurance_reminder_dates_default_to_30_and_7_days_before():
    assert rules.insurance_reminder_dates(D("2025-06-15")) == [(30, D("2025-05-16")), (7, D("2025-06-08"))]


def test_insurance_reminder_dates_store_setting_sorted_by_date_once_each():
    assert rules.insurance_reminder_dates(D("2025-06-15"), lead_days=[7, 60, 30, 7, 1, 0]) == [
        (60, D("2025-04-16")), (30, D("2025-05-16")), (7, D("2025-06-08")), (1, D("2025-06-14")),
        (0, D("2025-06-15"))]


def test_insurance_reminder_dates_across_a_leap_february():
    assert rules.insurance_reminder_dates(D("2024-03-01")) == [(30, D("2024-01-31")), (7, D("2024-02-23"))]
    assert rules.insurance_reminder_dates(D("2025-01-05")) == [(30, D("2024-12-06")), (7, D("2024-12-29"))]


def test_insurance_reminder_dates_without_leads_is_empty():
    assert rules.insurance_reminder_dates(D("2025-06-15"), lead_days=()) == []


def test_insurance_reminder_dates_refuse_a_negative_lead():
    with pytest.raises(ValueError):
        rules.insurance_reminder_dates(D("2025-06-15"), lead_days=(30, -7))


# -- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    ("2024-01-31", 1, "2024-02-29"), ("2023-01-31", 1, "2023-02-28"), ("2024-03-31", -1, "2024-02-29"),
    ("2024-12-15", 1, "2025-01-15"), ("2025-01-15", -1, "2024-12-15"), ("2024-08-31", 6, "2025-02-28"),
    ("2024-02-29", 12, "2025-02-28"), ("2024-02-29", 48, "2028-02-29"), ("2024-05-31", 0, "2024-05-31"),
    ("2024-05-31", -24, "2022-05-31"), ("2024-10-31", 1, "2024-11-30"), ("2024-01-15", 120, "2034-01-15"),
])
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert rules.add_months(D(day), months) == D(expected)


@pytest.mark.parametrize("day, months", [(date(9999, 12, 1), 1), (date(1, 1, 31), -1)])
def test_add_months_refuses_to_leave_the_calendar(day, months):
    with pytest.raises(ValueError):
        rules.add_months(day, months)


@pytest.mark.parametrize("year, month, expected", [
    (2024, 2, "2024-02-29"), (2023, 2, "2023-02-28"), (2100, 2, "2100-02-28"), (2000, 2, "2000-02-29"),
    (2024, 12, "2024-12-31"), (2024, 4, "2024-04-30"), (2024, 1, "2024-01-31")])
def test_month_end_knows_every_month_length(year, month, expected):
    assert rules.month_end(year, month) == D(expected)


# -- average daily km --------------------------------------------------------------------------------

TODAY = D("2025-06-30")


def test_average_daily_km_is_distance_over_days():
    # 2025-03-01 to 2025-06-09 is 100 days.
    assert rules.average_daily_km([(D("2025-03-01"), 20_000), (D("2025-06-09"), 21_000)], today=TODAY) == 10.0


def test_average_daily_km_takes_readings_in_any_order_and_uses_the_ends():
    readings = [(D("2025-06-09"), 21_000), (D("2025-04-01"), 20_500), (D("2025-03-01"), 20_000)]
    assert rules.average_daily_km(readings, today=TODAY) == 10.0


@pytest.mark.parametrize("readings", [[], [(D("2025-03-01"), 20_000)]])
def test_average_daily_km_with_fewer_than_two_readings_is_the_default(readings):
    assert rules.average_daily_km(readings, today=TODAY) == 40.0
    assert rules.average_daily_km(readings, today=TODAY, default=55.5) == 55.5


def test_average_daily_km_needs_fourteen_days_between_readings():
    assert rules.average_daily_km([(D("2025-06-01"), 1_000), (D("2025-06-14"), 1_700)], today=TODAY) == 40.0
    assert rules.average_daily_km([(D("2025-06-01"), 1_000), (D("2025-06-15"), 1_700)], today=TODAY) == 50.0


def test_average_daily_km_ignores_readings_outside_the_window():
    readings = [(D("2024-01-01"), 0), (D("2025-06-01"), 30_000)]
    assert rules.average_daily_km(readings, today=TODAY) == 40.0
    # 2024-01-01 to 2025-06-01 is 517 days.
    assert rules.average_daily_km(readings, today=TODAY, window_days=600) == pytest.approx(30_000 / 517)
    on_the_edge = [(TODAY - timedelta(days=365), 10_000), (TODAY, 13_650)]
    assert rules.average_daily_km(on_the_edge, today=TODAY) == 10.0


def test_average_daily_km_ignores_readings_after_today():
    readings = [(D("2025-03-01"), 20_000), (D("2025-06-09"), 21_000), (D("2025-07-10"), 99_999)]
    assert rules.average_daily_km(readings, today=TODAY) == 10.0


def test_average_daily_km_of_a_car_that_stood_still_is_zero():
    assert rules.average_daily_km([(D("2025-03-01"), 20_000), (D("2025-06-09"), 20_000)], today=TODAY) == 0.0


def test_average_daily_km_never_negative_when_readings_go_backwards():
    assert rules.average_daily_km([(D("2025-03-01"), 20_000), (D("2025-06-09"), 19_000)], today=TODAY) == 40.0


def test_average_daily_km_refuses_a_negative_default():
    with pytest.raises(ValueError):
        rules.average_daily_km([], today=TODAY, default=-1.0)


# -- maintenance (保养) --------------------------------------------------------------------------------

SERVICE_DAY = D("2025-01-10")   # at 20,000 km; 6 months or 5,000 km; by time 2025-07-10


def maintenance(readings=(), *, last_service_km=20_000, interval_km=5_000, today="2025-03-01", **extra):
    arguments = dict(last_service_date=SERVICE_DAY, last_service_km=last_service_km, readings=list(readings),
                     interval_months=6, interval_km=interval_km, today=D(today))
    arguments.update(extra)
    return rules.next_maintenance_due(**arguments)


def test_next_maintenance_due_slow_car_is_due_by_time():
    # 10 km a day: 2024-10-02 at 19,000, the service 100 days later at 20,000, then 2025-02-20 at 20,410.
    due = maintenance([(D("2024-10-02"), 19_000), (D("2025-02-20"), 20_410)])
    assert due == MaintenanceDue(due_date=D("2025-07-10"), by="time", due_km=25_000, daily_km=10.0)


def test_next_maintenance_due_fast_car_is_due_by_distance_much_sooner():
    # 100 km a day: 24,100 km on 2025-02-20, 900 km to go, 9 days.
    due = maintenance([(D("2024-10-02"), 10_000), (D("2025-02-20"), 24_100)])
    assert due == MaintenanceDue(due_date=D("2025-03-01"), by="distance", due_km=25_000, daily_km=100.0)


def test_next_maintenance_due_projects_with_the_default_without_readings():
    # Only the service's own reading: 40 km a day, 5,000 km in 125 days.
    assert maintenance() == MaintenanceDue(due_date=D("2025-05-15"), by="distance", due_km=25_000,
                                           daily_km=40.0)
    assert maintenance(default_daily_km=20.0).by == "time"


def test_next_maintenance_due_takes_readings_in_any_order():
    readings = [(D("2025-02-20"), 24_100), (D("2024-12-01"), 14_000), (D("2024-10-02"), 10_000)]
    assert maintenance(readings) == maintenance(sorted(readings))
    assert maintenance(readings).due_date == D("2025-03-01")


@pytest.mark.parametrize("km", [25_000, 25_300])
def test_next_maintenance_due_already_past_the_distance_is_the_reading_date(km):
    due = maintenance([(D("2024-10-02"), 10_000), (D("2025-02-20"), km)])
    assert (due.due_date, due.by, due.due_km) == (D("2025-02-20"), "distance", 25_000)


def test_next_maintenance_due_without_service_km_counts_time_only():
    due = maintenance([(D("2024-10-02"), 10_000), (D("2025-02-20"), 90_000)], last_service_km=None)
    assert (due.due_date, due.by, due.due_km) == (D("2025-07-10"), "time", None)
    assert due.daily_km == pytest.approx(80_000 / 141)


def test_next_maintenance_due_tie_goes_to_distance():
    # 2025-01-10 to 2025-07-10 is 181 days; at 40 km a day that is 7,240 km.
    assert maintenance(interval_km=7_240).by == "distance"
    assert maintenance(interval_km=7_240).due_date == D("2025-07-10")
    assert maintenance(interval_km=7_241).by == "time"


def test_next_maintenance_due_by_time_clamps_to_the_month_end():
    due = rules.next_maintenance_due(last_service_date=D("2024-08-31"), last_service_km=None, readings=[],
                                     interval_months=6, interval_km=5_000, today=D("2024-09-01"))
    assert due.due_date == D("2025-02-28")


def test_next_maintenance_due_ignores_readings_after_today():
    due = maintenance([(D("2024-10-02"), 19_000), (D("2025-02-20"), 20_410), (D("2025-04-01"), 30_000)])
    assert (due.due_date, due.by) == (D("2025-07-10"), "time")


def test_next_maintenance_due_car_standing_still_is_due_by_time():
    due = maintenance([(D("2024-12-01"), 20_000)], today="2025-02-01")
    assert (due.due_date, due.by, due.daily_km) == (D("2025-07-10"), "time", 0.0)


@pytest.mark.parametrize("daily_km", [1e-9, 5e-324])
def test_next_maintenance_due_nearly_still_car_does_not_overflow_the_calendar(daily_km):
    # 5e-324 km a day makes the projection infinite (found by hypothesis).
    assert maintenance(default_daily_km=daily_km).by == "time"


@pytest.mark.parametrize("months, km", [(0, 5_000), (6, 0), (-6, 5_000), (6, -1)])
def test_next_maintenance_due_refuses_non_positive_intervals(months, km):
    with pytest.raises(ValueError):
        rules.next_maintenance_due(last_service_date=SERVICE_DAY, last_service_km=20_000, readings=[],
                                   interval_months=months, interval_km=km, today=D("2025-03-01"))


# -- properties ------------------------------------------------------------------------------------

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2045, 12, 31))
vehicle_classes = st.sampled_from(rules.VEHICLE_CLASSES)
uses = st.sampled_from(rules.VEHICLE_USES)
seats = st.none() | st.integers(min_value=1, max_value=99)
readings = st.lists(st.tuples(dates, st.integers(min_value=0, max_value=1_000_000)), max_size=8)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@given(registration=dates, vehicle_class=vehicle_classes, use=uses, seats=seats)
def test_inspection_schedule_is_strictly_ascending_month_ends_on_the_registration_cycle(
        registration, vehicle_class, use, seats):
    due_points = rules.inspection_schedule(registration_date=registration, vehicle_class=vehicle_class,
                                           use=use, seats=seats)
    points = list(islice(due_points, 60))
    assert 1 <= months_between(registration, points[0].due_date) <= 24
    for point in points:
        assert point.due_date == rules.month_end(point.due_date.year, point.due_date.month)
        assert months_between(registration, point.due_date) % 6 == 0
    for earlier, later in zip(points, points[1:]):
        assert earlier.due_date < later.due_date
        assert months_between(earlier.due_date, later.due_date) in (6, 12, 24)


@given(registration=dates, today=dates, vehicle_class=vehicle_classes, use=uses, seats=seats)
def test_next_inspection_due_without_record_is_the_first_point_not_before_today(
        registration, today, vehicle_class, use, seats):
    due = rules.next_inspection_due(registration_date=registration, vehicle_class=vehicle_class, use=use,
                                    seats=seats, last_inspection_date=None, today=today)
    assert due.due_date >= today
    earlier = takewhile(lambda point: point.due_date < due.due_date, rules.inspection_schedule(
        registration_date=registration, vehicle_class=vehicle_class, use=use, seats=seats))
    assert all(point.due_date < today for point in earlier)


@given(registration=dates, last=dates, today=dates, vehicle_class=vehicle_classes, use=uses, seats=seats)
def test_next_inspection_due_is_the_first_point_whose_window_opens_after_the_last_inspection(
        registration, last, today, vehicle_class, use, seats):
    due = rules.next_inspection_due(registration_date=registration, vehicle_class=vehicle_class, use=use,
                                    seats=seats, last_inspection_date=last, today=today)
    assert rules.inspection_window_opens(due.due_date) > last
    earlier = takewhile(lambda point: point.due_date < due.due_date, rules.inspection_schedule(
        registration_date=registration, vehicle_class=vehicle_class, use=use, seats=seats))
    assert all(rules.inspection_window_opens(point.due_date) <= last for point in earlier)


@given(last_service=dates, last_km=st.none() | st.integers(min_value=0, max_value=500_000), readings=readings,
       months=st.integers(min_value=1, max_value=24), interval_km=st.integers(min_value=1, max_value=30_000),
       today=dates, default=st.floats(min_value=0.0, max_value=1_000.0))
def test_next_maintenance_due_is_never_later_than_by_time(
        last_service, last_km, readings, months, interval_km, today, default):
    due = rules.next_maintenance_due(last_service_date=last_service, last_service_km=last_km,
                                     readings=readings, interval_months=months, interval_km=interval_km,
                                     today=today, default_daily_km=default)
    assert due.due_date <= rules.add_months(last_service, months)
    assert due.by in (rules.BY_TIME, rules.BY_DISTANCE)
    assert due.daily_km >= 0
    assert due.due_km == (None if last_km is None else last_km + interval_km)
    if due.by == rules.BY_DISTANCE:
        assert due.due_km is not None


@given(readings=readings, today=dates, window=st.integers(min_value=1, max_value=2_000))
def test_average_daily_km_is_never_negative(readings, today, window):
    assert rules.average_daily_km(readings, today=today, window_days=window) >= 0


@given(day=dates, months=st.integers(min_value=-600, max_value=600))
def test_add_months_moves_whole_months_and_keeps_the_day_when_it_can(day, months):
    moved = rules.add_months(day, months)
    assert months_between(day, moved) == months
    assert moved.day == min(day.day, rules.month_end(moved.year, moved.month).day)


@given(expiry=dates, leads=st.lists(st.integers(min_value=0, max_value=365), max_size=6))
def test_insurance_reminder_dates_are_ascending_and_not_after_expiry(expiry, leads):
    reminders = rules.insurance_reminder_dates(expiry, lead_days=leads)
    assert [day for _, day in reminders] == sorted(day for _, day in reminders)
    assert len(reminders) == len(set(leads))
    assert all(day == expiry - timedelta(days=lead) <= expiry for lead, day in reminders)
