"""The customers module's read side: the front-desk search (一框搜索), who already has a mobile, plate or VIN."""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from dealer.actors import Actor
from dealer.customers.models import Customer, Vehicle
from dealer.customers.validators import _fold
from dealer.database import prefix_range
from dealer.extensions import db
from dealer.inputs import searchable
from dealer.stores.services import visible_store_ids


@dataclass
class SearchHit:
    customer: Customer
    vehicle: Vehicle | None


_PLATE_CHARS = re.compile(r"[0-9A-Z\u4e00-\u9fff]{2,8}")
_VIN_CHARS = re.compile(r"[A-HJ-NPR-Z0-9]{6,17}")


def search(query: str, *, actor: Actor, limit: int = 50) -> list[SearchHit]:
    """Find vehicles and customers from one box (一框搜索).

    Accepts a full or partial plate (prefix or suffix, e.g. the last 4 characters), a full mobile or its
    last 4 digits, a VIN or its last 6 characters, or the start of a name. Every branch is an index range
    scan on a key that leads with store_id.
    """
    q = _fold(query)
    raw = (query or "").strip()
    # A NUL byte or a control character matches nothing, and never reaches SQL.
    if not q or not searchable(raw):
        return []
    stores = visible_store_ids(actor)
    vehicle_ids: list[int] = []
    customer_ids: list[int] = []

    def vehicles_where(condition):
        stmt = sa.select(Vehicle.id).where(Vehicle.store_id.in_(stores), condition).limit(limit)
        vehicle_ids.extend(db.session.scalars(stmt))

    def customers_where(condition):
        stmt = sa.select(Customer.id).where(Customer.store_id.in_(stores), condition).limit(limit)
        customer_ids.extend(db.session.scalars(stmt))

    mobile = re.fullmatch(r"(?:\+86|0086)?(1\d{10})", q)
    if mobile:
        customers_where(Customer.mobile == mobile.group(1))
    if re.fullmatch(r"\d{4}", q):
        customers_where(Customer.mobile_last4 == q)
    if _PLATE_CHARS.fullmatch(q):
        vehicles_where(prefix_range(Vehicle.plate, q))
        vehicles_where(prefix_range(Vehicle.plate_reversed, q[::-1]))
    if len(q) == 17 and _VIN_CHARS.fullmatch(q):
        vehicles_where(Vehicle.vin == q)
    elif _VIN_CHARS.fullmatch(q) and len(q) >= 6:
        vehicles_where(prefix_range(Vehicle.vin_reversed, q[::-1]))
    if not q.isdigit():
        customers_where(prefix_range(Customer.name, raw))

    return _hits(list(dict.fromkeys(vehicle_ids)), list(dict.fromkeys(customer_ids)), stores, limit)


def _hits(vehicle_ids: list[int], customer_ids: list[int], stores: list[int], limit: int) -> list[SearchHit]:
    """Load the matched vehicles (with owner, advisor and the owner's vehicles) and customers (with advisor and
    vehicles) in 4 queries."""
    hits: list[SearchHit] = []
    seen_vehicles: set[int] = set()
    # Through (store_id, owner_id): a plain selectinload would filter on owner_id alone and miss the index.
    owned = selectinload(Customer.vehicles.and_(Vehicle.store_id.in_(stores)))
    if vehicle_ids:
        vehicles = db.session.scalars(
            sa.select(Vehicle).where(Vehicle.store_id.in_(stores), Vehicle.id.in_(vehicle_ids[:limit]))
            .options(joinedload(Vehicle.owner, innerjoin=True).options(joinedload(Customer.advisor), owned))
            .order_by(Vehicle.plate)).all()
        for vehicle in vehicles:
            hits.append(SearchHit(vehicle.owner, vehicle))
            seen_vehicles.add(vehicle.id)
    if customer_ids and len(hits) < limit:
        customers = db.session.scalars(
            sa.select(Customer).where(Customer.store_id.in_(stores), Customer.id.in_(customer_ids[:limit]))
            .options(joinedload(Customer.advisor), owned).order_by(Customer.name)).all()
        for customer in customers:
            for vehicle in customer.vehicles:  # the owner, known: a vehicle outlives its hit (the vehicles API)
                set_committed_value(vehicle, "owner", customer)
            vehicles = sorted(customer.vehicles, key=lambda vehicle: vehicle.plate)
            if not vehicles:
                hits.append(SearchHit(customer, None))
            hits.extend(SearchHit(customer, v) for v in vehicles if v.id not in seen_vehicles)
    return hits[:limit]


def customer_with_mobile(store_id: int, mobile: str) -> int | None:
    """The id of the store's customer with this mobile, if any (the key (store_id, mobile))."""
    return db.session.scalar(sa.select(Customer.id).where(Customer.store_id == store_id, Customer.mobile == mobile))


def vehicles_with(store_id: int, *, plate: str | None, vin: str | None, other_than: int | None = None) -> list:
    """The (id, plate, vin) of the store's vehicles with this plate or this VIN, but `other_than`."""
    wanted = [column == value for column, value in ((Vehicle.plate, plate), (Vehicle.vin, vin)) if value]
    if not wanted:
        return []
    stmt = sa.select(Vehicle.id, Vehicle.plate, Vehicle.vin).where(Vehicle.store_id == store_id, sa.or_(*wanted))
    if other_than is not None:
        stmt = stmt.where(Vehicle.id != other_than)
    return list(db.session.execute(stmt))
