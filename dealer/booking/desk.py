"""What the advisor's day view shows beside each booking: what the car is due for (the reminders module's due
items) and, for a quick-lane booking, the store's packages to check it in with. A fixed number of queries for the
whole list, never per booking."""
from __future__ import annotations

from datetime import date

from dealer.actors import Actor
from dealer.booking.models import BOOKED, QUICK_LANE, Booking
from dealer.customers.vins import vehicles_without_vin
from dealer.quicklane.services import packages_of
from dealer.reminders import queries as reminders


def due_for(rows: list[Booking], *, today: date) -> dict[int, list[reminders.DueItem]]:
    """What each booked car is due for (maintenance, inspection, insurance, declined work), by vehicle id: two
    queries for the whole list (a new owner's car, not filed yet, has nothing)."""
    return reminders.due_for(sorted({row.store_id for row in rows}),
                             [row.vehicle_id for row in rows if row.vehicle_id], today=today)


def lane_packages(rows: list[Booking], *, actor: Actor) -> dict[int, list[tuple[int, str]]]:
    """The quick-lane packages of each store with a quick-lane booking still to check in (the check-in's
    choice): the lane's own list, per store, never per booking."""
    stores = sorted({row.store_id for row in rows if row.service_kind == QUICK_LANE and row.state == BOOKED})
    return {store_id: [(package.id, package.name) for package in packages_of(store_id, actor=actor)]
            for store_id in stores}


def vin_pending(rows: list[Booking]) -> set[int]:
    """The booked cars still to check in that were filed without their VIN (the check-in asks for it): one query
    for the whole list, none when every car to check in has its VIN or no file."""
    waiting = [row for row in rows if row.vehicle_id and row.state == BOOKED]
    return vehicles_without_vin(sorted({row.store_id for row in waiting}), [row.vehicle_id for row in waiting])
