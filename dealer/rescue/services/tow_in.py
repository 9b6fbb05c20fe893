"""The tow-in (拖车进店): a completed tow opens a repair order with the rescue's facts, and the call links to it."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dealer.actors import Actor
from dealer.customers import services as customers
from dealer.customers.queries import vehicles_with
from dealer.customers.validators import InvalidValue, normalize_plate
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.repair import services as repair
from dealer.repair.models import ACCIDENT as ACCIDENT_ORDER
from dealer.repair.models import GENERAL_REPAIR, RESCUE
from dealer.rescue.errors import RescueError
from dealer.rescue.labels import FAULT_LABELS
from dealer.rescue.models import ACCIDENT, COMPLETED, TOW_IN_OPENED, TOWING, RescueCall
from dealer.rescue.services.common import get_call, lock_call, record_event, require_state

log = logging.getLogger(__name__)
PROMISE_AFTER = timedelta(days=1)  # a placeholder promise the advisor sets once the car is looked at


def was_towed(call: RescueCall) -> bool:
    return call.tow_needed or any(event.kind == TOWING for event in call.events)


def _concern(call: RescueCall) -> str:
    with force_locale("zh_Hans_CN"):  # the order is read at the store's front desk
        fault = str(FAULT_LABELS.get(call.fault_type, _("Roadside rescue")))
        said = call.concern.strip()
        return (_("Rescue tow-in #%(id)s: %(fault)s", id=call.id, fault=fault) + (f"。{said}" if said else ""))[:500]


def try_tow_in(call: RescueCall, *, actor: Actor, now: datetime) -> RescueCall:
    """After a completed tow, open its order if the car is known; a refusal leaves it to the dispatcher's button.

    The completion is committed already: what repair refuses (an order rule) must not undo it, and the call
    page offers "open the tow-in order" while the call has none.
    """
    call = get_call(call.id, actor=actor)
    if call.vehicle_id is None or not was_towed(call) or call.repair_order_id is not None:
        return call
    try:
        return open_tow_in_order(call.id, actor=actor, now=now)
    except DomainError:
        db.session.rollback()
        log.warning("rescue call %s: the tow-in order could not be opened", call.id, exc_info=True)
        return get_call(call.id, actor=actor)


def link_vehicle(call_id: int, *, plate: str, actor: Actor) -> RescueCall:
    """Link the towed car to a completed call by its plate (registered at the front desk meanwhile), so its
    tow-in order can be opened. Raises RescueError (no such car in the store, an order already open), WrongState.
    """
    try:
        plate = normalize_plate(plate)
    except InvalidValue as error:
        raise RescueError(error.message, field="plate") from None
    call = lock_call(call_id, actor=actor)
    require_state(call, COMPLETED)
    if call.repair_order_id is not None:
        raise RescueError(_l("The tow-in order is open already."), field="plate")
    found = vehicles_with(call.store_id, plate=plate, vin=None)
    if not found:
        raise RescueError(_l("No car of this store has this plate: register it at the front desk first."),
                          field="plate")
    vehicle = customers.get_vehicle(found[0].id, actor=actor)
    call.vehicle_id, call.customer_id, call.plate = vehicle.id, vehicle.owner_id, vehicle.plate
    db.session.flush()
    call = get_call(call.id, actor=actor, read_back=True)
    db.session.commit()
    return call


def open_tow_in_order(call_id: int, *, actor: Actor, now: datetime) -> RescueCall:
    """Open the repair order of a completed tow through repair's one way in (source: rescue, this call).

    Once per call: an order already opened is kept. Raises RescueError (no vehicle linked yet), WrongState,
    and what repair.services.open_order raises.
    """
    call = get_call(call_id, actor=actor)
    require_state(call, COMPLETED)
    if call.repair_order_id is not None:
        return call
    if call.vehicle_id is None:
        raise RescueError(_l("Link the caller's vehicle to the call (register it at the front desk if it is new) "
                            "before the tow-in order is opened."), field="vehicle_id")
    accident = call.fault_type == ACCIDENT
    damage = _("Accident") if accident else ""
    notes = " · ".join(part for part in (call.address, _("Injuries reported") if call.injuries else "") if part)
    order = repair.open_order(call.vehicle_id, repair.OrderInput(
        concerns=[_concern(call)], promised_at=now + PROMISE_AFTER,
        kind=ACCIDENT_ORDER if accident else GENERAL_REPAIR, damage_notes=damage, notes=notes[:500],
        despite_open_order=True), actor=actor, now=now, source=repair.OrderSource(kind=RESCUE, ref=call.id))
    call = lock_call(call_id, actor=actor)
    call.repair_order_id = order.id
    record_event(call, TOW_IN_OPENED, now=now, actor=actor, reason=order.number)
    db.session.flush()
    call = get_call(call.id, actor=actor, read_back=True)
    db.session.commit()
    return call
