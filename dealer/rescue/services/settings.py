"""A store's rescue settings (救援设置), its partner stations' coverage, and learning the arrival estimate."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.dialect import upsert
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.rescue import eta
from dealer.rescue.errors import RescueError
from dealer.rescue.models import LearnedEta, RescueCall, RescueSettings, StationCoverage
from dealer.rescue.proposal import Coverage, propose
from dealer.rescue.services.common import responders
from dealer.stores.models import PartnerStation, Store
from dealer.stores.services import require_store

# Each setting: (its bounds, the message when it is outside them).
LIMITS = {
    "dispatch_target_minutes": (1, 240),
    "arrival_town_minutes": (1, 600),
    "arrival_outside_minutes": (1, 600),
    "station_accept_minutes": (1, 120),
    "stale_position_minutes": (1, 1440),
    "eta_slip_minutes": (1, 240),
}
LEARN_WINDOW = 20_000  # the store's latest recorded rescues that the estimate learns from


def settings_of(store_id: int) -> RescueSettings:
    """Return the store's settings, or the defaults when it has set none (not added to the session)."""
    found = db.session.get(RescueSettings, store_id)
    return found if found is not None else RescueSettings.defaults(store_id)


def settings_by_store(store_ids: list[int]) -> dict[int, RescueSettings]:
    """The settings of several stores in one query, the defaults for those without a row."""
    found = {row.store_id: row for row in db.session.scalars(
        sa.select(RescueSettings).where(RescueSettings.store_id.in_(store_ids)))}
    return {store_id: found.get(store_id) or RescueSettings.defaults(store_id) for store_id in store_ids}


def update_settings(store_id: int, values: dict, *, actor: Actor, now: datetime) -> RescueSettings:
    """Set the store's targets and dispatch minutes (whole minutes within LIMITS). Raises RescueError."""
    require_store(actor, store_id, invalid=RescueError)
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise RescueError(_l("Give whole minutes from %(low)d to %(high)d.", low=low, high=high), field=name)
    settings = db.session.get(RescueSettings, store_id, with_for_update=True)
    if settings is None:
        settings = RescueSettings.defaults(store_id)
        db.session.add(settings)
    changes = {name: values[name] for name in LIMITS if getattr(settings, name) != values[name]}
    for name in LIMITS:
        setattr(settings, name, values[name])
    settings.updated_at = now
    audit.record("rescue_settings_changed", settings, actor=actor, store_id=store_id, changes=changes)
    db.session.commit()
    return settings


# A tile URL template: http(s) or a path of this site, with {z}, {x} and {y} (Leaflet's placeholders, plus {s}).
TILE_URL = re.compile(r"^(https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?)?/[A-Za-z0-9._~\-/{}?=&%]*$")


def set_map_source(store_id: int, *, tile_url: str, tile_system: str, actor: Actor, now: datetime) -> RescueSettings:
    """Set the board's map tiles (地图瓦片): a URL template (empty: no map) and its coordinate system, wgs84 or
    gcj02 (AMap-style tiles). Raises RescueError."""
    require_store(actor, store_id, invalid=RescueError)
    tile_url = (tile_url or "").strip()
    if tile_url and (len(tile_url) > 300 or not TILE_URL.match(tile_url)
                     or not all(part in tile_url for part in ("{z}", "{x}", "{y}"))):
        raise RescueError(_l("Give the tile address with {z}, {x} and {y}, for example "
                             "http://tiles.example.cn/{z}/{x}/{y}.png; leave it empty for no map."), field="tile_url")
    if tile_system not in ("wgs84", "gcj02"):
        raise RescueError(_l("Choose the tiles' coordinate system."), field="tile_system")
    settings = db.session.get(RescueSettings, store_id, with_for_update=True)
    if settings is None:
        settings = RescueSettings.defaults(store_id)
        db.session.add(settings)
    changes = {"map_tile_url": tile_url, "map_tile_system": tile_system}
    settings.map_tile_url, settings.map_tile_system, settings.updated_at = tile_url, tile_system, now
    audit.record("rescue_settings_changed", settings, actor=actor, store_id=store_id, changes=changes)
    db.session.commit()
    return settings


@dataclass
class CoverageInput:
    radius_km: float
    opens_minute: int | None = None   # None and None: 24 h
    closes_minute: int | None = None


def set_station_coverage(station_id: int, data: CoverageInput, *, actor: Actor) -> StationCoverage:
    """Set where and when a partner station takes the store's rescue jobs. Raises NotFound, RescueError."""
    station = db.session.scalar(sa.select(PartnerStation).where(PartnerStation.id == station_id))
    if station is None or (actor.store_id is not None and station.store_id != actor.store_id):
        raise NotFound()
    require_store(actor, station.store_id, invalid=RescueError)
    if not isinstance(data.radius_km, int | float) or not 0 < data.radius_km <= 500:
        raise RescueError(_l("Give the radius in kilometres, more than 0 and at most 500."), field="radius_km")
    hours = (data.opens_minute, data.closes_minute)
    if (hours[0] is None) != (hours[1] is None) or (
            hours[0] is not None and (not all(0 <= h <= 1439 for h in hours) or hours[0] == hours[1])):
        raise RescueError(_l("Give both the opening and the closing time (different), or neither for 24 hours."),
                          field="opens")
    db.session.execute(upsert(StationCoverage).values(
        store_id=station.store_id, station_id=station.id, radius_km=float(data.radius_km),
        opens_minute=hours[0], closes_minute=hours[1]).on_conflict_do_update(
        index_elements=["store_id", "station_id"],
        set_={"radius_km": float(data.radius_km), "opens_minute": hours[0], "closes_minute": hours[1]}))
    audit.record("rescue_station_coverage", station, actor=actor,
                 changes={"radius_km": data.radius_km, "opens": hours[0], "closes": hours[1]})
    db.session.commit()
    return db.session.scalar(sa.select(StationCoverage).where(StationCoverage.store_id == station.store_id,
                                                              StationCoverage.station_id == station.id))


