"""Staff services of the SMS module: an owner's choice about service SMS (the rest is in test_views_api.py)."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dealer.customers.models import Customer
from dealer.customers.services import record_odometer
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.reminders.services import scan
from dealer.repair import services as repair
from dealer.repair.models import GENERAL_REPAIR
from dealer.repair.services import OrderInput
from dealer.sms import services
from dealer.sms.models import CANCELLED, QUEUED, SENT, SmsMessage
from dealer.sms.outbox import enqueue
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor, audit_entries

PARAMS = {"plate": "粤B12345", "store_phone": "0755-27781234", "due_date": "2026-12-31"}


@pytest.fixture()
def owner(ctx, store):
    customer = CustomerFactory(store=store, mobile="13812345678", marketing_consent=True)
    db.session.commit()
    return customer


def queue(kind: str, customer) -> SmsMessage:
    message = enqueue(kind, store_id=customer.store_id, phone=customer.mobile, params={"name": "王伟", **PARAMS},
                      now=NOW, customer=customer)
    db.session.commit()
    return message


def test_set_service_sms_opt_out_records_audits_and_cancels_queued_service_messages(owner, staff):
    reminder, invitation, sent = (queue("maintenance_reminder", owner), queue("campaign_invitation", owner),
                                  queue("car_ready", owner))
    sent.state = SENT
    db.session.commit()

    services.set_service_sms_opt_out(owner.id, opted_out=True, actor=actor(staff["service_advisor"]), now=NOW)

    db.session.expire_all()
    assert db.session.get(Customer, owner.id).service_sms_opt_out is True
    assert [db.session.get(SmsMessage, m.id).state for m in (reminder, invitation, sent)] == [CANCELLED, QUEUED, SENT]
    [entry] = audit_entries("service_sms_opt_out")
    assert (entry.entity_id, entry.actor_id) == (owner.id, staff["service_advisor"].id)
    assert entry.changes == {"service_sms_opt_out": [False, True], "cancelled_messages": 1}
    # From now on no service message is queued for them.
    assert enqueue("car_ready", store_id=owner.store_id, phone=owner.mobile, params=PARAMS, now=NOW,
                   customer=db.session.get(Customer, owner.id)) is None


def test_set_service_sms_opt_out_back_in_and_unchanged_choices(owner, staff):
    who = actor(staff["manager"])
    services.set_service_sms_opt_out(owner.id, opted_out=False, actor=who, now=NOW)  # as it was: nothing recorded
    assert audit_entries("service_sms_opt_out") == audit_entries("service_sms_opt_in") == []

    services.set_service_sms_opt_out(owner.id, opted_out=True, actor=who, now=NOW)
    services.set_service_sms_opt_out(owner.id, opted_out=False, actor=who, now=NOW)

    assert db.session.get(Customer, owner.id).service_sms_opt_out is False
    assert [e.changes["service_sms_opt_out"] for e in audit_entries("service_sms_opt_in")] == [[True, False]]
    assert queue("car_ready", owner) is not None


def test_set_service_sms_opt_out_of_another_stores_customer_is_not_found(owner, other_store):
    stranger = UserFactory(username="advisor-gz", roles=["service_advisor"], store=other_store)
    with pytest.raises(NotFound):
        services.set_service_sms_opt_out(owner.id, opted_out=True, actor=actor(stranger), now=NOW)
    db.session.rollback()
    assert db.session.get(Customer, owner.id).service_sms_opt_out is False


# -- month figures: the reminders' conversion ----------------------------------------------------

def test_month_figures_count_reminded_vehicles_that_came_in_within_30_days(ctx, store, staff):

    shanghai = ZoneInfo("Asia/Shanghai")
    day = date(2026, 11, 3)

    def at(offset_days: int, hour: int = 10) -> datetime:
        return datetime.combine(day + timedelta(days=offset_days), time(hour), shanghai).astimezone(timezone.utc)

    cars = {name: VehicleFactory(owner=CustomerFactory(store=store), insurance_expiry=day + timedelta(days=20))
            for name in ("order", "reading", "late", "cancelled", "stayed_away")}
    db.session.commit()
    assert scan(day=day, now=at(0, 2)).reminders == 5
    advisor = actor(staff["service_advisor"])

    def open_for(name: str, offset_days: int):
        moment = at(offset_days)
        return repair.open_order(cars[name].id, OrderInput(concerns=["异响检查"], kind=GENERAL_REPAIR,
                                                           promised_at=moment + timedelta(hours=3)),
                                 actor=advisor, now=moment)

    open_for("order", 10)  # no odometer given: the order itself counts
    record_odometer(cars["reading"].id, km=50_000, read_on=day + timedelta(days=30), actor=advisor, now=at(30))
    record_odometer(cars["late"].id, km=50_000, read_on=day + timedelta(days=31), actor=advisor, now=at(31))
    cancelled = open_for("cancelled", 5)
    repair.cancel(cancelled.id, reason="开错车", actor=advisor, now=at(5, 11))

    [figures] = services.month_figures(actor=advisor, month=date(2026, 11, 1))

    assert (figures.reminded, figures.came_in) == (5, 2)
    assert figures.conversion == pytest.approx(0.4)
    [december] = services.month_figures(actor=advisor, month=date(2026, 12, 1))
    assert (december.reminded, december.came_in) == (0, 0)
