"""`flask --app dealer seed-demo`: a realistic dealer group to try the system, or to benchmark it."""
from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta, timezone

import click
import sqlalchemy as sa
from faker import Faker
from flask.cli import with_appcontext

from dealer.actors import SYSTEM
from dealer.auth import services as auth_services
from dealer.auth.models import User
from dealer.booking import services as booking_services
from dealer.customers.models import Customer, OdometerReading, Vehicle, VehicleOwnership
from dealer.demo import data, quicklane, repair, satisfaction
from dealer.demo import members as members_demo
from dealer.dialect import is_postgresql
from dealer.extensions import db
from dealer.reminders import rules
from dealer.rescue import services as rescue
from dealer.rescue.models import RescueUnit
from dealer.stores import services as store_services
from dealer.stores.models import Store

DEMO_PASSWORD = "demo-2026"

DEMO_STORES = (
    store_services.StoreInput(code="SZ01", name="深圳宝安一汽-大众4S店", brand="一汽-大众",
                              address="广东省深圳市宝安区宝安大道 3088 号", phone="0755-27781234",
                              rescue_hotline="0755-27789999"),
    store_services.StoreInput(code="GZ01", name="广州天河一汽-大众4S店", brand="一汽-大众",
                              address="广东省广州市天河区中山大道 1200 号", phone="020-38881234",
                              rescue_hotline="020-38889999"),
)
PLATE_PREFIX = {"SZ01": ("粤", "B"), "GZ01": ("粤", "A")}
STATIONS = {
    "SZ01": (("东莞长安二级维修站", 22.8166, 113.8034), ("惠阳淡水二级维修站", 22.7880, 114.4565)),
    "GZ01": (("从化街口二级维修站", 23.5481, 113.5866), ("增城荔城二级维修站", 23.2906, 113.8109)),
}
# Each store's own rescue units (救援车): name, kind, what it can do, where it waits (WGS-84).
ALL_ROUND = ["towing", "flatbed", "jump_start", "tyre_change", "fuel_delivery", "lockout", "minor_repair"]
RESCUE_UNITS = {
    "SZ01": (("救援1号平板车", "flatbed", ALL_ROUND, 22.5553, 113.8838),
             ("救援2号服务车", "service_van", ["jump_start", "tyre_change", "fuel_delivery", "lockout"], 22.5333,
              113.9304)),
    "GZ01": (("救援1号平板车", "flatbed", ALL_ROUND, 23.1247, 113.3612),
             ("救援2号服务车", "service_van", ["jump_start", "tyre_change", "fuel_delivery", "lockout"], 23.1291,
              113.2644)),
}
# username suffix, roles, full name
STORE_STAFF = (
    ("manager", ["manager"], "王经理"),
    ("advisor1", ["service_advisor"], "李顾问"),
    ("advisor2", ["service_advisor"], "陈顾问"),
    ("tech1", ["technician"], "张技师"),
    ("tech2", ["technician"], "刘技师"),
    ("parts", ["parts_clerk"], "赵配件"),
    ("cashier", ["cashier"], "孙收银"),
    ("rescue", ["rescue_dispatcher"], "周调度"),
    ("cs", ["cs_supervisor"], "吴客服"),
)
GROUP_STAFF = (("admin", ["admin"], "系统管理员"), ("group", ["manager"], "集团售后总监"))


