"""Compute when reminders fall due: annual inspection (年审), insurance renewal (保险续保), maintenance (保养).

Pure functions over dates and numbers: no database, no Flask and no clock (the caller passes
`today`), so the nightly scan, the advisor's list and the tests all get the same answer.

Annual inspection, in short (the table itself is `INSPECTION_RULES`, each row naming its source):

| vehicle                                                  | due points (years from registration)          |
|----------------------------------------------------------|-----------------------------------------------|
| private small/mini passenger car (<= 9 seats, not a van) | 2, 4, 8 sticker online; 6, 10 on site;        |
|                                                          | then every year; after 15, every 6 months     |
| private van, or a small car outside the exemption        | every 2 years to 6; then every year;          |
|                                                          | after 15, every 6 months                      |
| commercial passenger vehicle, any size                   | every year to 5; then every 6 months          |
| truck (any use); private large or medium passenger car   | every year to 10; then every 6 months         |

Decisions (the law leaves them to us):
- A due point is the last day of the registration month in the due year; 6-month points are the
  registration month and the month 6 months from it. Only the month of registration counts, so a
  registration on the 31st or on 29 February needs nothing special.
- An age band "after N years" starts at the N-th anniversary: the point at year N is the last one
  of the earlier band and the next point is one new interval after it (a private car's year-15
  inspection is its last annual one; the next is 6 months later).
- The schedule is computed with today's rules for the vehicle's whole life, as if its class and
  use had never changed; mandatory scrapping (强制报废) is not modelled, so the schedule never ends.
- A vehicle that lost the exemption (an accident with casualties, illegal modification) is
  passed as `VAN`: it then follows the ordinary cycle of 第十六条第(三)项.
- An inspection or sticker may be done in the 3 calendar months ending with the due month
  (January to March for a March point). The last one recorded covers the point it was early
  for and every earlier point; see `next_inspection_due` for what is due next.
"""
from __future__ import annotations

import calendar
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# -- dates ---------------------------------------------------------------------------------------


