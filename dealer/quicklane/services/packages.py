"""Express packages (快保套餐), the lane's settings and its technicians on shift: the manager's side."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from dealer.actors import MANAGER, TECHNICIAN, Actor
from dealer.audit import services as audit
from dealer.auth.models import User, UserRole
from dealer.database import get_for_update
from dealer.dialect import upsert
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.inputs import text_problem
from dealer.parts.models import Part
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import (
    DEFAULT_BAYS,
    DEFAULT_CAP,
    LABOR,
    LOUNGE_LOCALES,
    PARTS,
    ExpressPackage,
    LaneSettings,
    LaneShift,
    PackageItem,
)
from dealer.reminders.services import interval_for
from dealer.repair.models import LaborOperation
from dealer.stores.services import sees_store

PACKAGE_LOADS = (selectinload(ExpressPackage.items).joinedload(PackageItem.part),
                 selectinload(ExpressPackage.items).joinedload(PackageItem.operation))


@dataclass
class ItemInput:
    kind: str
    part_id: int | None = None
    quantity: int | None = None  # thousandths
    operation_id: int | None = None
    hours: int | None = None  # hundredths


@dataclass
class PackageInput:
    code: str
    name: str
    price_fen: int
    bay_minutes: int
    wash_minutes: int = 0
    interval_km: int | None = None
    active: bool = True
    items: list[ItemInput] = field(default_factory=list)


def _store(store_id: int, actor: Actor) -> int:
    if not sees_store(actor, store_id):
        raise NotFound()
    return store_id


def get_package(package_id: int, *, store_id: int, actor: Actor, read_back: bool = False,
                items_only: bool = False) -> ExpressPackage:
    """Return a package of the store with its items, parts and operations (`items_only`: its items alone, as
    the package's form reads them). Raises NotFound.

    `read_back`: read again a package this transaction changed (populate_existing), which then also reloads
    it with its items after the commit."""
    _store(store_id, actor)
    stmt = sa.select(ExpressPackage).where(ExpressPackage.store_id == store_id, ExpressPackage.id == package_id)
    if read_back:
        stmt = stmt.execution_options(populate_existing=True)
    loads = (selectinload(ExpressPackage.items),) if items_only else PACKAGE_LOADS
    package = db.session.scalars(stmt.options(*loads)).one_or_none()
    if package is None:
        raise NotFound()
    return package


def packages_of(store_id: int, *, actor: Actor, active_only: bool = True) -> list[ExpressPackage]:
    """The store's packages with their items, by code."""
    _store(store_id, actor)
    stmt = sa.select(ExpressPackage).where(ExpressPackage.store_id == store_id).options(*PACKAGE_LOADS)
    if active_only:
        stmt = stmt.where(ExpressPackage.active)
    return list(db.session.scalars(stmt.order_by(ExpressPackage.code)))


def package_choices(store_id: int, *, actor: Actor) -> list[sa.Row]:
    """The store's active packages as (id, name, price_fen, interval_km) rows, by code: what the desk chooses
    from and the due maintenance is matched against (no items, no ORM objects)."""
    _store(store_id, actor)
    return list(db.session.execute(
        sa.select(ExpressPackage.id, ExpressPackage.name, ExpressPackage.price_fen, ExpressPackage.interval_km)
        .where(ExpressPackage.store_id == store_id, ExpressPackage.active).order_by(ExpressPackage.code)))


def _check(store_id: int, data: PackageInput) -> None:
    data.code, data.name = (data.code or "").strip().upper(), (data.name or "").strip()
    if not data.code or len(data.code) > 20:
        raise LaneError(_l("Give the package a code of at most 20 characters."), field="code")
    if not data.name or len(data.name) > 60:
        raise LaneError(_l("Give the package a name of at most 60 characters."), field="name")
    if not 0 <= data.price_fen <= 10_000_000:
        raise LaneError(_l("Enter the package price."), field="price_fen")
    if not 1 <= data.bay_minutes <= 480:
        raise LaneError(_l("Minutes in the bay are between 1 and 480."), field="bay_minutes")
    if not 0 <= data.wash_minutes <= 120:
        raise LaneError(_l("Minutes at the wash are between 0 (no wash) and 120."), field="wash_minutes")
    if data.interval_km is not None and not 500 <= data.interval_km <= 200_000:
        raise LaneError(_l("The maintenance interval is between 500 and 200,000 km."), field="interval_km")
    if not data.items:
        raise LaneError(_l("A package holds at least one part or labor operation."), field="items")
    part_ids = {item.part_id for item in data.items if item.kind == PARTS}
    operation_ids = {item.operation_id for item in data.items if item.kind == LABOR}
    parts = set(db.session.scalars(sa.select(Part.id).where(Part.store_id == store_id, Part.active,
                                                            Part.id.in_(part_ids - {None}))))
    operations = set(db.session.scalars(sa.select(LaborOperation.id).where(
        LaborOperation.store_id == store_id, LaborOperation.active, LaborOperation.id.in_(operation_ids - {None}))))
    for index, item in enumerate(data.items):
        if item.kind == PARTS:
            if item.part_id not in parts:
                raise LaneError(_l("Choose a part of the store's catalogue."), field=f"items.{index}.part_id")
            if item.quantity is None or not 0 < item.quantity <= 1_000_000:
                raise LaneError(_l("Enter a quantity of more than 0."), field=f"items.{index}.quantity")
        elif item.kind == LABOR:
            if item.operation_id not in operations:
                raise LaneError(_l("Choose a labor operation of the store's catalogue."),
                                field=f"items.{index}.operation_id")
            if item.hours is None or not 0 < item.hours <= 10_000:
                raise LaneError(_l("Enter the hours, more than 0."), field=f"items.{index}.hours")
        else:
            raise LaneError(_l("Choose labor or parts."), field=f"items.{index}.kind")


def save_package(store_id: int, data: PackageInput, *, actor: Actor, now: datetime,
                 package_id: int | None = None) -> ExpressPackage:
    """Create a package, or replace one's fields and items. Raises NotFound, LaneError."""
    _store(store_id, actor)
    _check(store_id, data)
    taken = db.session.scalar(sa.select(ExpressPackage.id).where(ExpressPackage.store_id == store_id,
                                                                 ExpressPackage.code == data.code))
    if taken is not None and taken != package_id:
        raise LaneError(_l("Another package has this code."), field="code")
    if package_id is None:
        package = ExpressPackage(store_id=store_id, items=[])
        db.session.add(package)
    else:
        package = get_for_update(ExpressPackage, package_id, store_id=store_id, options=PACKAGE_LOADS)
        if package is None:
            raise NotFound()
        package.items.clear()
        db.session.flush()
    for name in ("code", "name", "price_fen", "bay_minutes", "wash_minutes", "interval_km", "active"):
        setattr(package, name, getattr(data, name))
    package.items.extend(PackageItem(store_id=store_id, position=position, kind=item.kind,
                                     part_id=item.part_id if item.kind == PARTS else None,
                                     quantity=item.quantity if item.kind == PARTS else None,
                                     operation_id=item.operation_id if item.kind == LABOR else None,
                                     hours=item.hours if item.kind == LABOR else None)
                         for position, item in enumerate(data.items, start=1))
    db.session.flush()
    audit.record("quick_lane_package_saved", package, actor=actor,
                 changes={"code": package.code, "name": package.name, "price_fen": package.price_fen})
    package = get_package(package.id, store_id=store_id, actor=actor, read_back=True)
    db.session.commit()
    return package


# -- the lane's settings and roster --------------------------------------------------------------

def lane_settings(store_id: int) -> LaneSettings:
    """The store's lane settings (the defaults, unsaved, when it has none)."""
    found = db.session.scalars(sa.select(LaneSettings).where(LaneSettings.store_id == store_id)).one_or_none()
    return found or LaneSettings(store_id=store_id, bays=DEFAULT_BAYS, cap_per_quarter=DEFAULT_CAP)


def lock_lane(store_id: int) -> LaneSettings:
    """Lock the store's lane (its settings row, made if missing): promises and bays are given one at a time."""
    db.session.execute(upsert(LaneSettings.__table__).values(store_id=store_id, bays=DEFAULT_BAYS, cap_per_quarter=DEFAULT_CAP,
                                                               created_at=sa.func.now(), updated_at=sa.func.now())
                       .on_conflict_do_nothing(index_elements=["store_id"]))
    settings_id = db.session.scalar(sa.select(LaneSettings.id).where(LaneSettings.store_id == store_id))
    return get_for_update(LaneSettings, settings_id, store_id=store_id)


@dataclass(frozen=True)
class CloseReminder:
    """When the managers are reminded to close the lane's day, and whether the manager on duty gets an SMS."""

    close_by: str  # "HH:MM", the store's time
    sms: bool = False
    duty_manager_id: int | None = None


@dataclass(frozen=True)
class LoungeDisplay:
    """What the lounge screen shows as its title (empty: the store's name) and in which language (empty: the
    default, Simplified Chinese)."""

    name: str = ""
    locale: str = ""


def save_settings(store_id: int, *, bays: int, cap_per_quarter: int, actor: Actor, now: datetime,
                  reminder: CloseReminder | None = None, lounge: LoungeDisplay | None = None) -> LaneSettings:
    """Set the number of bays, the cap of promises per quarter hour and (given) the reminder to close the day
    and the lounge screen's name and language. Raises LaneError."""
    _store(store_id, actor)
    if not 1 <= bays <= 20:
        raise LaneError(_l("A lane has 1 to 20 bays."), field="bays")
    if not 1 <= cap_per_quarter <= 50:
        raise LaneError(_l("The cap is 1 to 50 owners per quarter hour."), field="cap_per_quarter")
    values = {"bays": bays, "cap_per_quarter": cap_per_quarter}
    if reminder is not None:
        values.update(_check_reminder(store_id, reminder))
    if lounge is not None:
        name = (lounge.name or "").strip()
        if len(name) > 60 or (name and text_problem(name)):
            raise LaneError(_l("The lounge screen's name has at most 60 characters."), field="lounge_name")
        if lounge.locale not in ("", *LOUNGE_LOCALES):
            raise LaneError(_l("Choose a language of the list."), field="lounge_locale")
        values.update(lounge_name=name, lounge_locale=lounge.locale)
    settings = lock_lane(store_id)
    changes = audit.diff(settings, values)
    for name, value in values.items():
        setattr(settings, name, value)
    if changes:
        audit.record("quick_lane_settings_saved", settings, actor=actor, changes=changes)
    db.session.commit()
    return settings


def _check_reminder(store_id: int, reminder: CloseReminder) -> dict:
    close_by = (reminder.close_by or "").strip()
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", close_by):
        raise LaneError(_l("Give the time to close the day by as HH:MM."), field="close_by")
    if reminder.duty_manager_id is not None and reminder.duty_manager_id not in {
            user_id for user_id, _name in store_managers(store_id)}:
        raise LaneError(_l("Choose a manager of the store."), field="duty_manager_id")
    if reminder.sms and reminder.duty_manager_id is None:
        raise LaneError(_l("Choose the manager on duty who gets the SMS."), field="duty_manager_id")
    return {"close_by": close_by, "close_reminder_sms": bool(reminder.sms),
            "duty_manager_id": reminder.duty_manager_id}


def store_managers(store_id: int) -> list[tuple[int, str]]:
    """The store's active managers as (id, name), by name: who may be the manager on duty (值班经理)."""
    return [tuple(row) for row in db.session.execute(
        sa.select(User.id, User.full_name).join(UserRole, UserRole.user_id == User.id)
        .where(User.store_id == store_id, User.active, UserRole.role == MANAGER)
        .order_by(User.full_name, User.id))]


def lane_technicians(store_id: int) -> list[tuple[int, str, bool]]:
    """The store's active technicians as (id, name, on the lane's shift), by name."""
    rows = db.session.execute(
        sa.select(User.id, User.full_name, sa.func.coalesce(LaneShift.on_shift, False))
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(LaneShift, sa.and_(LaneShift.store_id == store_id, LaneShift.user_id == User.id))
        .where(User.store_id == store_id, User.active, UserRole.role == TECHNICIAN)
        .order_by(User.full_name, User.id))
    return [(user_id, name, bool(on)) for user_id, name, on in rows]


@dataclass(frozen=True)
class LaneNow:
    bays: int
    cap_per_quarter: int
    technicians: int  # on shift


def lane_now(store_id: int) -> LaneNow:
    """The lane's bays, cap and technicians on shift, in one query (the defaults when it has no settings)."""
    settings = sa.select(LaneSettings).where(LaneSettings.store_id == store_id)
    on_shift = sa.select(sa.func.count()).select_from(LaneShift).where(LaneShift.store_id == store_id,
                                                                       LaneShift.on_shift).scalar_subquery()
    row = db.session.execute(sa.select(
        settings.with_only_columns(LaneSettings.bays).scalar_subquery(),
        settings.with_only_columns(LaneSettings.cap_per_quarter).scalar_subquery(), on_shift)).one()
    return LaneNow(bays=row[0] or DEFAULT_BAYS, cap_per_quarter=row[1] or DEFAULT_CAP, technicians=row[2])


def set_shift(store_id: int, *, user_id: int, on_shift: bool, actor: Actor, now: datetime) -> None:
    """Put a technician of the store on the lane's shift or take them off. Raises LaneError."""
    _store(store_id, actor)
    if user_id not in {row[0] for row in lane_technicians(store_id)}:
        raise LaneError(_l("Choose a technician of this store."), field="user_id")
    db.session.execute(upsert(LaneShift.__table__).values(
        store_id=store_id, user_id=user_id, on_shift=on_shift, created_at=now, updated_at=now)
        .on_conflict_do_update(index_elements=["store_id", "user_id"], set_={"on_shift": on_shift, "updated_at": now}))
    audit.record("quick_lane_shift", None, actor=actor, store_id=store_id, entity_type="quick_lane_settings",
                 changes={"user_id": user_id, "on_shift": on_shift})
    db.session.commit()


def catalogue_choices(store_id: int) -> list[tuple[str, str]]:
    """The store's active parts ("p<id>") and labor operations ("o<id>") for a package's rows."""
    parts = db.session.execute(sa.select(Part.id, Part.part_number, Part.name).where(
        Part.store_id == store_id, Part.active).order_by(Part.name).limit(500))
    operations = db.session.execute(sa.select(LaborOperation.id, LaborOperation.code, LaborOperation.name).where(
        LaborOperation.store_id == store_id, LaborOperation.active).order_by(LaborOperation.name).limit(500))
    return ([(f"o{i}", f"{code} {name}") for i, code, name in operations]
            + [(f"p{i}", f"{number} {name}") for i, number, name in parts])


def suggested_package(packages: list[ExpressPackage], *, last_service_km: int | None, interval_km: int,
                      next_due: date | None, today: date, odometer_km: int | None) -> ExpressPackage | None:
    """The package of the car's due maintenance (reminders' due date and the store's interval): the largest
    maintenance package whose interval divides the kilometres the car is due at (20,000 km: the 20,000 km
    package before the 10,000 km one). None when the maintenance is not due within 30 days."""
    if next_due is None or next_due > today + timedelta(days=30):
        return None
    due_km = (last_service_km or 0) + interval_km if last_service_km is not None else (odometer_km or interval_km)
    fitting = [p for p in packages if p.interval_km and due_km % p.interval_km < max(1000, p.interval_km // 10)]
    fitting = fitting or [p for p in packages if p.interval_km]
    return max(fitting, key=lambda p: p.interval_km, default=None)


def suggest_package(vehicle, packages: list, *, today: date) -> ExpressPackage | None:
    """The package to preselect for a car at the desk: its due maintenance (the vehicle's due date and the
    store's interval for its family, `reminders.services.interval_for`), or None. `today`: the store's date."""
    _months, km = interval_for(vehicle.store_id, vehicle.model_family)
    return suggested_package(packages, last_service_km=vehicle.last_maintenance_km, interval_km=km,
                             next_due=vehicle.next_maintenance_due, today=today, odometer_km=vehicle.odometer_km)