@click.command("seed-demo")
@click.option("--vehicles", default=60, show_default=True, type=click.IntRange(0, 5_000_000),
              help="Vehicles (with their owners) to create, spread over the demo stores.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
@with_appcontext
def seed_demo_command(vehicles: int, seed: int):
    """Fill a demo dealer group: stores, staff of every role, partner stations, customers and vehicles."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    stores = _stores(rng)
    _staff(stores)
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))
    to_add = max(0, vehicles - existing)
    if to_add:
        _customers_and_vehicles(stores, to_add, rng, fake)
    _service_center(stores, rng)
    _rescue_units(stores)
    click.echo(f"Demo data ready: {len(stores)} stores, "
               f"{db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))} vehicles.")
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for username, roles, name in GROUP_STAFF:
        click.echo(f"  {username:<16} {name} ({', '.join(roles)}, group level)")
    for suffix, roles, name in STORE_STAFF:
        click.echo(f"  sz01-{suffix:<11} {name} ({', '.join(roles)}, SZ01; GZ01 has gz01-{suffix})")


def _stores(rng: random.Random) -> list[Store]:
    stores = []
    for store_input in DEMO_STORES:
        store = db.session.scalar(sa.select(Store).where(Store.code == store_input.code))
        if store is None:
            store = store_services.create_store(store_input, actor=SYSTEM)
            for name, lat, lng in STATIONS[store.code]:
                store_services.create_station(store.id, store_services.StationInput(
                    name=name, address=name[:4], latitude=lat, longitude=lng, phone="0769-8%07d" % rng.randrange(10**7),
                    capabilities=["towing", "jump_start", "tyre_change", "minor_repair"]), actor=SYSTEM)
        stores.append(store)
    return stores


def _staff(stores: list[Store]) -> None:
    def ensure(username, roles, name, store_id):
        if db.session.scalar(sa.select(User.id).where(User.username == username)) is None:
            auth_services.create_user(username, password=DEMO_PASSWORD, roles=roles, store_id=store_id,
                                      actor=SYSTEM, full_name=name)

    for username, roles, name in GROUP_STAFF:
        ensure(username, roles, name, None)
    for store in stores:
        for suffix, roles, name in STORE_STAFF:
            ensure(f"{store.code.lower()}-{suffix}", roles, name, store.id)


def _customers_and_vehicles(stores: list[Store], count: int, rng: random.Random, fake: Faker,
                            batch: int = 5000) -> None:
    """Insert customers, vehicles, ownerships and a first odometer reading in bulk, batch by batch."""
    now = datetime.now(timezone.utc)
    today = date.today()
    advisors = {s.id: list(db.session.scalars(sa.select(User.id).where(
        User.store_id == s.id, User.username.like("%advisor%")))) for s in stores}
    used_plates = set(db.session.scalars(sa.select(Vehicle.plate)))
    used_vins = set(db.session.scalars(sa.select(Vehicle.vin)))
    used_mobiles = set(db.session.execute(sa.select(Customer.store_id, Customer.mobile)).all())
    next_customer = (db.session.scalar(sa.select(sa.func.max(Customer.id))) or 0) + 1
    next_vehicle = (db.session.scalar(sa.select(sa.func.max(Vehicle.id))) or 0) + 1

    # A progress bar only on a terminal: elsewhere (a log, a test) click would print its label as a stray line.
    with click.progressbar(length=count, label="Vehicles", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        done = 0
        while done < count:
            size = min(batch, count - done)
            customers, vehicles, ownerships, readings = [], [], [], []
            for i in range(size):
                store = stores[(done + i) % len(stores)]
                province, city = PLATE_PREFIX.get(store.code, ("粤", "B"))
                mobile = data.mobile(rng)
                while (store.id, mobile) in used_mobiles:
                    mobile = data.mobile(rng)
                used_mobiles.add((store.id, mobile))
                customer_id = next_customer
                next_customer += 1
                customers.append(dict(
                    id=customer_id, store_id=store.id, name=fake.name(), mobile=mobile, mobile_last4=mobile[-4:],
                    phone2="", marketing_consent=rng.random() < 0.6, birthday=fake.date_of_birth(
                        minimum_age=20, maximum_age=70) if rng.random() < 0.5 else None,
                    advisor_id=rng.choice(advisors[store.id]) if advisors[store.id] else None, notes="",
                    created_at=now, updated_at=now))
                model, family, seats, new_energy = rng.choice(data.FAW_VW_MODELS)
                plate = data.plate(rng, province, city, new_energy)
                while plate in used_plates:
                    plate = data.plate(rng, province, city, new_energy)
                used_plates.add(plate)
                vin = data.vin(rng)
                while vin in used_vins:
                    vin = data.vin(rng)
                used_vins.add(vin)
                registered = today - timedelta(days=rng.randint(30, 12 * 365))
                daily = rng.uniform(10, 100)
                km = max(100, int((today - registered).days * daily))
                use = "commercial" if rng.random() < 0.05 else "private"
                # The last maintenance some weeks or months ago, with the odometer read then and today.
                serviced = max(registered, today - timedelta(days=rng.randint(10, int(5000 / daily) + 20)))
                serviced_km = max(0, km - int((today - serviced).days * daily))
                inspection = rules.next_inspection_due(registration_date=registered, vehicle_class=rules.SMALL_PASSENGER,
                                                       use=use, seats=seats, last_inspection_date=None, today=today)
                maintenance = rules.next_maintenance_due(
                    last_service_date=serviced, last_service_km=serviced_km, readings=[(serviced, serviced_km),
                                                                                       (today, km)],
                    interval_months=6, interval_km=5000, today=today)
                vehicle_id = next_vehicle
                next_vehicle += 1
                vehicles.append(dict(
                    id=vehicle_id, store_id=store.id, owner_id=customer_id, plate=plate, plate_reversed=plate[::-1],
                    vin=vin, vin_reversed=vin[::-1], brand="一汽-大众", model=model, model_year=registered.year,
                    colour=rng.choice(data.COLOURS), engine_number=data.engine_number(rng),
                    purchase_date=registered - timedelta(days=rng.randint(0, 20)), registration_date=registered,
                    use=use, seats=seats, insurance_expiry=today + timedelta(days=rng.randint(-30, 364)),
                    last_inspection_date=None, odometer_km=km, vehicle_class=rules.SMALL_PASSENGER,
                    model_family=family, last_maintenance_date=serviced, last_maintenance_km=serviced_km,
                    next_inspection_due=inspection.due_date if inspection else None,
                    next_inspection_on_site=inspection.on_site if inspection else True,
                    next_maintenance_due=maintenance.due_date, created_at=now, updated_at=now))
                ownerships.append(dict(store_id=store.id, vehicle_id=vehicle_id, customer_id=customer_id,
                                       started_at=now))
                readings.append(dict(store_id=store.id, vehicle_id=vehicle_id, read_on=serviced, km=serviced_km,
                                     is_correction=False, note="", created_at=now))
                readings.append(dict(store_id=store.id, vehicle_id=vehicle_id, read_on=today, km=km,
                                     is_correction=False, note="", created_at=now))
            db.session.execute(sa.insert(Customer), customers)
            db.session.execute(sa.insert(Vehicle), vehicles)
            db.session.execute(sa.insert(VehicleOwnership), ownerships)
            db.session.execute(sa.insert(OdometerReading), readings)
            db.session.commit()
            done += size
            bar.update(size)
    _reset_sequences()


def _service_center(stores: list[Store], rng: random.Random) -> None:
    """Labor rates, labor catalogue, parts in stock, the inspection checklist and a few orders per store."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    for store in stores:
        added = repair.seed_catalogue(store, now=now)
        orders = repair.seed_orders(store, now=now, rng=rng)
        packages = quicklane.seed_lane(store, now=now)
        click.echo(f"{store.code}: {added['operations']} labor operations, {added['parts']} parts, "
                   f"{orders} repair orders and {packages} express packages added.")
        if booking_services.set_up_store(store.id, actor=SYSTEM):
            click.echo(f"{store.code}: online booking opened (default hours, services and capacity).")
        click.echo(f"{store.code}: {satisfaction.seed_complaints(store, now=now)} complaints added.")
        click.echo(f"{store.code}: {members_demo.seed_campaign(store, now=now)} campaigns added (drafts).")
        click.echo(f"{store.code}: {members_demo.seed_members(store, now=now)} members added.")
    click.echo(f"{members_demo.seed_group_campaign(stores, now=now)} campaigns for several stores added (drafts).")


def _rescue_units(stores: list[Store]) -> None:
    """Two rescue units per store, waiting at their places (once: a store with units keeps them)."""
    now = datetime.now(timezone.utc)
    for store in stores:
        if db.session.scalar(sa.select(RescueUnit.id).where(RescueUnit.store_id == store.id).limit(1)):
            continue
        for number, (name, kind, capabilities, lat, lng) in enumerate(RESCUE_UNITS[store.code], start=1):
            unit = rescue.create_unit(store.id, rescue.UnitInput(name=name, phone=f"1390000{number:04d}", kind=kind,
                                                                 crew="救援组", capabilities=capabilities), actor=SYSTEM)
            rescue.report_unit(unit.id, latitude=lat, longitude=lng, coordinate_system="wgs84", actor=SYSTEM, now=now)


def _reset_sequences() -> None:
    """Move PostgreSQL's id sequences past the ids inserted explicitly."""
    if not is_postgresql():
        return
    for table in ("customers", "vehicles"):
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    db.session.commit()
