"""Customers and vehicles: the business rules, and the front-desk search."""
from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from dealer import audit, formats
from dealer.actors import Actor
from dealer.auth.models import User, UserRole
from dealer.customers import queries, signals
from dealer.customers.errors import (
    CustomerHasVehicles,
    MobileTaken,
    OdometerWentBackwards,
    PlateTaken,
    UnknownMobile,
    VinTaken,
)
from dealer.customers.inputs import CustomerInput, VehicleInput  # noqa: F401  (the services' input, for callers)
from dealer.customers.models import (
    CUSTOMER_SOURCES,
    DESK,
    VEHICLE_CLASSES,
    VEHICLE_USES,
    Customer,
    OdometerReading,
    Vehicle,
    VehicleOwnership,
)
from dealer.customers.queries import SearchHit, search  # noqa: F401  (the front desk's search, for callers)
from dealer.customers.validators import (
    InvalidValue,
    normalize_mobile,
    normalize_phone,
    normalize_plate,
    normalize_vin,
)
from dealer.database import get_for_update, unique_violation
from dealer.errors import FieldErrors, NotFound
from dealer.extensions import db
from dealer.stores.families import families_of
from dealer.stores.models import Store
from dealer.stores.services import narrowed_store_ids, require_store, visible_store_ids

# -- store scope -------------------------------------------------------------------------------

def _check_store(actor: Actor, store_id: int) -> None:
    require_store(actor, store_id, invalid=InvalidValue)


def _one_in_store(model, ident: int, actor: Actor, options, *, read_back: bool = False):
    """Load one row the actor may see with `options`, or raise NotFound.

    The store leads the WHERE (the indexes lead with store_id). A query rather than session.get, so that an
    object already in the session gets what it lacks loaded. `read_back`: a row this transaction created is
    read again with its options (populate_existing), which then also reload it after the commit.
    """
    stmt = sa.select(model).where(model.id == ident).options(*options)
    if read_back:
        stmt = stmt.execution_options(populate_existing=True)
    if actor.store_id is not None:
        stmt = stmt.where(model.store_id == actor.store_id)
    found = db.session.scalars(stmt).one_or_none()
    if found is None:
        raise NotFound()
    return found


def owned_vehicles(stores: list[int]):
    """The loader option of customers' vehicles, through (store_id, owner_id) like every vehicle read."""
    return selectinload(Customer.vehicles.and_(Vehicle.store_id.in_(stores)))


def get_customer(customer_id: int, *, actor: Actor, read_back: bool = False) -> Customer:
    """Return a customer the actor may see, with their store, advisor and vehicles. Raises NotFound."""
    return _one_in_store(Customer, customer_id, actor, (
        joinedload(Customer.store, innerjoin=True), joinedload(Customer.advisor),
        owned_vehicles(visible_store_ids(actor))), read_back=read_back)


# What a vehicle is read with, by its getter and its locker: store (its local date), owner, the readings and the
# owners over time (the vehicle page, the odometer rules, the transfer); the relationships carry the store.
VEHICLE_LOADS = (joinedload(Vehicle.store, innerjoin=True), joinedload(Vehicle.owner, innerjoin=True),
                 selectinload(Vehicle.readings), selectinload(Vehicle.ownerships).joinedload(VehicleOwnership.customer))


def get_vehicle(vehicle_id: int, *, actor: Actor, read_back: bool = False) -> Vehicle:
    """Return a vehicle the actor may see, with VEHICLE_LOADS. Raises NotFound."""
    return _one_in_store(Vehicle, vehicle_id, actor, VEHICLE_LOADS, read_back=read_back)


# -- customers ---------------------------------------------------------------------------------

