"""The second SMS (延误再通知): when the responder's reported position puts the arrival later than the owner was
told by more than the store's minutes, the owner is told the new time, once for each slip."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from dealer.rescue.eta import UNIT, band_of
from dealer.rescue.geo import haversine_km, in_range
from dealer.rescue.models import DISPATCHED, EN_ROUTE, ETA_SLIPPED, RescueCall
from dealer.rescue.services.common import record_event
from dealer.rescue.services.settings import eta_model, settings_of
from dealer.sms.outbox import enqueue


def arrival_from(call: RescueCall, latitude: float, longitude: float, *, now: datetime, model) -> datetime:
    """When the responder at this position (WGS-84) should arrive: the road still to drive, and what is left of
    the set-off time if the crew has not set off yet."""
    band = band_of(now, call.store.timezone)
    kmh, _ = model.straight_kmh(call.area, band)
    minutes = haversine_km(latitude, longitude, call.latitude_wgs84, call.longitude_wgs84) / kmh * 60
    if call.state == DISPATCHED and call.leg_dispatched_at is not None:
        set_off, _ = model.set_off(call.estimate_kind or UNIT, band)
        minutes += max(0.0, set_off - (now - call.leg_dispatched_at).total_seconds() / 60)
    return now + timedelta(minutes=math.ceil(minutes))


def check_eta_slip(call: RescueCall, latitude: float, longitude: float, *, now: datetime) -> bool:
    """Tell the owner a later arrival when the responder's position (WGS-84) makes it slip by more than the
    store's `eta_slip_minutes` past the time they were last told; the new time is then the one to beat, so
    each slip is told once. The call is locked by the caller. Returns whether the owner was told."""
    if (call.state not in (DISPATCHED, EN_ROUTE) or call.eta_at is None or call.arrived_at is not None
            or not call.has_position or not in_range(latitude, longitude) or call.customer is None):
        return False
    settings = settings_of(call.store_id)
    arrival = arrival_from(call, latitude, longitude, now=now, model=eta_model(call.store_id, settings))
    if arrival - call.eta_at <= timedelta(minutes=settings.eta_slip_minutes):
        return False
    call.eta_at, call.eta_slips = arrival, call.eta_slips + 1
    responder = call.unit if call.unit is not None else call.station
    enqueue("rescue_eta_late", store_id=call.store_id, phone=call.caller_phone, customer=call.customer,
            vehicle_id=call.vehicle_id, now=now, dedupe_key=f"rescue-eta-late-{call.id}-{call.leg}-{call.eta_slips}",
            params={"name": call.customer.name, "plate": call.plate or "-",
                    "eta_minutes": math.ceil((arrival - now).total_seconds() / 60),
                    "responder": responder.name if responder else "-",
                    "responder_phone": responder.phone if responder else "-"})
    # The timeline keeps the leg's first slip (one event per step and leg); the count says how many were told.
    record_event(call, ETA_SLIPPED, now=now, reason=f"+{math.ceil((arrival - now).total_seconds() / 60)} min",
                 unit_id=call.unit_id, station_id=call.station_id)
    return True
