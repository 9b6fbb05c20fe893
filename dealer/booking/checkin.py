"""Check-in (到店接车): a booking becomes a repair order through the repair module's one way of opening orders.

A car booked online is filed at booking with its plate and model; its VIN (unique in the store, with its check
digit, the key of warranty and search, and what a repair order needs) is on the registration (行驶证) the owner
brings, rarely in their head on a phone: the advisor fills it in here, in the same transaction as the order opens.
A car with no file at all (a booking taken on the phone, a plate on another owner's car) is filed here with it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.booking.errors import BookingError, VinNeeded
from dealer.booking.forms import SERVICE_LABELS
from dealer.booking.models import CHECKED_IN, PHONE, QUICK_LANE, Booking
from dealer.booking.services import file_new_owner, lock_for_check_in
from dealer.customers import services as customers
from dealer.customers import vins
from dealer.customers.models import DESK, ONLINE_BOOKING
from dealer.quicklane import services as lane_services
from dealer.quicklane.models import LaneOrder
from dealer.repair.models import BODY_PAINT, GENERAL_REPAIR, MAINTENANCE, RepairOrder
from dealer.repair.services import OrderInput, OrderSource, open_order

ORDER_KINDS = {"maintenance": MAINTENANCE, "quick_lane": MAINTENANCE, "repair": GENERAL_REPAIR,
               "body_paint": BODY_PAINT, "inspection": GENERAL_REPAIR}
MARGIN = timedelta(minutes=30)  # the promise: the booked time (or now, if later), the labor minutes and this


def check_in(booking_id: int, *, actor: Actor, now: datetime, vin: str = "") -> RepairOrder:
    """Open the booking's repair order: its service and note become the concern, its time the starting point.

    A car with no file yet is filed first with `vin` (and the booked plate and model) under the booking's
    customer (opened now if the booking has none). The booking turns checked-in in the same transaction
    (handlers: repair.signals.order_opened). Raises NotFound, BookingStateError, VinNeeded, what
    customers.file_vehicle raises (InvalidValue, VinTaken, PlateTaken), RepairError.
    """
    booking = lock_for_check_in(booking_id, actor=actor)
    ready_car(booking, vin, actor=actor, now=now)
    concern = str(SERVICE_LABELS[booking.service_kind]) + (f": {booking.note}" if booking.note else "")
    promised = max(now, booking.starts_at) + timedelta(minutes=booking.minutes) + MARGIN
    return open_order(booking.vehicle_id, OrderInput(
        concerns=[concern[:500]], promised_at=promised, kind=ORDER_KINDS[booking.service_kind],
        advisor_id=booking.advisor_id, notes=_("Booking %(code)s", code=booking.code)),
        actor=actor, now=now, source=OrderSource(kind="booking", ref=booking.id))


def check_in_lane(booking_id: int, *, package_id: int | None, key_tag: str, actor: Actor, now: datetime,
                  vin: str = "") -> LaneOrder:
    """Check a quick-lane booking in as a quick-lane order, through the lane's own opening service (the package
    the advisor picks with the owner, the key tag, the promise the lane gives now).

    The booking is marked checked in before the lane opens the order, and `handlers` names the order when it
    opens (the lane's service takes no booking reference: the order's source is the lane order); the lane's
    service commits it all at once. Raises what check_in and quicklane.open_lane_order raise, BookingError.
    """
    booking = lock_for_check_in(booking_id, actor=actor)
    if booking.service_kind != QUICK_LANE:
        raise BookingError(_l("Only a quick-lane booking opens a quick-lane order."), field="package_id")
    if package_id is None:
        raise BookingError(_l("Choose the quick-lane package."), field="package_id")
    ready_car(booking, vin, actor=actor, now=now)
    offer = lane_services.quote(booking.store_id, package_id, actor=actor, now=now)
    booking.state, booking.changed_at = CHECKED_IN, now  # handlers._lane_checked_in names the order
    audit.record("booking_checked_in", booking, actor=actor, changes={"code": booking.code, "lane": True})
    return lane_services.open_lane_order(booking.vehicle_id, lane_services.LaneInput(
        package_id=package_id, key_tag=key_tag, promised_at=offer.promised_at), actor=actor, now=now)


def ready_car(booking: Booking, vin: str, *, actor: Actor, now: datetime) -> None:
    """Make sure the booked car has its file and its VIN before the order opens: file it, or fill in the VIN of
    the car filed at booking (customers.vins). Never commits. Raises VinNeeded, InvalidValue, VinTaken, PlateTaken.
    """
    if booking.vehicle_id is None:
        file_car(booking, vin, actor=actor, now=now)
    elif vins.vehicles_without_vin([booking.store_id], [booking.vehicle_id]):
        if not (vin or "").strip():
            raise VinNeeded(_l("The car %(plate)s has no VIN on file yet: enter it from its registration "
                               "certificate (行驶证) to check in.", plate=booking.plate), field="vin")
        vins.fill_in_vin(booking.vehicle_id, vin, actor=actor, now=now)


def file_car(booking: Booking, vin: str, *, actor: Actor, now: datetime) -> None:
    """File the booked car (plate, model, the VIN read off its registration) under the booking's customer.

    Never commits. Raises VinNeeded, InvalidValue, VinTaken, PlateTaken.
    """
    if not (vin or "").strip():
        raise VinNeeded(_l("The car %(plate)s has no file yet: enter the VIN from its registration certificate "
                           "(行驶证) to file it and check in.", plate=booking.plate), field="vin")
    owner_id = booking.customer_id or file_new_owner(  # a booking taken on the phone: filed at the desk now
        booking.store_id, booking.name, booking.phone, now=now, source=DESK if booking.source == PHONE else ONLINE_BOOKING)
    vehicle = customers.file_vehicle(owner_id, customers.VehicleInput(plate=booking.plate, vin=vin,
                                                                      model=booking.model), actor=actor, now=now)
    booking.customer_id, booking.vehicle_id = owner_id, vehicle.id