def _clean_customer(data: CustomerInput, store_id: int, now: datetime, *, customer_id: int | None = None) -> dict:
    """Return the values to save. Raises every problem at once: InvalidValue, MobileTaken or ValidationFailed."""
    errors = FieldErrors()
    name = re.sub(r"\s+", " ", data.name or "").strip()
    if not name:
        errors.add(InvalidValue(_l("Enter the customer's name."), field="name"))
    elif len(name) > 40:
        errors.add(InvalidValue(_l("The name is too long (at most 40 characters)."), field="name"))
    values = asdict(data)
    values["name"] = name
    values["mobile"] = errors.check(normalize_mobile, data.mobile)
    values["phone2"] = errors.check(normalize_phone, data.phone2) if (data.phone2 or "").strip() else ""
    values["notes"] = (data.notes or "").strip()
    if data.birthday and data.birthday > db.session.get(Store, store_id).local_date(now):
        errors.add(InvalidValue(_l("The birthday cannot be in the future."), field="birthday"))
    if data.advisor_id is not None:
        advisor = db.session.get(User, data.advisor_id)
        if advisor is None or advisor.store_id != store_id or "service_advisor" not in advisor.role_names:
            errors.add(InvalidValue(_l("Choose a service advisor of this store."), field="advisor_id"))
    if values["mobile"]:
        holder = queries.customer_with_mobile(store_id, values["mobile"])
        if holder is not None and holder != customer_id:
            errors.add(MobileTaken(field="mobile", customer_id=holder))
    errors.raise_any()
    return values


def _save_customer(customer: Customer, values: dict, now: datetime) -> None:
    # The change is made inside the SAVEPOINT: begin_nested() flushes whatever is pending before it
    # starts, so a taken mobile flushed outside it would break the whole transaction.
    try:
        with db.session.begin_nested():
            db.session.add(customer)
            _apply_customer(customer, values, now)
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "customers", "store_id", "mobile"):
            # Another desk saved the number first: name their customer, as the check before does.
            raise MobileTaken(field="mobile", customer_id=queries.customer_with_mobile(customer.store_id,
                                                                                values["mobile"])) from None
        raise


def create_customer(data: CustomerInput, *, store_id: int, actor: Actor, now: datetime,
                    source: str = DESK) -> Customer:
    """Open a customer file. Raises InvalidValue, MobileTaken (also when two desks race)."""
    customer = file_customer(data, store_id=store_id, actor=actor, now=now, source=source)
    db.session.commit()
    return customer


def file_customer(data: CustomerInput, *, store_id: int, actor: Actor, now: datetime,
                  source: str = DESK) -> Customer:
    """create_customer inside the caller's transaction (a booking files its new owner); never commits.

    `source`: where the file was opened (CUSTOMER_SOURCES: desk, online_booking, rescue, member_join).
    """
    _check_store(actor, store_id)
    values = _clean_customer(data, store_id, now)
    customer = Customer(store_id=store_id, source=source if source in CUSTOMER_SOURCES else DESK)
    _save_customer(customer, values, now)
    audit.record("customer_created", customer, actor=actor, changes={
        "name": customer.name, "marketing_consent": customer.marketing_consent,
        **({"source": customer.source} if customer.source != DESK else {})})  # where, when not the desk
    return get_customer(customer.id, actor=actor, read_back=True)  # with what a customer is read with


def _apply_customer(customer: Customer, values: dict, now: datetime) -> None:
    if values["marketing_consent"] != bool(customer.marketing_consent):
        customer.marketing_consent_at = now
    for key, value in values.items():
        if key == "mobile":
            customer.set_mobile(value)
        else:
            setattr(customer, key, value)


def update_customer(customer_id: int, data: CustomerInput, *, actor: Actor, now: datetime) -> Customer:
    """Change a customer's file. Raises NotFound, InvalidValue, MobileTaken."""
    customer = get_customer(customer_id, actor=actor)
    values = _clean_customer(data, customer.store_id, now, customer_id=customer.id)
    changes = audit.diff(customer, values)
    old_mobile, old_advisor_id = customer.mobile, customer.advisor_id
    _save_customer(customer, values, now)
    if customer.mobile != old_mobile:
        signals.mobile_changed.send(customer, old_mobile=old_mobile)
    if customer.advisor_id != old_advisor_id:
        signals.advisor_changed.send(customer, old_advisor_id=old_advisor_id)
    if changes:
        audit.record("customer_updated", customer, actor=actor,
                     changes={k: v for k, v in changes.items() if k != "notes"})
    db.session.commit()
    return customer


def delete_customer(customer_id: int, *, actor: Actor) -> None:
    """Delete a customer file opened by mistake. Raises CustomerHasVehicles if it owns any vehicle."""
    customer = get_customer(customer_id, actor=actor)
    if customer.vehicles:
        raise CustomerHasVehicles()
    owned_before = db.session.scalar(
        sa.select(sa.func.count()).select_from(VehicleOwnership).where(VehicleOwnership.customer_id == customer.id))
    if owned_before:
        raise CustomerHasVehicles(_l("This customer has vehicle history and cannot be deleted."))
    audit.record("customer_deleted", customer, actor=actor, changes={"name": customer.name,
                                                                     "mobile": customer.mobile})
    db.session.delete(customer)
    db.session.commit()


