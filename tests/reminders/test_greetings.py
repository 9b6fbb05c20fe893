"""Birthday and holiday greetings: consent, the day (the store's own), once per owner and year, the words."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.reminders.greetings import queue_greetings
from dealer.reminders.holidays import HOLIDAYS, holidays_on, missing_years
from dealer.sms.gateway import LocalSmsGateway
from dealer.sms.models import SmsMessage, SmsSettings
from dealer.sms.sender import send_due
from tests.factories import CustomerFactory, StoreFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), zone).astimezone(timezone.utc)


def greetings() -> list[SmsMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind.like("greeting%"))
                                   .order_by(SmsMessage.id)))


def test_birthday_greeting_goes_to_consenting_owners_born_that_day_in_the_morning(ctx, store):
    day = date(2026, 11, 23)
    yes = CustomerFactory(store=store, name="张伟", birthday=date(1980, 11, 23), marketing_consent=True)
    CustomerFactory(store=store, birthday=date(1980, 11, 23), marketing_consent=False)
    CustomerFactory(store=store, birthday=date(1980, 11, 24), marketing_consent=True)
    CustomerFactory(store=store, birthday=None, marketing_consent=True)
    db.session.commit()

    report = queue_greetings(day=day, now=at(day, 2))

    [message] = greetings()
    assert (report.messages, report.per_occasion) == (1, {"birthday": 1})
    assert (message.customer_id, message.phone, message.kind, message.category) == (
        yes.id, yes.mobile, "greeting_birthday", "marketing")
    assert message.params == {"name": "张伟"}
    assert message.next_attempt_at == at(day, 8)  # held until the end of the quiet hours
    assert message.dedupe_key == f"greeting:birthday:2026:{yes.id}"


def test_greetings_out_ids_are_distinct_32_hex_digits_and_on_postgresql_made_of_their_own_id(ctx, store):
    for _ in range(4):
        CustomerFactory(store=store, birthday=date(1990, 10, 1), marketing_consent=True)
    db.session.commit()
    day = date(2026, 10, 1)  # also 国庆节: two statements

    queue_greetings(day=day, now=at(day, 2))

    messages = greetings()
    out_ids = [message.out_id for message in messages]
    assert len(messages) == len(set(out_ids)) == 8
    assert all(len(out_id) == 32 and int(out_id, 16) >= 0 for out_id in out_ids)
    if db.engine.dialect.name == "postgresql":
        assert [int(message.out_id[16:], 16) for message in messages] == [message.id for message in messages]
        assert len({out_id[:16] for out_id in out_ids}) == 2  # a prefix per statement


def test_greetings_run_twice_queue_nothing_twice_and_next_year_again(ctx, store):
    CustomerFactory(store=store, birthday=date(1990, 10, 1), marketing_consent=True)
    db.session.commit()
    day = date(2026, 10, 1)  # also 国庆节

    first = queue_greetings(day=day, now=at(day, 2))
    again = queue_greetings(day=day, now=at(day, 3), batch_size=1)
    next_year = queue_greetings(day=date(2027, 10, 1), now=at(date(2027, 10, 1), 2))

    assert first.per_occasion == {"birthday": 1, "national_day": 1}
    assert again.messages == 0
    assert next_year.messages == 2
    assert len(greetings()) == 4


@pytest.mark.parametrize("day, greeted", [(date(2027, 2, 28), True), (date(2028, 2, 28), False),
                                          (date(2028, 2, 29), True), (date(2027, 3, 1), False)])
def test_birthday_on_29_february_is_greeted_on_the_28th_of_other_years(ctx, store, day, greeted):
    CustomerFactory(store=store, birthday=date(1996, 2, 29), marketing_consent=True)
    db.session.commit()
    assert queue_greetings(day=day, now=at(day, 2)).messages == (1 if greeted else 0)


def test_holiday_greeting_goes_to_every_consenting_owner_with_the_holidays_own_wish(ctx, store, tmp_path):
    db.session.add(SmsSettings(store_id=store.id, sign_name="宝安大众", quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=3))
    owners = [CustomerFactory(store=store, name=name, marketing_consent=True) for name in ("张伟", "李娜")]
    CustomerFactory(store=store, marketing_consent=False)
    db.session.commit()
    qingming = date(2026, 4, 5)

    report = queue_greetings(day=qingming, now=at(qingming, 2))

    assert report.per_occasion == {"birthday": 0, "qingming": 2}
    assert {m.customer_id for m in greetings()} == {o.id for o in owners}
    send_due(gateway=LocalSmsGateway(tmp_path / "sms.jsonl"), now_fn=lambda: at(qingming, 8, 1))
    assert {m.body for m in greetings()} == {
        f"【宝安大众】{name}您好，值此清明节，祝您清明安康，出行平安！感谢您一直以来的信任与支持。回T退订"
        for name in ("张伟", "李娜")}


def test_greetings_use_each_stores_own_date(ctx, store, other_store):
    other_store.timezone = "Europe/Berlin"
    here = CustomerFactory(store=store, birthday=date(1985, 11, 24), marketing_consent=True)
    there = CustomerFactory(store=other_store, birthday=date(1985, 11, 23), marketing_consent=True)
    db.session.commit()

    # 02:00 on 24 November in Shanghai is still 23 November (19:00) in Berlin.
    report = queue_greetings(now=at(date(2026, 11, 24), 2))

    assert {m.customer_id for m in greetings()} == {here.id, there.id}
    assert report.day is None and report.messages == 2


# Hong Kong Observatory, 公历与农历日期对照表: 春节, 元宵节, 清明, 端午节, 中秋节.
OBSERVATORY = {
    2026: ("2026-02-17", "2026-03-03", "2026-04-05", "2026-06-19", "2026-09-25"),
    2027: ("2027-02-06", "2027-02-20", "2027-04-05", "2027-06-09", "2027-09-15"),
    2028: ("2028-01-26", "2028-02-09", "2028-04-04", "2028-05-28", "2028-10-03"),
}


@pytest.mark.parametrize("year", sorted(OBSERVATORY))
def test_holiday_dates_agree_with_the_observatory_table(year):
    codes = ("spring_festival", "lantern_festival", "qingming", "dragon_boat", "mid_autumn")
    by_code = {h.code: h for h in HOLIDAYS}
    assert tuple(by_code[code].date_in(year).isoformat() for code in codes) == OBSERVATORY[year]
    for code, expected in zip(codes, OBSERVATORY[year]):
        assert [h.code for h in holidays_on(date.fromisoformat(expected))] == [code]


def test_holidays_are_known_for_every_year_of_the_calendar_and_hang_together():
    assert missing_years(range(2026, 2101)) == []
    assert missing_years([2101]) == [2101]
    by_code = {h.code: h for h in HOLIDAYS}
    assert set(by_code) == {"new_year", "spring_festival", "lantern_festival", "qingming", "labour_day",
                            "dragon_boat", "mid_autumn", "national_day"}
    for year in range(2026, 2101):
        spring = by_code["spring_festival"].date_in(year)
        assert date(year, 1, 21) <= spring <= date(year, 2, 20)
        assert by_code["lantern_festival"].date_in(year) == spring + timedelta(days=14)  # lunar 1/15
        assert by_code["qingming"].date_in(year) in (date(year, 4, 4), date(year, 4, 5), date(year, 4, 6))
        assert date(year, 5, 27) <= by_code["dragon_boat"].date_in(year) <= date(year, 6, 25)
        assert date(year, 9, 7) <= by_code["mid_autumn"].date_in(year) <= date(year, 10, 7)
    assert holidays_on(date(2101, 1, 29)) == []  # a lunar date beyond the calendar: not guessed
    assert [h.code for h in holidays_on(date(2101, 10, 1))] == ["national_day"]
    # No wish is 快乐 on a day of remembrance.
    assert "快乐" not in by_code["qingming"].greeting


@pytest.mark.postgres_only
def test_greetings_with_two_workers_greet_the_stores_side_by_side_once(app, shared_db):
    stores = [StoreFactory(code="SZ01"), StoreFactory(code="GZ01")]
    for store in stores:
        for _ in range(3):
            CustomerFactory(store=store, marketing_consent=True)
    db.session.commit()
    new_year = datetime.combine(date(2027, 1, 1), time(2), SHANGHAI).astimezone(timezone.utc)

    report = queue_greetings(now=new_year, workers=2)

    assert (report.messages, report.per_occasion) == (6, {"birthday": 0, "new_year": 6})
    assert sorted(m.store_id for m in greetings()) == sorted([store.id for store in stores] * 3)
    assert queue_greetings(now=new_year, workers=2).messages == 0


@pytest.mark.postgres_only
def test_greetings_command_takes_workers(app, shared_db):
    for code in ("SZ01", "GZ01"):
        CustomerFactory(store=StoreFactory(code=code), marketing_consent=True)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["reminders", "greetings", "--date", "2027-01-01", "--workers", "2"])

    assert result.exit_code == 0, result.output
    assert "2 greetings queued" in result.output and "new_year=2" in result.output
    refused = app.test_cli_runner().invoke(args=["reminders", "greetings", "--workers", "0"])
    assert refused.exit_code != 0 and "--workers" in refused.output
