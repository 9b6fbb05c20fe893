"""The promise, worked by hand: the package's minutes plus the queue ahead (pure, no database)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dealer.quicklane.promise import (
    Car,
    Lane,
    LaneClosed,
    at_risk,
    estimate_new,
    forecast,
    late,
    promise,
    quarter_of,
    round_up,
)

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shenzhen


def minutes(n: int) -> datetime:
    return NOW + timedelta(minutes=n)


def test_empty_lane_promises_the_package_minutes():
    # 30 minutes in the bay and 15 at the wash, nobody ahead: ready at 09:45.
    assert estimate_new(NOW, Lane(bays=2, technicians=2), [], 30, 15) == minutes(45)


def test_two_bays_busy_the_new_car_waits_for_the_first_to_free():
    # Bay 1 since 08:50 with a 30-minute job (20 left), bay 2 since 08:55 with 40 (35 left): the new car
    # starts at 09:20, leaves the bay at 09:50 and the wash at 10:05.
    queue = [Car("A", 30, 15, in_bay_since=minutes(-10)), Car("B", 40, 15, in_bay_since=minutes(-5))]
    assert estimate_new(NOW, Lane(bays=2, technicians=2), queue, 30, 15) == minutes(65)


def test_a_technician_off_shift_halves_the_lane():
    # Two bays, one technician: the car in the bay (20 left), then the waiting car (30), then ours (30 + 15).
    queue = [Car("A", 30, 15, in_bay_since=minutes(-10)), Car("B", 30, 15)]
    one = estimate_new(NOW, Lane(bays=2, technicians=1), queue, 30, 15)
    two = estimate_new(NOW, Lane(bays=2, technicians=2), queue, 30, 15)
    assert one == minutes(20 + 30 + 30 + 15)
    assert two == minutes(20 + 30 + 15)  # ours follows A in bay 1 while B has bay 2


def test_a_car_with_extra_work_pushes_the_queue_back():
    # One bay: the car in it has 25 extra minutes (its bay minutes 30 + 25, in for 10: 45 left).
    queue = [Car("A", 30 + 25, 0, in_bay_since=minutes(-10))]
    assert estimate_new(NOW, Lane(bays=1, technicians=3), queue, 30, 15) == minutes(45 + 30 + 15)
    assert forecast(NOW, Lane(bays=1, technicians=3), queue) == {"A": minutes(45)}


def test_a_car_over_its_minutes_is_taken_as_about_to_leave_the_bay():
    queue = [Car("A", 30, 10, in_bay_since=minutes(-50))]
    assert forecast(NOW, Lane(bays=1, technicians=1), queue) == {"A": minutes(10)}


def test_cars_at_the_wash_hold_no_bay():
    queue = [Car("W", 30, 20, in_bay_since=minutes(-40), washing_since=minutes(-5))]
    lane = Lane(bays=1, technicians=1)
    assert forecast(NOW, lane, queue) == {"W": minutes(15)}
    assert estimate_new(NOW, lane, queue, 30, 15) == minutes(45)


def test_no_technician_on_shift_gives_no_promise():
    with pytest.raises(LaneClosed):
        estimate_new(NOW, Lane(bays=2, technicians=0), [], 30, 15)
    assert forecast(NOW, Lane(bays=2, technicians=0), []) == {}


def test_the_promise_is_rounded_up_to_five_minutes():
    assert round_up(minutes(41)) == minutes(45)
    assert round_up(minutes(45)) == minutes(45)
    assert round_up(minutes(45) + timedelta(seconds=1)) == minutes(50)
    assert promise(minutes(41), promised_per_quarter={}, cap=4).at == minutes(45)


def test_a_full_quarter_moves_the_promise_to_the_next_one_with_room():
    full = {quarter_of(minutes(45)): 4, quarter_of(minutes(60)): 4}
    result = promise(minutes(44), promised_per_quarter=full, cap=4)
    assert result.moved and result.at == minutes(75) and result.estimate == minutes(44)
    assert not promise(minutes(44), promised_per_quarter={quarter_of(minutes(45)): 3}, cap=4).moved


def test_at_risk_at_eighty_percent_of_the_promised_time():
    key_at, promised_at = NOW, minutes(50)
    assert not at_risk(minutes(39), key_at=key_at, promised_at=promised_at, ready=False)
    assert at_risk(minutes(40), key_at=key_at, promised_at=promised_at, ready=False)
    assert not at_risk(minutes(45), key_at=key_at, promised_at=promised_at, ready=True)
    assert late(minutes(51), promised_at=promised_at, ready=False)
    assert not late(minutes(50), promised_at=promised_at, ready=False)