def customer_by_mobile(mobile: str, *, store_id: int, actor: Actor) -> Customer:
    """Return the store's customer with this mobile. Raises InvalidValue, UnknownMobile."""
    _check_store(actor, store_id)
    mobile = normalize_mobile(mobile, field="new_owner_mobile")
    customer = db.session.scalar(sa.select(Customer).where(Customer.store_id == store_id, Customer.mobile == mobile))
    if customer is None:
        raise UnknownMobile(_l("No customer of this store has the mobile %(m)s: open their file first.",
                               m=mobile), field="new_owner_mobile")
    return customer


def list_customers(*, actor: Actor, page: int = 1, per_page: int = 50, store_ids: list[int] | None = None):
    """Return a page of the customers the actor sees (narrowed to `store_ids`, the store filter), newest first,
    with their advisor and vehicles."""
    stores = narrowed_store_ids(actor, store_ids)
    stmt = (sa.select(Customer).where(Customer.store_id.in_(stores))
            .options(joinedload(Customer.advisor), owned_vehicles(stores)).order_by(Customer.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def store_advisors(store_id: int) -> list[User]:
    """Return the store's active service advisors, for the one-to-one advisor choice."""
    return list(db.session.scalars(
        sa.select(User).join(UserRole).where(User.store_id == store_id, User.active,
                                             UserRole.role == "service_advisor").order_by(User.full_name)))


# -- vehicles ----------------------------------------------------------------------------------

def _clean_vehicle(data: VehicleInput, today: date, *, store_id: int, vehicle_id: int | None = None,
                   saved_family: str = "", vin_waiting: bool = False) -> dict:
    """Return the values to save. Raises every problem at once: InvalidValue, PlateTaken, VinTaken or
    ValidationFailed (a bad plate does not hide a wrong VIN). `saved_family`: the family the vehicle has,
    kept even if it is not on the store's list (filed before the list existed, or the store took it off).
    `vin_waiting`: a car filed without its VIN (booked online) may stay without one; once set it stays."""
    errors = FieldErrors()
    values = asdict(data)
    values.pop("odometer_km")
    if data.vehicle_class not in VEHICLE_CLASSES:
        errors.add(InvalidValue(_l("Choose the vehicle's inspection class."), field="vehicle_class"))
    values["plate"] = errors.check(normalize_plate, data.plate)
    blank_vin = vin_waiting and not (data.vin or "").strip()
    values["vin"] = None if blank_vin else errors.check(normalize_vin, data.vin)
    if data.use not in VEHICLE_USES:
        errors.add(InvalidValue(_l("Choose private or commercial use."), field="use"))
    this_year = today.year
    if data.model_year is not None and not 1950 <= data.model_year <= this_year + 1:
        errors.add(InvalidValue(_l("Enter a model year between 1950 and %(year)d.", year=this_year + 1),
                                field="model_year"))
    if data.seats is not None and not 1 <= data.seats <= 99:
        errors.add(InvalidValue(_l("Enter between 1 and 99 seats."), field="seats"))
    if data.registration_date and data.registration_date > today:
        errors.add(InvalidValue(_l("The registration date cannot be in the future."), field="registration_date"))
    if data.last_inspection_date and data.last_inspection_date > today:
        errors.add(InvalidValue(_l("The inspection date cannot be in the future."), field="last_inspection_date"))
    for key in ("brand", "model", "colour", "engine_number", "model_family"):
        values[key] = (values[key] or "").strip()
    if values["model_family"] not in ("", *families_of(db.session.get(Store, store_id)), saved_family):
        errors.add(InvalidValue(_l("Choose the model family from the list."), field="model_family"))
    values["engine_number"] = values["engine_number"].upper()
    for taken in _vehicles_taken(store_id, values["plate"], values["vin"], vehicle_id):
        errors.add(taken)
    errors.raise_any()
    return values


def _vehicles_taken(store_id: int, plate: str | None, vin: str | None, vehicle_id: int | None) -> list:
    """PlateTaken and VinTaken for a plate and VIN already on another vehicle of the store, naming it."""
    rows = queries.vehicles_with(store_id, plate=plate, vin=vin, other_than=vehicle_id)
    return ([PlateTaken(field="plate", vehicle_id=row.id) for row in rows if plate and row.plate == plate]
            + [VinTaken(field="vin", vehicle_id=row.id) for row in rows if vin and row.vin == vin])


def _apply_vehicle(vehicle: Vehicle, values: dict) -> None:
    for key, value in values.items():
        if key == "plate":
            vehicle.set_plate(value)
        elif key == "vin":
            vehicle.set_vin(value)
        else:
            setattr(vehicle, key, value)


def _save_vehicle(vehicle: Vehicle, values: dict) -> None:
    # Changed inside the SAVEPOINT, as _save_customer explains.
    try:
        with db.session.begin_nested():
            db.session.add(vehicle)
            _apply_vehicle(vehicle, values)
    except sa.exc.IntegrityError as error:
        # Another desk saved the car first: name it, as the check before does.
        if unique_violation(error, "vehicles", "store_id", "plate") or unique_violation(
                error, "vehicles", "store_id", "vin"):
            taken = _vehicles_taken(vehicle.store_id, values["plate"], values["vin"], vehicle.id)
            if taken:
                raise taken[0] from None
        raise


def add_vehicle(customer_id: int, data: VehicleInput, *, actor: Actor, now: datetime) -> Vehicle:
    """Register a vehicle to a customer, with its first odometer reading if given.

    Raises NotFound, InvalidValue, PlateTaken, VinTaken.
    """
    vehicle = file_vehicle(customer_id, data, actor=actor, now=now)
    db.session.commit()
    return vehicle


def file_vehicle(customer_id: int, data: VehicleInput, *, actor: Actor, now: datetime) -> Vehicle:
    """add_vehicle inside the caller's transaction (a booking's check-in files the car); never commits."""
    customer = get_customer(customer_id, actor=actor)
    today = customer.store.local_date(now)
    values = _clean_vehicle(data, today, store_id=customer.store_id)
    vehicle = Vehicle(store_id=customer.store_id, owner_id=customer.id)
    _save_vehicle(vehicle, values)
    db.session.add(VehicleOwnership(store_id=vehicle.store_id, vehicle=vehicle, customer=customer, started_at=now))
    if data.odometer_km is not None:
        add_reading(vehicle, km=data.odometer_km, read_on=today, is_correction=False, note="", actor=actor,
                     now=now)
    signals.vehicle_changed.send(vehicle, today=today)
    audit.record("vehicle_created", vehicle, actor=actor, changes={"plate": vehicle.plate, "vin": vehicle.vin,
                                                                   "owner_id": customer.id})
    return get_vehicle(vehicle.id, actor=actor, read_back=True)  # with what a vehicle is read with


def update_vehicle(vehicle_id: int, data: VehicleInput, *, actor: Actor, now: datetime) -> Vehicle:
    """Correct a vehicle's details. Raises NotFound, InvalidValue, PlateTaken, VinTaken."""
    vehicle = get_vehicle(vehicle_id, actor=actor)
    today = vehicle.store.local_date(now)
    values = _clean_vehicle(data, today, store_id=vehicle.store_id, vehicle_id=vehicle.id,
                            saved_family=vehicle.model_family, vin_waiting=vehicle.vin is None)
    changes = audit.diff(vehicle, values)
    _save_vehicle(vehicle, values)
    signals.vehicle_changed.send(vehicle, today=today)
    if changes:
        audit.record("vehicle_updated", vehicle, actor=actor, changes=changes)
    db.session.commit()
    return vehicle


def add_reading(vehicle: Vehicle, *, km: int, read_on: date, is_correction: bool, note: str,
                actor: Actor, now: datetime) -> OdometerReading:
    """Add an odometer reading to the session; never commits (other modules' services call it in theirs).

    Raises InvalidValue, OdometerWentBackwards unless it is a correction with a note.
    """
    if km < 0 or km > 3_000_000:
        raise InvalidValue(_l("Enter a mileage between 0 and 3,000,000 km."), field="km")
    if read_on > vehicle.store.local_date(now):
        raise InvalidValue(_l("The reading date cannot be in the future."), field="read_on")
    base = sa.select(OdometerReading).where(OdometerReading.store_id == vehicle.store_id,
                                            OdometerReading.vehicle_id == vehicle.id)
    before = db.session.scalars(base.where(OdometerReading.read_on <= read_on)
                                .order_by(OdometerReading.read_on.desc(), OdometerReading.id.desc())).first()
    after = db.session.scalars(base.where(OdometerReading.read_on > read_on)
                               .order_by(OdometerReading.read_on, OdometerReading.id)).first()
    if not is_correction:
        if before is not None and km < before.km:
            raise OdometerWentBackwards(
                _l("%(km)s is less than the %(last)s read on %(day)s. Mark it as a correction if the earlier "
                   "reading was wrong or the odometer was replaced.", km=formats.km(km),
                   last=formats.km(before.km), day=formats.day(before.read_on)), field="km")
        if after is not None and km > after.km:
            raise OdometerWentBackwards(
                _l("%(km)s is more than the %(later)s read later, on %(day)s.", km=formats.km(km),
                   later=formats.km(after.km), day=formats.day(after.read_on)), field="km")
    elif not note.strip():
        raise InvalidValue(_l("Say why the reading is corrected."), field="note")
    reading = OdometerReading(store_id=vehicle.store_id, vehicle=vehicle, km=km, read_on=read_on,
                              is_correction=is_correction, note=note.strip(), recorded_by_id=actor.user_id)
    db.session.add(reading)
    if after is None:
        vehicle.odometer_km = km
    if is_correction:
        audit.record("odometer_corrected", vehicle, actor=actor,
                     changes={"km": [before.km if before else None, km], "note": note.strip()})
    return reading


def _lock_vehicle(vehicle_id: int, actor: Actor) -> Vehicle:
    """Return a vehicle the actor may see, locked until the transaction ends and read after the lock.

    Raises NotFound. Reading after the lock matters: the vehicle may already sit in the session, loaded before
    the lock (a view looks it up first), with an owner another desk has changed since.
    """
    filters = {} if actor.store_id is None else {"store_id": actor.store_id}
    # SELECT ... FOR UPDATE (OF vehicles) on PostgreSQL, read after the lock, with what the services read.
    vehicle = get_for_update(Vehicle, vehicle_id, options=VEHICLE_LOADS,
                             **filters)
    if vehicle is None:
        raise NotFound()
    return vehicle


def record_odometer(vehicle_id: int, *, km: int, read_on: date, actor: Actor, now: datetime,
                    is_correction: bool = False, note: str = "") -> OdometerReading:
    """Add an odometer reading (里程) dated `read_on`, at the latest the store's today at `now`.

    Raises NotFound, InvalidValue, OdometerWentBackwards unless it is a correction with a note.
    """
    vehicle = _lock_vehicle(vehicle_id, actor)  # one reading at a time per vehicle
    reading = add_reading(vehicle, km=km, read_on=read_on, is_correction=is_correction, note=note,
                           actor=actor, now=now)
    signals.vehicle_changed.send(vehicle, today=vehicle.store.local_date(now))  # due dates follow the odometer
    db.session.commit()
    return reading


def transfer_vehicle(vehicle_id: int, *, new_owner_id: int, actor: Actor, now: datetime) -> Vehicle:
    """Change a vehicle's owner (过户), closing the current ownership and keeping the history.

    The vehicle's standing reminders, and their SMS not yet sent, go to the new owner.
    Raises NotFound, InvalidValue (a customer of another store, or the current owner).
    """
    vehicle = _lock_vehicle(vehicle_id, actor)
    new_owner = get_customer(new_owner_id, actor=actor)
    if new_owner.store_id != vehicle.store_id:
        raise InvalidValue(_l("The new owner must be a customer of the same store."), field="new_owner_id")
    if new_owner.id == vehicle.owner_id:
        raise InvalidValue(_l("This customer already owns the vehicle."), field="new_owner_id")
    current = db.session.scalars(sa.select(VehicleOwnership).where(
        VehicleOwnership.vehicle_id == vehicle.id, VehicleOwnership.ended_at.is_(None))).all()
    for ownership in current:
        ownership.ended_at = now
    old_owner_id = vehicle.owner_id
    vehicle.owner = new_owner
    db.session.add(VehicleOwnership(store_id=vehicle.store_id, vehicle=vehicle, customer=new_owner, started_at=now))
    signals.vehicle_transferred.send(vehicle, new_owner=new_owner, old_owner_id=old_owner_id, now=now)
    audit.record("vehicle_owner_changed", vehicle, actor=actor, changes={"owner_id": [old_owner_id, new_owner.id]})
    db.session.commit()
    return vehicle