def coverage_of(store_id: int) -> dict[int, Coverage]:
    """The store's stations' coverage for the proposal (one query; a station without a row: the default)."""
    return {row.station_id: Coverage(row.radius_km, row.opens_minute, row.closes_minute)
            for row in db.session.scalars(sa.select(StationCoverage).where(StationCoverage.store_id == store_id))}


def eta_model(store_id: int, settings: RescueSettings | None = None) -> eta.EtaModel:
    """The store's arrival model: what it learned (one query) and its stale-position setting."""
    settings = settings or settings_of(store_id)
    learned = {(row.measure, row.area, row.band): eta.Learned(row.value, row.samples)
               for row in db.session.execute(sa.select(LearnedEta.measure, LearnedEta.area, LearnedEta.band,
                                                       LearnedEta.value, LearnedEta.samples)
                                             .where(LearnedEta.store_id == store_id))}
    return eta.EtaModel(learned=learned, stale_after_minutes=settings.stale_position_minutes)


def samples_of(store_id: int, zone: str, *, limit: int = LEARN_WINDOW) -> list[eta.Sample]:
    """The store's latest recorded rescue legs with what the estimate learns from (one column query)."""
    rows = db.session.execute(
        sa.select(RescueCall.estimate_kind, RescueCall.area, RescueCall.leg_dispatched_at, RescueCall.set_off_at,
                  RescueCall.arrived_at, RescueCall.estimate_distance_km, RescueCall.estimate_minutes)
        .where(RescueCall.store_id == store_id, RescueCall.arrived_at.is_not(None),
               RescueCall.leg_dispatched_at.is_not(None), RescueCall.estimate_kind.is_not(None))
        .order_by(RescueCall.arrived_at.desc()).limit(limit))
    samples = []
    for kind, area, dispatched, set_off, arrived, distance, estimate in rows:
        error = None
        if estimate is not None:
            error = (arrived - dispatched).total_seconds() / 60 - estimate
        samples.append(eta.Sample(kind=kind, area=area, band=eta.band_of(dispatched, zone),
                                  distance_km=distance or 0.0,
                                  set_off_minutes=(set_off - dispatched).total_seconds() / 60 if set_off else None,
                                  travel_minutes=(arrived - set_off).total_seconds() / 60 if set_off else None,
                                  error_minutes=error))
    return samples


def learn_eta(*, now: datetime, day=None, store_ids: list[int] | None = None) -> int:
    """Learn each store's arrival model from its recorded rescues (each store's night); commit.

    Replaces the store's learned rows. Returns the number of learned values written.
    """
    stmt = sa.select(Store.id, Store.timezone).where(Store.active).order_by(Store.id)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(store_ids))
    written = 0
    for store_id, zone in db.session.execute(stmt).all():
        learned = eta.learn(samples_of(store_id, zone))
        if not learned and db.session.scalar(sa.select(LearnedEta.id).where(LearnedEta.store_id == store_id)
                                             .limit(1)) is None:
            continue  # a store without rescues: nothing to write (on SQLite every writer waits for the others)
        db.session.execute(sa.delete(LearnedEta).where(LearnedEta.store_id == store_id))
        db.session.add_all(LearnedEta(store_id=store_id, measure=measure, area=area, band=band, value=found.value,
                                      samples=found.samples) for (measure, area, band), found in learned.items())
        settings = db.session.get(RescueSettings, store_id)
        if settings is None:
            settings = RescueSettings.defaults(store_id)
            db.session.add(settings)
        settings.learned_at = now
        written += len(learned)
    db.session.commit()
    return written


def current_responder(call: RescueCall) -> str | None:
    """The key of the current leg's responder ("unit:3", "station:7"), or None."""
    if call.unit_id is not None:
        return f"unit:{call.unit_id}"
    return f"station:{call.station_id}" if call.station_id is not None else None


class Proposal(list):
    """The ranked candidates, with how good the store's estimates have been (`error`: eta.Learned or None)."""

    error: eta.Learned | None = None


def propose_for(call: RescueCall, now: datetime, *, limit: int = 3) -> Proposal:
    """The best responders for a call (the store's units, stations, coverage, settings and learned model; five
    queries), leaving out the current leg's responder of a call already dispatched (a re-dispatch)."""
    units, stations = responders(call.store_id)
    settings = settings_of(call.store_id)
    model = eta_model(call.store_id, settings)
    exclude = current_responder(call) if call.state != "received" else None
    found = Proposal(propose(call, units, stations, now=now, zone=call.store.timezone, limit=limit, model=model,
                             coverage=coverage_of(call.store_id), exclude=exclude))
    found.error = model.error
    return found
