"""Stores and partner stations: the business rules."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer import audit
from dealer.actors import Actor
from dealer.database import unique_violation
from dealer.errors import DomainError, Forbidden, NotFound
from dealer.extensions import db
from dealer.stores.errors import InvalidStore, StoreCodeTaken
from dealer.stores.families import MODEL_FAMILIES
from dealer.stores.models import STATION_CAPABILITIES, PartnerStation, Store
from dealer.timezones import DEFAULT_TIMEZONE


@dataclass
class StoreInput:
    code: str
    name: str
    brand: str = ""
    address: str = ""
    phone: str = ""
    rescue_hotline: str = ""
    timezone: str = DEFAULT_TIMEZONE
    active: bool = True
    model_families: list[str] | None = None  # the families it services (dealer.stores.families); None: all


@dataclass
class StationInput:
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    capabilities: list[str] = field(default_factory=list)
    active: bool = True


def visible_store_ids(actor: Actor) -> list[int]:
    """Return the stores whose records the actor sees: their own, or all for group level."""
    if actor.store_id is not None:
        return [actor.store_id]
    return list(db.session.scalars(sa.select(Store.id).order_by(Store.id)))


def narrowed_store_ids(actor: Actor, store_ids: list[int] | None = None) -> list[int]:
    """Return the stores the actor sees, narrowed to `store_ids` when given (never widened past the actor's)."""
    if store_ids is None:
        return visible_store_ids(actor)
    if actor.store_id is not None:
        return [store_id for store_id in store_ids if store_id == actor.store_id]
    return list(store_ids)


@dataclass(frozen=True)
class StoreScope:
    """What a list shows a user of the stores: the ones they may pick and the ones chosen (?store=).

    A store's own staff see one store: no store column, no store filter, and no query to know it.
    """

    stores: tuple[Store, ...]  # the stores the user sees (a group-level user's); empty for a store's staff
    store_ids: list[int]  # the stores the list shows
    selected: int | None = None  # the store the filter chose

    @property
    def several(self) -> bool:
        """Whether the list mixes stores: it then names each row's store and offers the filter."""
        return len(self.stores) > 1

    def code(self, store_id: int) -> str:
        return next((store.code for store in self.stores if store.id == store_id), "")


def store_scope(actor: Actor, wanted: str | int | None = None) -> StoreScope:
    """Return the stores a list shows the actor, narrowed to `wanted` (the store filter) when they see it.

    One query for a group-level user (the stores, for the column and the filter), none for a store's staff.
    """
    if actor.store_id is not None:
        return StoreScope((), [actor.store_id])
    stores = tuple(db.session.scalars(sa.select(Store).order_by(Store.code, Store.id)))
    try:
        chosen = int(wanted) if wanted not in (None, "") else None
    except (TypeError, ValueError):
        chosen = None
    if chosen is not None and any(store.id == chosen for store in stores):
        return StoreScope(stores, [chosen], chosen)
    return StoreScope(stores, [store.id for store in stores])


def list_stores(*, active_only: bool = False) -> list[Store]:
    stmt = sa.select(Store).order_by(Store.code)
    if active_only:
        stmt = stmt.where(Store.active)
    return list(db.session.scalars(stmt))


def get_store(store_id: int, *, actor: Actor) -> Store:
    """Return a store the actor sees (their own; any for group level). Raises NotFound."""
    store = db.session.get(Store, store_id)
    if store is None or not sees_store(actor, store_id):
        raise NotFound()
    return store


def sees_store(actor: Actor, store_id: int) -> bool:
    """Tell whether the actor sees the store's records: their own store, or any for a group-level actor."""
    return actor.store_id is None or actor.store_id == store_id


def require_store(actor: Actor, store_id: int, *, invalid: type[DomainError]) -> Store:
    """Return the store a record is about to be written to, if the actor may write there.

    Raises Forbidden for another store than the actor's own, and `invalid` (the calling module's
    input error, on the field `store_id`) for a store that does not exist.
    """
    if not sees_store(actor, store_id):
        raise Forbidden()
    store = db.session.get(Store, store_id)
    if store is None:
        raise invalid(_l("Unknown store."), field="store_id")
    return store


def _clean_store(data: StoreInput) -> dict:
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in asdict(data).items()}
    values["code"] = values["code"].upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{1,19}", values["code"]):
        raise InvalidStore(_l("A store code has 2 to 20 letters, digits, - or _."), field="code")
    if not values["name"]:
        raise InvalidStore(_l("Enter the store's name."), field="name")
    try:
        ZoneInfo(values["timezone"])  # the store's dates (today, opening hours) are reckoned in it
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidStore(_l("Unknown time zone."), field="timezone") from None
    values["model_families"] = _clean_families(data.model_families)
    return values


