"""The car an owner books for, filed as they book (客户建档): its plate and model, its VIN to be filled in at check-in
(车架号待补录, the customers module's `vins`)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from dealer.actors import Actor
from dealer.customers import vins
from dealer.customers.errors import PlateTaken
from dealer.customers.models import ONLINE_BOOKING, Vehicle
from dealer.extensions import db


def file_booked_car(customer_id: int, plate: str, model: str, *, actor: Actor, now: datetime) -> int | None:
    """File the booked car under its owner's file, marked as from online booking, and return its id; None when
    the plate is on another customer's car of the store (sold, or a mistyped plate: the advisor sorts it out at
    check-in). Never commits."""
    try:
        return vins.file_vehicle_without_vin(customer_id, plate=plate, model=model, source=ONLINE_BOOKING,
                                             actor=actor, now=now).id
    except PlateTaken as error:  # the same owner booking twice at once: the first one's car is theirs
        owner_id = db.session.scalar(sa.select(Vehicle.owner_id).where(
            Vehicle.store_id == actor.store_id, Vehicle.id == error.params["vehicle_id"]))
        return error.params["vehicle_id"] if owner_id == customer_id else None
