"""A call's clocks against the store's service-level targets (the board, the handover). Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dealer.rescue.models import DISPATCHED, RescueCall, RescueSettings


@dataclass(frozen=True)
class Clock:
    """A call's clocks on the board, in whole minutes."""

    age: int
    dispatch_late: bool  # not dispatched within the target (or dispatched late)
    arrival_late: bool   # not on scene within the area's target (or arrived late)
    eta_left: int | None  # minutes to the ETA (negative: overdue), while the responder is on the way
    not_accepted: bool = False  # a partner station has not accepted within the store's time: send another


def clock(call: RescueCall, now: datetime, settings: RescueSettings | None = None) -> Clock:
    """The call's clocks against the store's targets (the defaults without `settings`)."""
    settings = settings or RescueSettings.defaults(call.store_id)
    dispatched = call.dispatched_at or now
    arrived = call.arrived_at or now
    eta_left = None
    if call.eta_at is not None and call.arrived_at is None:
        eta_left = int((call.eta_at - now).total_seconds() // 60)
    leg_sent = call.leg_dispatched_at or call.dispatched_at
    not_accepted = (call.station_id is not None and call.state == DISPATCHED and call.accepted_at is None
                    and leg_sent is not None
                    and now - leg_sent > timedelta(minutes=settings.station_accept_minutes))
    return Clock(age=int((now - call.received_at).total_seconds() // 60),
                 dispatch_late=dispatched - call.received_at > timedelta(minutes=settings.dispatch_target_minutes),
                 arrival_late=arrived - call.received_at > timedelta(minutes=settings.arrival_minutes(call.area)),
                 eta_left=eta_left, not_accepted=not_accepted)
