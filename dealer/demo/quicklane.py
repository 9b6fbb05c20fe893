"""Demo data for the quick lane (快修区): two express packages, a technician on the lane's shift and one car
waiting, made through the real services, once per store."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from dealer.auth.models import User
from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.quicklane import services
from dealer.quicklane.models import ExpressPackage
from dealer.repair.models import LaborOperation, RepairOrder
from dealer.stores.models import Store

# code, name, price (fen), minutes in the bay, at the wash, interval km, items: (part number, thousandths) or
# (operation code, hundredths of an hour)
PACKAGES = (
    ("Q5K", "5000公里常规保养（含洗车）", 34_900, 30, 15, 5_000,
     (("G055167M4", 4_000), ("04E115561H", 1_000), ("MNT-OIL", 50))),
    ("Q10K", "10000公里保养（含洗车）", 49_900, 45, 15, 10_000,
     (("G055167M4", 4_000), ("04E115561H", 1_000), ("04E129620A", 1_000), ("MNT-OIL", 50), ("MNT-AIRF", 20),
      ("MNT-CHECK", 30))),
)


def _user(store: Store, suffix: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == f"{store.code.lower()}-{suffix}"))


def seed_lane(store: Store, *, now: datetime) -> int:
    """Add the packages, put a technician on shift and take one car's key; return the packages added."""
    if db.session.scalar(sa.select(ExpressPackage.id).where(ExpressPackage.store_id == store.id).limit(1)):
        return 0
    manager, advisor, technician = _user(store, "manager"), _user(store, "advisor1"), _user(store, "tech1")
    if manager is None or advisor is None or technician is None:
        return 0
    parts = dict(db.session.execute(sa.select(Part.part_number, Part.id).where(Part.store_id == store.id)).all())
    operations = dict(db.session.execute(sa.select(LaborOperation.code, LaborOperation.id)
                                         .where(LaborOperation.store_id == store.id)).all())
    packages = []
    for code, name, price, bay, wash, interval, items in PACKAGES:
        inputs = [services.ItemInput(kind="parts", part_id=parts[key], quantity=amount) if key in parts
                  else services.ItemInput(kind="labor", operation_id=operations[key], hours=amount)
                  for key, amount in items if key in parts or key in operations]
        packages.append(services.save_package(store.id, services.PackageInput(
            code=code, name=name, price_fen=price, bay_minutes=bay, wash_minutes=wash, interval_km=interval,
            items=inputs), actor=manager.as_actor(), now=now))
    services.set_shift(store.id, user_id=technician.id, on_shift=True, actor=manager.as_actor(), now=now)
    busy = sa.select(RepairOrder.vehicle_id).where(RepairOrder.store_id == store.id)
    car = db.session.scalar(sa.select(Vehicle.id).where(Vehicle.store_id == store.id, Vehicle.id.not_in(busy))
                            .order_by(Vehicle.id.desc()).offset(1).limit(1))
    if car is not None:
        offer = services.quote(store.id, packages[0].id, actor=advisor.as_actor(), now=now)
        if offer.promise is not None:
            services.open_lane_order(car, services.LaneInput(package_id=packages[0].id, key_tag="Q01",
                                                             promised_at=offer.promised_at),
                                     actor=advisor.as_actor(), now=now)
    return len(packages)