def _clean_families(chosen: list[str] | None) -> list[str] | None:
    """The store's model families in the catalogue's order; None (every family) when all are chosen."""
    if chosen is None:
        return None
    if not chosen:
        raise InvalidStore(_l("Choose at least one model family."), field="model_families")
    unknown = sorted(set(chosen) - set(MODEL_FAMILIES))
    if unknown:
        raise InvalidStore(_l("Choose the model families from the list."), field="model_families")
    families = [code for code in MODEL_FAMILIES if code in chosen]
    return None if len(families) == len(MODEL_FAMILIES) else families


def _save(entity, values: dict) -> None:
    """Add or change `entity` inside a SAVEPOINT, so a unique-key violation leaves the transaction usable.

    The change must be made inside it: begin_nested() first flushes whatever is pending.
    """
    with db.session.begin_nested():
        db.session.add(entity)
        for key, value in values.items():
            setattr(entity, key, value)


def _save_store(store: Store, values: dict) -> None:
    try:
        _save(store, values)
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "stores", "code"):
            raise StoreCodeTaken(field="code") from None
        raise


def _require_group_admin(actor: Actor) -> None:
    if actor.user_id is not None and (actor.store_id is not None or "admin" not in actor.roles):
        raise Forbidden()


def create_store(data: StoreInput, *, actor: Actor) -> Store:
    """Add a store to the group (group-level admins only). Raises InvalidStore, StoreCodeTaken."""
    _require_group_admin(actor)
    store = Store()
    _save_store(store, _clean_store(data))
    audit.record("store_created", store, actor=actor, store_id=store.id, changes={"code": store.code})
    db.session.commit()
    return store


def update_store(store_id: int, data: StoreInput, *, actor: Actor) -> Store:
    """Change a store's details. Raises NotFound, InvalidStore, StoreCodeTaken."""
    _require_group_admin(actor)
    store = get_store(store_id, actor=actor)
    values = _clean_store(data)
    changes = audit.diff(store, values)
    _save_store(store, values)
    if changes:
        audit.record("store_updated", store, actor=actor, store_id=store.id, changes=changes)
    db.session.commit()
    return store


def _clean_station(data: StationInput) -> dict:
    values = asdict(data)
    values["name"] = data.name.strip()
    if not values["name"]:
        raise InvalidStore(_l("Enter the station's name."), field="name")
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidStore(_l("Enter both latitude and longitude, or neither."), field="latitude")
    if data.latitude is not None and not (-90 <= data.latitude <= 90):
        raise InvalidStore(_l("Latitude is between -90 and 90."), field="latitude")
    if data.longitude is not None and not (-180 <= data.longitude <= 180):
        raise InvalidStore(_l("Longitude is between -180 and 180."), field="longitude")
    unknown = set(data.capabilities) - set(STATION_CAPABILITIES)
    if unknown:
        raise InvalidStore(_l("Unknown capability: %(c)s", c=", ".join(sorted(unknown))), field="capabilities")
    values["capabilities"] = sorted(set(data.capabilities))
    return values


def _check_station_writer(actor: Actor, store_id: int) -> None:
    if actor.user_id is None:
        return
    if actor.store_id is not None and actor.store_id != store_id:
        raise Forbidden()


def _save_station(station: PartnerStation, values: dict) -> None:
    try:
        _save(station, values)
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "partner_stations", "store_id", "name"):
            raise InvalidStore(_l("This store already has a station with this name."), field="name") from None
        raise


def create_station(store_id: int, data: StationInput, *, actor: Actor) -> PartnerStation:
    """Record a partner second-tier station for a store. Raises InvalidStore."""
    _check_station_writer(actor, store_id)
    get_store(store_id, actor=actor)
    station = PartnerStation(store_id=store_id)
    _save_station(station, _clean_station(data))
    audit.record("station_created", station, actor=actor, changes={"name": station.name})
    db.session.commit()
    return station


def update_station(station_id: int, data: StationInput, *, actor: Actor) -> PartnerStation:
    """Change a partner station's details. Raises NotFound (another store's station), InvalidStore."""
    station = get_station(station_id, actor=actor)
    values = _clean_station(data)
    changes = audit.diff(station, values)
    _save_station(station, values)
    if changes:
        audit.record("station_updated", station, actor=actor, changes=changes)
    db.session.commit()
    return station


def get_station(station_id: int, *, actor: Actor) -> PartnerStation:
    """Return a partner station the actor may see, with its store (the form shows it). Raises NotFound."""
    stmt = (sa.select(PartnerStation).where(PartnerStation.id == station_id)
            .options(joinedload(PartnerStation.store, innerjoin=True)))
    if actor.store_id is not None:
        stmt = stmt.where(PartnerStation.store_id == actor.store_id)
    station = db.session.scalars(stmt).one_or_none()
    if station is None:
        raise NotFound()
    return station


def list_stations(*, actor: Actor) -> list[PartnerStation]:
    stmt = (sa.select(PartnerStation).options(joinedload(PartnerStation.store))  # the list shows its store's code
            .order_by(PartnerStation.store_id, PartnerStation.name))
    if actor.store_id is not None:
        stmt = stmt.where(PartnerStation.store_id == actor.store_id)
    return list(db.session.scalars(stmt))
