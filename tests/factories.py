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