def month_end(year: int, month: int) -> date:
    """Return the last day of the given month (28 February, 29 in a leap year, 30 or 31 otherwise)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """Move `day` by `months` calendar months (negative: back), keeping the day of the month.

    A day that does not exist in the target month is clamped to that month's end:
    2024-01-31 + 1 month is 2024-02-29, 2023-01-31 + 1 month is 2023-02-28.
    Raises ValueError when the result falls outside the years 1 to 9999.
    """
    year, month_index = divmod(day.year * 12 + (day.month - 1) + months, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"{day} + {months} months is out of range")
    return date(year, month_index + 1, min(day.day, calendar.monthrange(year, month_index + 1)[1]))


# -- annual inspection (年审) ---------------------------------------------------------------------

SMALL_PASSENGER = "small_passenger"  # 小型、微型载客汽车 (up to 9 seats); the default for cars
VAN = "van"                          # 面包车, and any small/mini passenger vehicle outside the exemption
LARGE_PASSENGER = "large_passenger"  # 大型、中型载客汽车
TRUCK = "truck"                      # 载货汽车
VEHICLE_CLASSES = (SMALL_PASSENGER, VAN, LARGE_PASSENGER, TRUCK)
DEFAULT_VEHICLE_CLASS = SMALL_PASSENGER
PASSENGER_CLASSES = (SMALL_PASSENGER, VAN, LARGE_PASSENGER)
# 小型、微型载客汽车 carry at most 9 people; a 10-seat "car" is a medium bus in the law's eyes.
SMALL_PASSENGER_MAX_SEATS = 9

# The same strings as dealer.customers.models.USE_PRIVATE / USE_COMMERCIAL (a test keeps them
# equal). Repeated rather than imported, because that module pulls in Flask-SQLAlchemy.
USE_PRIVATE = "private"        # 非营运
USE_COMMERCIAL = "commercial"  # 营运
VEHICLE_USES = (USE_PRIVATE, USE_COMMERCIAL)

# The sticker (or the inspection) may be obtained within the 3 calendar months that end with the
# due month: 《机动车登记规定》(公安部令第164号) lets owners apply "在检验有效期满前三个月内".
INSPECTION_EARLY_MONTHS = 3


@dataclass(frozen=True)
class InspectionRule:
    """One row of the national inspection table: whom it covers, an age band and its cycle.

    The band covers ages from `from_years` (inclusive) to `until_years` (None: for ever); the
    intervals are counted from the registration month. `sticker_only_years` are the ages at which
    the owner only applies online for the inspection sticker (申领检验标志) instead of an on-site
    inspection (上线检验).
    """

    key: str
    applies_to: tuple[tuple[str, str], ...]  # (vehicle class, use) pairs
    from_years: int
    until_years: int | None
    interval_months: int
    sticker_only_years: tuple[int, ...]
    summary: str
    source: str

    @property
    def from_months(self) -> int:
        return self.from_years * 12

    @property
    def until_months(self) -> int | None:
        return None if self.until_years is None else self.until_years * 12

    def covers_age(self, age_months: int) -> bool:
        """Tell whether a vehicle this many months old is in this band (start inclusive, end exclusive)."""
        until = self.until_months
        return self.from_months <= age_months and (until is None or age_months < until)


_REGULATION = "《中华人民共和国道路交通安全法实施条例》第十六条"
_REFORM_2022 = ("公安部 市场监管总局《关于深化机动车检验制度改革优化车检服务工作的意见》"
                "(2022年, 2022-10-01起施行)")

_PRIVATE_SMALL = ((SMALL_PASSENGER, USE_PRIVATE),)
_PRIVATE_VAN = ((VAN, USE_PRIVATE),)
_COMMERCIAL_PASSENGER = ((SMALL_PASSENGER, USE_COMMERCIAL), (VAN, USE_COMMERCIAL),
                         (LARGE_PASSENGER, USE_COMMERCIAL))
_TRUCK_OR_PRIVATE_LARGE = ((TRUCK, USE_PRIVATE), (TRUCK, USE_COMMERCIAL), (LARGE_PASSENGER, USE_PRIVATE))

INSPECTION_RULES: tuple[InspectionRule, ...] = (
    InspectionRule(
        key="private_small_within_10", applies_to=_PRIVATE_SMALL,
        from_years=0, until_years=10, interval_months=24, sticker_only_years=(2, 4, 8),
        summary="非营运小微型载客汽车(面包车除外)10年内第6年、第10年上线检验,第2、4、8年申领检验标志",
        source=_REFORM_2022),
    InspectionRule(
        key="private_small_over_10", applies_to=_PRIVATE_SMALL,
        from_years=10, until_years=15, interval_months=12, sticker_only_years=(),
        summary="非营运小微型载客汽车(面包车除外)超过10年的,每年检验1次",
        source=f"{_REFORM_2022}; {_REGULATION}第(三)项"),
    InspectionRule(
        key="private_small_over_15", applies_to=_PRIVATE_SMALL,
        from_years=15, until_years=None, interval_months=6, sticker_only_years=(),
        summary="小型、微型非营运载客汽车超过15年的,每6个月检验1次",
        source=f"{_REGULATION}第(三)项"),
    InspectionRule(
        key="private_van_within_6", applies_to=_PRIVATE_VAN,
        from_years=0, until_years=6, interval_months=24, sticker_only_years=(),
        summary="小型、微型非营运载客汽车(面包车及不享受免检者)6年以内每2年检验1次",
        source=f"{_REGULATION}第(三)项"),
    InspectionRule(
        key="private_van_over_6", applies_to=_PRIVATE_VAN,
        from_years=6, until_years=15, interval_months=12, sticker_only_years=(),
        summary="小型、微型非营运载客汽车(面包车及不享受免检者)超过6年的,每年检验1次",
        source=f"{_REGULATION}第(三)项"),
    InspectionRule(
        key="private_van_over_15", applies_to=_PRIVATE_VAN,
        from_years=15, until_years=None, interval_months=6, sticker_only_years=(),
        summary="小型、微型非营运载客汽车超过15年的,每6个月检验1次",
        source=f"{_REGULATION}第(三)项"),
    InspectionRule(
        key="commercial_passenger_within_5", applies_to=_COMMERCIAL_PASSENGER,
        from_years=0, until_years=5, interval_months=12, sticker_only_years=(),
        summary="营运载客汽车5年以内每年检验1次",
        source=f"{_REGULATION}第(一)项"),
    InspectionRule(
        key="commercial_passenger_over_5", applies_to=_COMMERCIAL_PASSENGER,
        from_years=5, until_years=None, interval_months=6, sticker_only_years=(),
        summary="营运载客汽车超过5年的,每6个月检验1次",
        source=f"{_REGULATION}第(一)项"),
    InspectionRule(
        key="truck_or_large_within_10", applies_to=_TRUCK_OR_PRIVATE_LARGE,
        from_years=0, until_years=10, interval_months=12, sticker_only_years=(),
        summary="载货汽车和大型、中型非营运载客汽车10年以内每年检验1次",
        source=f"{_REGULATION}第(二)项"),
    InspectionRule(
        key="truck_or_large_over_10", applies_to=_TRUCK_OR_PRIVATE_LARGE,
        from_years=10, until_years=None, interval_months=6, sticker_only_years=(),
        summary="载货汽车和大型、中型非营运载客汽车超过10年的,每6个月检验1次",
        source=f"{_REGULATION}第(二)项"),
)


@dataclass(frozen=True)
class InspectionDue:
    """One point by which the vehicle must be inspected (or its sticker obtained).

    `on_site` is False when applying online for the sticker is enough (no 上线检验 that year).
    """

    due_date: date
    on_site: bool
    rule: InspectionRule


def effective_vehicle_class(vehicle_class: str, seats: int | None) -> str:
    """Return the class the inspection rules apply to: a passenger vehicle with more than 9 seats is large.

    A truck stays a truck whatever its seats: the law classes it by what it carries.
    Unknown seats (None) trust the recorded class. Raises ValueError for an unknown class.
    """
    if vehicle_class not in VEHICLE_CLASSES:
        raise ValueError(f"unknown vehicle class {vehicle_class!r}")
    if vehicle_class in PASSENGER_CLASSES and seats is not None and seats > SMALL_PASSENGER_MAX_SEATS:
        return LARGE_PASSENGER
    return vehicle_class


def inspection_rules_for(*, vehicle_class: str, use: str, seats: int | None) -> tuple[InspectionRule, ...]:
    """Return the age bands that apply to a vehicle, youngest first.

    Raises ValueError for an unknown class or use.
    """
    if use not in VEHICLE_USES:
        raise ValueError(f"unknown vehicle use {use!r}")
    pair = (effective_vehicle_class(vehicle_class, seats), use)
    bands = tuple(sorted((rule for rule in INSPECTION_RULES if pair in rule.applies_to),
                         key=lambda rule: rule.from_years))
    if not bands:  # every known pair is in the table (a test checks it); this guards later edits
        raise ValueError(f"no inspection rule for {pair}")
    return bands


def inspection_schedule(*, registration_date: date, vehicle_class: str, use: str,
                        seats: int | None) -> Iterator[InspectionDue]:
    """Yield every inspection due point after registration, in ascending order, for ever.

    The iterator never ends (the law sets no last inspection); take what you need with
    `itertools.islice` or `takewhile`. Each interval is the one of the band the vehicle is in
    at the previous point, so the point that closes a band belongs to it (see the module's
    decisions). Raises ValueError for an unknown class or use, at once.
    """
    bands = inspection_rules_for(vehicle_class=vehicle_class, use=use, seats=seats)
    return _due_points(registration_date.replace(day=1), bands)


def _due_points(registration_month: date, bands: tuple[InspectionRule, ...]) -> Iterator[InspectionDue]:
    age_months = 0
    while True:
        band = next(rule for rule in bands if rule.covers_age(age_months))
        age_months += band.interval_months
        due_month = add_months(registration_month, age_months)
        sticker_only = age_months % 12 == 0 and age_months // 12 in band.sticker_only_years
        yield InspectionDue(due_date=month_end(due_month.year, due_month.month), on_site=not sticker_only,
                            rule=band)


def inspection_window_opens(due_date: date) -> date:
    """Return the first day on which the inspection for `due_date` may be done.

    The window is the 3 calendar months ending on the due date: 2026-01-01 to 2026-03-31 for a
    March due point.
    """
    return add_months(due_date.replace(day=1), -(INSPECTION_EARLY_MONTHS - 1))


def next_inspection_due(*, registration_date: date | None, vehicle_class: str, use: str, seats: int | None,
                        last_inspection_date: date | None, today: date) -> InspectionDue | None:
    """Return the first inspection due point not yet covered; None without a registration date.

    With a recorded last inspection (or sticker), that inspection covers every due point whose
    window had opened by then: the one it was done early for (within the 3 months before it)
    and any earlier one it was done late for. The answer is the first point whose window opens
    after it, and it may lie before `today`: as far as the store knows the vehicle is overdue
    (脱审), and the caller decides whether to say so. A late inspection does not move the cycle,
    which stays on the registration month.

    Without a record, the answer is the first point on or after `today`: a vehicle whose past
    inspections were never recorded here is not reminded about the past.

    Raises ValueError for an unknown class or use.
    """
    # Validate even when the date is missing, so a wrong class fails loudly in every case.
    bands = inspection_rules_for(vehicle_class=vehicle_class, use=use, seats=seats)
    if registration_date is None:
        return None
    schedule = _due_points(registration_date.replace(day=1), bands)
    if last_inspection_date is None:
        return next(point for point in schedule if point.due_date >= today)
    return next(point for point in schedule if inspection_window_opens(point.due_date) > last_inspection_date)


# -- insurance renewal (保险续保) -----------------------------------------------------------------

DEFAULT_INSURANCE_LEAD_DAYS = (30, 7)


def insurance_reminder_dates(expiry: date, lead_days: Sequence[int] = DEFAULT_INSURANCE_LEAD_DAYS,
                             ) -> list[tuple[int, date]]:
    """Return (days before expiry, reminder date) pairs for a policy expiring on `expiry`, earliest first.

    Repeated lead days count once; 0 means the day of expiry. Raises ValueError for a negative
    lead (a mistyped store setting must not turn into a reminder after the policy has lapsed).
    """
    if any(lead < 0 for lead in lead_days):
        raise ValueError(f"lead days must not be negative: {list(lead_days)}")
    return [(lead, expiry - timedelta(days=lead)) for lead in sorted(set(lead_days), reverse=True)]


# -- maintenance (保养) ---------------------------------------------------------------------------

BY_TIME = "time"
BY_DISTANCE = "distance"
DEFAULT_DAILY_KM = 40.0
# Readings closer together than this say more about one trip than about how the car is used.
MIN_READING_SPAN_DAYS = 14


def average_daily_km(readings: Sequence[tuple[date, int]], *, today: date, window_days: int = 365,
                     default: float = DEFAULT_DAILY_KM) -> float:
    """Estimate how many km a day the vehicle is driven, from its own odometer readings.

    `readings` are trusted (date, km) pairs in any order (the caller leaves out corrections).
    Only readings from `today - window_days` to `today` count; the estimate is the distance
    between the earliest and the latest of them divided by the days between them. With fewer
    than two such readings, or with less than 14 days between the earliest and the latest,
    the answer is `default`. A car that stood still gives 0.0; readings that go backwards
    (a replaced odometer the caller did not filter) give `default`, so the result is never negative.
    Raises ValueError for a negative default.
    """
    if default < 0:
        raise ValueError(f"default daily km must not be negative: {default}")
    window_start = today - timedelta(days=window_days)
    recent = sorted((day, km) for day, km in readings if window_start <= day <= today)
    if len(recent) < 2:
        return default
    (first_day, first_km), (last_day, last_km) = recent[0], recent[-1]
    span_days = (last_day - first_day).days
    if span_days < MIN_READING_SPAN_DAYS or last_km < first_km:
        return default
    return (last_km - first_km) / span_days


@dataclass(frozen=True)
class MaintenanceDue:
    """When the next maintenance is due, and whether time or distance decided it.

    `due_km` is the odometer reading at which it is due (None when the last service's reading is
    unknown); `daily_km` is the average used for the projection.
    """

    due_date: date
    by: str
    due_km: int | None
    daily_km: float


def next_maintenance_due(*, last_service_date: date, last_service_km: int | None,
                         readings: Sequence[tuple[date, int]], interval_months: int, interval_km: int,
                         today: date, default_daily_km: float = DEFAULT_DAILY_KM) -> MaintenanceDue:
    """Return the next maintenance due date: by time or by distance, whichever comes first.

    By time: `last_service_date` plus `interval_months` (clamped to the month's end). By distance:
    from the latest reading (the last service's own reading counts as one; readings after
    `today` do not), the day the odometer reaches `last_service_km + interval_km` at the
    vehicle's average daily km; if it is already there, the latest reading's date. A tie goes
    to distance. Without `last_service_km`, only time counts.
    Raises ValueError for a non-positive interval.
    """
    if interval_months <= 0 or interval_km <= 0:
        raise ValueError(f"intervals must be positive: {interval_months} months, {interval_km} km")
    # Readings dated after today are typing mistakes; the last service's own reading is one more.
    known = [(day, km) for day, km in readings if day <= today]
    if last_service_km is not None:
        known.append((last_service_date, last_service_km))
    daily_km = average_daily_km(known, today=today, default=default_daily_km)
    by_time = add_months(last_service_date, interval_months)
    if last_service_km is None:
        return MaintenanceDue(due_date=by_time, by=BY_TIME, due_km=None, daily_km=daily_km)

    due_km = last_service_km + interval_km
    latest_day, latest_km = max(known)
    if latest_km >= due_km:
        by_distance: date | None = latest_day
    elif daily_km > 0:
        # Compare before converting: only a projection that could win matters, and a nearly still
        # car would otherwise run past year 9999 (or to an infinite number of days).
        days = (due_km - latest_km) / daily_km
        by_distance = (latest_day + timedelta(days=math.ceil(days))
                       if days <= (by_time - latest_day).days else None)
    else:
        by_distance = None  # a car that stands still is due by time
    if by_distance is not None and by_distance <= by_time:
        return MaintenanceDue(due_date=by_distance, by=BY_DISTANCE, due_km=due_km, daily_km=daily_km)
    return MaintenanceDue(due_date=by_time, by=BY_TIME, due_km=due_km, daily_km=daily_km)
