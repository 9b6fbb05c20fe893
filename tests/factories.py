"""factory_boy factories with Chinese fake data (Faker zh_CN); rows are flushed into the test's transaction."""
from __future__ import annotations

import random

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from dealer.auth.models import User, UserRole
from dealer.customers.models import Customer, Vehicle, VehicleOwnership
from dealer.demo import data
from dealer.extensions import db
from dealer.stores.models import PartnerStation, Store

factory.Faker._DEFAULT_LOCALE = "zh_CN"
PASSWORD = "correct-horse-42"
PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose
_rng = random.Random(42)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (the test's session)
        sqlalchemy_session_persistence = "flush"


class StoreFactory(Base):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"ST{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 一汽-大众4S店")
    brand = "一汽-大众"


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    password_hash = PASSWORD_HASH
    store = factory.SubFactory(StoreFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ["service_advisor"]:
            self.roles.append(UserRole(role=role))
        if create:
            db.session.flush()


class CustomerFactory(Base):
    class Meta:
        model = Customer

    store = factory.SubFactory(StoreFactory)
    name = factory.Faker("name")
    mobile = factory.LazyFunction(lambda: data.mobile(_rng))
    mobile_last4 = factory.LazyAttribute(lambda o: o.mobile[-4:])
    marketing_consent = False


class VehicleFactory(Base):
    class Meta:
        model = Vehicle

    owner = factory.SubFactory(CustomerFactory)
    store = factory.SelfAttribute("owner.store")
    plate = factory.LazyFunction(lambda: data.plate(_rng, "粤", "B"))
    plate_reversed = factory.LazyAttribute(lambda o: o.plate[::-1])
    vin = factory.LazyFunction(lambda: data.vin(_rng))
    vin_reversed = factory.LazyAttribute(lambda o: o.vin[::-1])
    brand = "一汽-大众"
    model = "速腾 Sagitar"
    use = "private"

    @factory.post_generation
    def ownership(self, create, extracted, **kwargs):
        if create:
            db.session.add(VehicleOwnership(store_id=self.store_id or self.store.id, vehicle=self, customer=self.owner))
            db.session.flush()


class StationFactory(Base):
    class Meta:
        model = PartnerStation

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"二级维修站{n}")
    capabilities = ["towing"]


# -- parts and repair orders (the parts module's tests build orders directly) ------------------------
from dealer.parts.models import Part  # noqa: E402
from dealer.repair.models import RepairJob, RepairLine, RepairOrder  # noqa: E402


class PartFactory(Base):
    class Meta:
        model = Part
        exclude = ("store",)

    store = factory.SubFactory(StoreFactory)
    store_id = factory.SelfAttribute("store.id")
    part_number = factory.Sequence(lambda n: f"06J115{n:04d}")
    name = factory.Sequence(lambda n: f"机油滤清器{n}")
    unit = "个"
    price_fen = 8800
    cost_fen = 5200
    genuine = True
    on_hand = 0
    reserved = 0
    reorder_level = 0


class RepairOrderFactory(Base):
    class Meta:
        model = RepairOrder

    store = factory.SubFactory(StoreFactory)
    vehicle = factory.SubFactory(VehicleFactory, owner__store=factory.SelfAttribute("...store"))
    customer = factory.SelfAttribute("vehicle.owner")
    number = factory.Sequence(lambda n: f"RO-20261123-{n:04d}")
    state = "approved"


class RepairJobFactory(Base):
    class Meta:
        model = RepairJob

    order = factory.SubFactory(RepairOrderFactory)
    store_id = factory.SelfAttribute("order.store_id")
    vehicle_id = factory.SelfAttribute("order.vehicle_id")
    concern = "更换机油机滤"
    approval = "approved"


class RepairLineFactory(Base):
    """A parts line (kind 'parts') of one unit by default; pass part= and job= from the same store."""

    class Meta:
        model = RepairLine

    job = factory.SubFactory(RepairJobFactory)
    store_id = factory.SelfAttribute("job.store_id")
    order_id = factory.SelfAttribute("job.order_id")
    kind = "parts"
    part = factory.SubFactory(PartFactory, store=factory.SelfAttribute("..job.order.store"))
    part_number = factory.LazyAttribute(lambda o: o.part.part_number if o.part else "")
    description = factory.LazyAttribute(lambda o: o.part.name if o.part else "更换机油")
    unit = factory.LazyAttribute(lambda o: o.part.unit if o.part else "")
    unit_price_fen = factory.LazyAttribute(lambda o: o.part.price_fen if o.part else None)
    quantity = 1000
