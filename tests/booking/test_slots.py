"""Free start times, as pure functions: opening hours, closed days, labor-minute capacity, the check-in cap."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dealer.booking.slots import PartHours, Room, free_times, nearest, part_of, quarter_starts

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)  # Sunday 10:00 in Shenzhen
MORNING = PartHours("morning", 8 * 60 + 30, 10 * 60)
EVENING = PartHours("evening", 18 * 60, 19 * 60)


def _free(**overrides):
    arguments = {"hours": [MORNING, EVENING], "closed": False, "minutes": 60, "quarter_used": {}, "cap": 2,
                 "zone": ZONE, "now": NOW, "rooms": {"morning": Room(120, 2), "evening": Room(60, 1)}}
    arguments.update(overrides)
    return [moment.strftime("%H:%M") for moment in free_times(MONDAY, **arguments)]


def test_quarter_starts_every_15_minutes_before_closing():
    assert quarter_starts(PartHours("morning", 510, 570)) == [510, 525, 540, 555]


def test_free_times_follow_the_opening_hours_and_evening_service():
    assert _free() == ["08:30", "08:45", "09:00", "09:15", "09:30", "09:45", "18:00", "18:15", "18:30", "18:45"]


def test_a_closed_day_offers_nothing():
    assert _free(closed=True) == []


def test_a_part_without_room_for_the_labor_minutes_offers_nothing():
    assert _free(rooms={"morning": Room(120, 2, used_minutes=90, used_bays=1), "evening": Room(60, 1)}) == [
        "18:00", "18:15", "18:30", "18:45"]
    assert _free(rooms={"morning": Room(600, 2, used_minutes=60, used_bays=2)}) == []  # no bay left
    assert _free(rooms={"morning": Room(120, 2, used_minutes=60, used_bays=1)}, hours=[MORNING])[0] == "08:30"


def test_a_quarter_at_its_check_in_cap_is_not_offered():
    full = datetime(2026, 12, 7, 8, 45, tzinfo=ZONE).astimezone(timezone.utc)
    assert "08:45" not in _free(quarter_used={full: 2})
    assert "08:45" in _free(quarter_used={full: 1})


def test_times_already_past_are_not_offered():
    now = datetime(2026, 12, 7, 9, 10, tzinfo=ZONE).astimezone(timezone.utc)
    assert _free(now=now, hours=[MORNING]) == ["09:15", "09:30", "09:45"]


def test_part_of_finds_the_day_part_or_none_outside_the_hours():
    assert part_of([MORNING, EVENING], 18 * 60 + 15) == EVENING
    assert part_of([MORNING, EVENING], 12 * 60) is None
    assert part_of([MORNING], 8 * 60 + 40) is None  # not on a quarter


def test_nearest_free_times_around_a_full_one():
    wanted = datetime(2026, 12, 7, 9, 0, tzinfo=ZONE)
    free = {MONDAY: [wanted - timedelta(hours=1), wanted + timedelta(minutes=15), wanted + timedelta(hours=5)],
            MONDAY + timedelta(days=1): [wanted + timedelta(days=1)]}
    assert nearest(free, wanted, count=2) == [wanted - timedelta(hours=1), wanted + timedelta(minutes=15)]
