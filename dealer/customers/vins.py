"""A car filed before its VIN is known (车架号待补录): booked online with its plate and model, its VIN read off the
registration (行驶证) at check-in.

The VIN stays the key of the car once given (17 characters, check digit, unique in the store: a partial unique
index on the VINs given, `uq_vehicles_store_id_vin`); until then the car is found by its plate, the search by
VIN passes it by, and a repair order cannot open on it (repair refuses a car without its VIN). Both services
work inside the caller's transaction (a booking, a check-in) and never commit.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.customers import signals
from dealer.customers.models import CUSTOMER_SOURCES, DESK, Vehicle, VehicleOwnership
from dealer.customers.services import _lock_vehicle, _save_vehicle, _vehicles_taken, get_customer
from dealer.customers.validators import InvalidValue, normalize_plate, normalize_vin
from dealer.extensions import db


def file_vehicle_without_vin(customer_id: int, *, plate: str, model: str, source: str, actor: Actor,
                             now: datetime) -> Vehicle:
    """File a customer's car with its plate and model only, its VIN to be filled in at check-in (待补录).

    `source`: who filed it (CUSTOMER_SOURCES; online_booking for a car booked online). Never commits.
    Raises NotFound, InvalidValue, PlateTaken (naming the store's car that has the plate).
    """
    customer = get_customer(customer_id, actor=actor)
    values = {"plate": normalize_plate(plate), "vin": None, "model": (model or "").strip()[:60]}
    taken = _vehicles_taken(customer.store_id, values["plate"], None, None)
    if taken:
        raise taken[0]
    vehicle = Vehicle(store_id=customer.store_id, owner_id=customer.id,
                      source=source if source in CUSTOMER_SOURCES else DESK)
    _save_vehicle(vehicle, values)
    db.session.add(VehicleOwnership(store_id=vehicle.store_id, vehicle=vehicle, customer=customer, started_at=now))
    signals.vehicle_changed.send(vehicle, today=customer.store.local_date(now))
    audit.record("vehicle_filed_without_vin", vehicle, actor=actor, changes={
        "plate": vehicle.plate, "model": vehicle.model, "owner_id": customer.id, "source": vehicle.source})
    return vehicle


def fill_in_vin(vehicle_id: int, vin: str, *, actor: Actor, now: datetime) -> Vehicle:
    """Give a car filed without its VIN the VIN read off its registration (行驶证), at check-in. Never commits.

    The car is locked first; the VIN must pass its check digit and be on no other car of the store (two desks
    filling the same VIN at once: the second is refused, the unique index decides). Raises NotFound,
    InvalidValue (the format, or a car that has its VIN already), VinTaken (naming the car that has it).
    """
    vehicle = _lock_vehicle(vehicle_id, actor)
    if vehicle.vin is not None:
        raise InvalidValue(_l("This car's VIN is already on file."), field="vin")
    values = {"plate": vehicle.plate, "vin": normalize_vin(vin)}
    taken = _vehicles_taken(vehicle.store_id, None, values["vin"], vehicle.id)
    if taken:
        raise taken[0]
    _save_vehicle(vehicle, values)
    signals.vehicle_changed.send(vehicle, today=vehicle.store.local_date(now))
    audit.record("vehicle_updated", vehicle, actor=actor, changes={"vin": [None, vehicle.vin]})
    return vehicle


def vehicles_without_vin(store_ids: list[int], vehicle_ids: list[int]) -> set[int]:
    """Which of these cars still wait for their VIN (one query, through the stores)."""
    if not vehicle_ids or not store_ids:
        return set()
    return set(db.session.scalars(sa.select(Vehicle.id).where(
        Vehicle.store_id.in_(store_ids), Vehicle.id.in_(vehicle_ids), Vehicle.vin.is_(None))))
