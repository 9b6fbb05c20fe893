"""The SMS pages, /api/v1/sms/messages and `flask sms send`: wiring, filters, masking, field errors."""
import re
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.customers.models import Customer
from dealer.database import utcnow
from dealer.extensions import db
from dealer.sms.kinds import KINDS
from dealer.sms.models import DELIVERED, FAILED, QUEUED, SENT, SmsMessage, SmsSettings, SmsTemplate
from dealer.sms.outbox import enqueue
from dealer.sms.services import MessageFilter, list_messages
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import NOW, actor, bearer, field_has_error, fresh, login, page_text

CHINA = timezone(timedelta(hours=8))
SIGN = "宝安大众"
WANG, LI = "13812345678", "13987654321"
PARAMS = {
    "car_ready": {"plate": "粤B12345", "store_phone": "0755-27781234"},
    "maintenance_reminder": {"plate": "粤B12345", "due_date": "2026-12-31", "store_phone": "0755-27781234"},
    "booking_code": {"plate": "粤B12345", "code": "836152", "slot": "12月1日 09:30"},
}


def set_up_store(store, sign=SIGN):
    db.session.add(SmsSettings(store_id=store.id, sign_name=sign, quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=3))
    db.session.commit()
    return store


def send(kind: str, customer, *, name: str, vehicle=None, state=QUEUED, **values) -> SmsMessage:
    message = enqueue(kind, store_id=customer.store_id, phone=customer.mobile, params={"name": name, **PARAMS[kind]},
                      now=NOW, customer=customer, vehicle_id=vehicle.id if vehicle else None)
    db.session.flush()
    message.state = state
    for key, value in values.items():
        setattr(message, key, value)
    db.session.commit()
    return message


@pytest.fixture()
def outbox(ctx, store, other_store):
    """Messages of two owners at the store (each named in the text) and one at another store."""
    set_up_store(store)
    wang = CustomerFactory(store=store, name="王伟", mobile=WANG, mobile_last4=WANG[-4:])
    li = CustomerFactory(store=store, name="李娜", mobile=LI, mobile_last4=LI[-4:])
    wang_car = VehicleFactory(owner=wang, plate="粤B8C6K9", plate_reversed="9K6C8B粤")
    li_car = VehicleFactory(owner=li, plate="粤BD12345", plate_reversed="54321DB粤")
    elsewhere = CustomerFactory(store=other_store, mobile=WANG, mobile_last4=WANG[-4:])
    db.session.commit()
    return {
        "wang_ready": send("car_ready", wang, name="甲一", vehicle=wang_car, state=SENT, sent_at=NOW),
        "wang_reminder": send("maintenance_reminder", wang, name="甲二", vehicle=wang_car),
        "li_ready": send("car_ready", li, name="乙一", vehicle=li_car, state=FAILED,
                         error_code="isv.MOBILE_NUMBER_ILLEGAL", failed_at=NOW),
        "li_booking": send("booking_code", li, name="乙二", vehicle=li_car, state=DELIVERED, sent_at=NOW,
                           delivered_at=NOW),
        "elsewhere": send("car_ready", elsewhere, name="丙一"),
    }


NAMES = {"wang_ready": "甲一", "wang_reminder": "甲二", "li_ready": "乙一", "li_booking": "乙二", "elsewhere": "丙一"}


def listed(body: str) -> set[str]:
    return {key for key, name in NAMES.items() if f"】{name}您好" in body}


# -- the outbox page ---------------------------------------------------------------------------

def test_outbox_lists_the_store_messages_only(advisor_client, outbox):
    body = page_text(advisor_client.get("/sms/"))

    assert listed(body) == {"wang_ready", "wang_reminder", "li_ready", "li_booking"}


def test_outbox_filters_by_phone_plate_state_and_kind(advisor_client, outbox):
    for query, expected in [
        ({"q": WANG}, {"wang_ready", "wang_reminder"}),
        ({"q": "4321"}, {"li_ready", "li_booking"}),  # the last four digits
        ({"q": "粤B8C6K9"}, {"wang_ready", "wang_reminder"}),
        ({"q": "bd123"}, {"li_ready", "li_booking"}),  # part of a plate, any case
        ({"state": "failed"}, {"li_ready"}),
        ({"state": "queued"}, {"wang_reminder"}),
        ({"kind": "car_ready"}, {"wang_ready", "li_ready"}),
        ({"kind": "car_ready", "q": LI}, {"li_ready"}),
        ({"q": "13800000000"}, set()),
    ]:
        assert listed(page_text(advisor_client.get("/sms/", query_string=query))) == expected, query


def _reminder_sms(customer, *, name: str, reminder_id: int, **values) -> SmsMessage:
    """A reminder's SMS as the nightly scan writes it (its reminder named), queued unless told."""
    return send("maintenance_reminder", customer, name=name, reminder_id=reminder_id, **values)


def test_outbox_search_by_phone_finds_queued_and_sent_reminder_sms_and_messages_without_a_customer(
        advisor_client, outbox, store):
    wang = db.session.scalar(sa.select(Customer).where(Customer.store_id == store.id, Customer.mobile == WANG))
    _reminder_sms(wang, name="甲三", reminder_id=101)  # queued: not in the phone index, found through its owner
    _reminder_sms(wang, name="甲四", reminder_id=102, state=SENT, sent_at=NOW)
    caller = enqueue("car_ready", store_id=store.id, phone="13700001111", now=NOW,
                     params={"name": "丁一", **PARAMS["car_ready"]})  # a phone that is no customer's
    db.session.commit()
    names = {**NAMES, "wang_queued_reminder": "甲三", "wang_sent_reminder": "甲四", "caller": "丁一"}

    def found(query):
        body = page_text(advisor_client.get("/sms/", query_string={"q": query}))
        return {key for key, name in names.items() if f"】{name}您好" in body}

    assert caller is not None
    assert found(WANG) == {"wang_ready", "wang_reminder", "wang_queued_reminder", "wang_sent_reminder"}
    assert found("13700001111") == {"caller"}
    assert found("5678") == {"wang_ready", "wang_reminder", "wang_queued_reminder", "wang_sent_reminder"}


@pytest.mark.postgres_only
def test_outbox_search_by_phone_and_the_per_phone_cap_read_sms_by_index(ctx, store, staff, outbox):
    plans = []

    def explain(conn, cursor, statement, parameters, *args):
        if statement.lstrip().startswith("SELECT") and "FROM sms_messages" in statement:
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    # A store's outbox as it is in use: other owners' messages, sent and counted in the planner's statistics
    # (on a handful of rows every index of the store costs the same, and the plan would depend on which tests
    # ran before on this database).
    db.session.execute(sa.text(
        "INSERT INTO sms_messages (store_id, customer_id, phone, kind, category, priority, params, out_id, state, "
        "attempts, next_attempt_at, created_at, sent_at) SELECT :store, 900000 + n % 500, '139' || lpad(n::text, 8, '0'), "
        "'car_ready', 'service', 1, '{}', 'filler' || n, 'sent', 1, :now, :now, :now FROM generate_series(1, 3000) AS n"),
        {"store": store.id, "now": NOW})
    db.session.execute(sa.text("ANALYZE sms_messages"))
    db.session.execute(sa.text("SET enable_seqscan = off"))  # a seq scan then means: no index could serve
    sa.event.listen(db.engine, "before_cursor_execute", explain)
    try:
        list_messages(actor=actor(staff["service_advisor"]), filters=MessageFilter(q=WANG))
        db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
            SmsMessage.store_id == store.id, SmsMessage.phone == WANG, SmsMessage.sent_at >= NOW - timedelta(days=1)))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", explain)
        db.session.rollback()

    assert len(plans) >= 2  # the page (and its count), the cap
    for plan in plans:
        assert "Seq Scan on sms_messages" not in plan, plan
        assert "ix_sms_messages_store_id_phone_sent_at" in plan, plan


def test_outbox_filters_by_day_in_china_time(advisor_client, outbox):
    day = NOW.astimezone(CHINA).date()

    on_the_day = page_text(advisor_client.get("/sms/", query_string={"day_from": day.isoformat(),
                                                                  "day_to": day.isoformat()}))
    after = page_text(advisor_client.get("/sms/",
                                         query_string={"day_from": (day + timedelta(days=1)).isoformat()}))

    assert listed(on_the_day) == {"wang_ready", "wang_reminder", "li_ready", "li_booking"}
    assert listed(after) == set()


def test_outbox_shows_the_failure_code(advisor_client, outbox):
    failed = page_text(advisor_client.get("/sms/", query_string={"state": "failed"}))
    assert "isv.MOBILE_NUMBER_ILLEGAL" in failed


def test_outbox_list_masks_phones_and_the_message_page_shows_it_to_a_caller(advisor_client, outbox):
    listing = page_text(advisor_client.get("/sms/"))
    page = page_text(advisor_client.get(f"/sms/{outbox['wang_ready'].id}"))

    assert "138****5678" in listing and WANG not in listing
    assert WANG in page


def test_outbox_is_closed_to_roles_that_do_not_call_customers(client, staff, outbox):
    for role in ("technician", "parts_clerk", "cashier"):
        login(client, staff[role])
        assert client.get("/sms/").status_code == 403, role
        assert client.get(f"/sms/{outbox['wang_ready'].id}").status_code == 403, role
        client.post("/logout")


def test_outbox_message_of_another_store_is_404(advisor_client, outbox):
    assert advisor_client.get(f"/sms/{outbox['elsewhere'].id}").status_code == 404


def test_outbox_group_manager_sees_every_store(client, group_manager, outbox):
    login(client, group_manager)

    assert listed(page_text(client.get("/sms/"))) == set(NAMES)


# -- templates ---------------------------------------------------------------------------------

def test_templates_page_lists_every_kind_with_preview_and_segments(manager_client, outbox):
    body = page_text(manager_client.get("/sms/templates"))

    assert body.count("/sms/templates/") >= len(KINDS)
    assert f"【{SIGN}】王先生您好，您的车辆粤B12345已完工" in body  # the car-ready preview


def test_edit_template_with_an_unknown_variable_shows_the_field_error_and_saves_nothing(manager_client, outbox):
    response = manager_client.post("/sms/templates/car_ready", data={
        "body": "${name}您好，${plate}已完工，${mileage}公里。", "provider_template_code": "SMS_465000001"})

    assert response.status_code == 200
    assert field_has_error(response, "body")
    assert "${mileage}" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsTemplate)) == 0


def test_edit_template_with_a_bad_provider_code_shows_that_field_error(manager_client, outbox):
    response = manager_client.post("/sms/templates/car_ready", data={
        "body": "${name}您好，${plate}已完工。", "provider_template_code": "465000001"})

    assert field_has_error(response, "provider_template_code") and not field_has_error(response, "body")


def test_edit_template_saves_and_new_messages_use_it(manager_client, outbox, store):
    response = manager_client.post("/sms/templates/car_ready", data={
        "body": "${name}您好，${plate}已完工。", "provider_template_code": "SMS_465000001"})

    assert response.status_code == 302
    row = db.session.scalar(sa.select(SmsTemplate).where(SmsTemplate.store_id == store.id))
    assert (row.kind, row.body, row.provider_template_code) == ("car_ready", "${name}您好，${plate}已完工。",
                                                               "SMS_465000001")
    assert "SMS_465000001" in page_text(manager_client.get("/sms/templates"))


def test_edit_template_of_an_unknown_kind_is_404(manager_client, outbox):
    assert manager_client.get("/sms/templates/no_such_kind").status_code == 404


def test_templates_are_for_managers_only(advisor_client, outbox):
    assert advisor_client.get("/sms/templates").status_code == 403
    assert advisor_client.post("/sms/templates/car_ready", data={"body": "x"}).status_code == 403


def test_group_manager_edits_a_store_chosen_by_its_parameter(client, group_manager, outbox, store, other_store):
    login(client, group_manager)

    response = client.post(f"/sms/settings?store={other_store.id}", data={**SETTINGS, "sign_name": "天河大众"})

    assert response.status_code == 302
    assert fresh(SmsSettings, other_store.id).sign_name == "天河大众"
    assert fresh(SmsSettings, store.id).sign_name == SIGN


@pytest.mark.parametrize("url", ["/sms/templates", "/sms/templates/car_ready", "/sms/settings"])
def test_group_manager_pages_of_an_unknown_store_are_404(client, group_manager, outbox, url):
    login(client, group_manager)

    assert client.get(f"{url}?store=999999").status_code == 404
    assert client.get(url).status_code == 404  # no store chosen


def test_group_manager_saving_settings_of_an_unknown_store_is_refused(client, group_manager, outbox):
    login(client, group_manager)

    response = client.post("/sms/settings?store=999999", data=SETTINGS)

    assert response.status_code == 302  # refused with a flash, back to where the form was (errors.py)
    assert db.session.get(SmsSettings, 999999) is None


def test_store_manager_cannot_reach_another_store_by_its_parameter(manager_client, outbox, store, other_store):
    manager_client.post(f"/sms/settings?store={other_store.id}", data={**SETTINGS, "sign_name": "天河大众"})

    assert fresh(SmsSettings, store.id).sign_name == "天河大众"  # its own store, whatever the parameter says
    assert fresh(SmsSettings, other_store.id) is None


# -- settings ----------------------------------------------------------------------------------

SETTINGS = {"sign_name": "宝安大众", "quiet_start": "21:30", "quiet_end": "08:00", "daily_cap_per_phone": "2",
            "inspection_lead_days": "30,7", "insurance_lead_days": "30,7", "maintenance_lead_days": "7"}


def test_settings_with_a_bad_time_shows_the_field_error_and_saves_nothing(manager_client, outbox, store):
    for field, value in [("quiet_start", "24:00"), ("quiet_end", "8:00"), ("quiet_start", "21-00"),
                         ("quiet_end", "ab:cd")]:
        response = manager_client.post("/sms/settings", data={**SETTINGS, field: value})

        assert response.status_code == 200, value
        assert field_has_error(response, field), value
        assert fresh(SmsSettings, store.id).quiet_start == "21:00"


def test_settings_saved_and_shown(manager_client, outbox, store):
    response = manager_client.post("/sms/settings", data=SETTINGS)

    assert response.status_code == 302
    settings = fresh(SmsSettings, store.id)
    assert (settings.quiet_start, settings.daily_cap_per_phone) == ("21:30", 2)
    assert 'value="21:30"' in page_text(manager_client.get("/sms/settings"))


# -- figures -----------------------------------------------------------------------------------

def figures_row(body: str, store) -> list[str]:
    row = re.search(rf"<tr><td>{store.code} [^<]*</td>(.*?)</tr>", body, re.S).group(1)
    return re.findall(r"<td>(\d+)", row)


def test_figures_page_counts_the_month(manager_client, outbox, store):
    month = NOW.astimezone(CHINA).strftime("%Y-%m")

    body = page_text(manager_client.get("/sms/figures", query_string={"month": month}))

    # sent (sent + delivered; the invalid number never left), delivered, failed (the invalid number),
    # opt-outs, vehicles reminded, came in.
    assert figures_row(body, store)[:3] == ["2", "1", "1"]


def test_figures_page_of_an_empty_month_and_a_bad_month_render(manager_client, outbox, store):
    assert figures_row(page_text(manager_client.get("/sms/figures", query_string={"month": "2020-01"})),
                       store)[:3] == ["0", "0", "0"]
    assert manager_client.get("/sms/figures", query_string={"month": "garbage"}).status_code == 200


# -- the API -----------------------------------------------------------------------------------

def test_api_list_messages_with_a_token(client, staff, outbox):
    response = client.get("/api/v1/sms/messages", headers=bearer(staff["service_advisor"]))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == 4 and (body["page"], body["per_page"]) == (1, 50)
    assert {item["id"] for item in body["items"]} == {outbox[k].id for k in NAMES if k != "elsewhere"}
    item = next(i for i in body["items"] if i["id"] == outbox["li_ready"].id)
    assert (item["state"], item["kind"], item["error_code"], item["phone"]) == (
        "failed", "car_ready", "isv.MOBILE_NUMBER_ILLEGAL", LI)  # an advisor calls customers: whole
    assert "out_id" not in item  # the callbacks' proof of identity stays inside


def test_api_list_messages_filters(client, staff, outbox):
    headers = bearer(staff["cs_supervisor"])
    for query, expected in [
        ({"q": "5678"}, {"wang_ready", "wang_reminder"}),
        ({"q": "粤BD12345"}, {"li_ready", "li_booking"}),
        ({"state": "delivered"}, {"li_booking"}),
        ({"kind": "maintenance_reminder"}, {"wang_reminder"}),
    ]:
        body = client.get("/api/v1/sms/messages", query_string=query, headers=headers).get_json()
        assert {item["id"] for item in body["items"]} == {outbox[k].id for k in expected}, query


def test_api_list_messages_unknown_state_is_422(client, staff, outbox):
    response = client.get("/api/v1/sms/messages", query_string={"state": "lost"},
                          headers=bearer(staff["manager"]))

    assert response.status_code == 422
    assert response.get_json()["error"]["code"]


def test_api_get_message(client, staff, outbox):
    message = outbox["li_booking"]

    response = client.get(f"/api/v1/sms/messages/{message.id}", headers=bearer(staff["manager"]))

    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["state"], body["body"]) == (message.id, "delivered", message.body)
    assert body["delivered_at"] is not None


def test_api_get_message_of_another_store_is_404(client, staff, outbox):
    response = client.get(f"/api/v1/sms/messages/{outbox['elsewhere'].id}", headers=bearer(staff["manager"]))

    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_api_messages_need_a_token_and_a_reading_role(client, staff, outbox):
    assert client.get("/api/v1/sms/messages").status_code == 401
    assert client.get("/api/v1/sms/messages", headers=bearer(staff["technician"])).status_code == 403


# -- `flask --app dealer sms send` ----------------------------------------------------------------

@pytest.fixture()
def standin_config(app, sms_standin, monkeypatch):
    for key, value in sms_standin.config().items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture()
def due_booking(ctx, store):
    """A booking code due now (booking codes go out at any hour), with its approved template."""

    set_up_store(store)
    db.session.add(SmsTemplate(store_id=store.id, kind="booking_code", body=KINDS["booking_code"].default_body,
                               provider_template_code="SMS_465000002"))
    customer = CustomerFactory(store=store, mobile=WANG, mobile_last4=WANG[-4:])
    db.session.commit()
    message = enqueue("booking_code", store_id=store.id, phone=WANG, params={"name": "王伟", **PARAMS["booking_code"]},
                      now=utcnow() - timedelta(seconds=1), customer=customer)
    db.session.commit()
    return message


def test_cli_sms_send_sends_what_is_due(app, standin_config, due_booking, sms_standin):
    result = app.test_cli_runner().invoke(args=["sms", "send"])

    assert result.exit_code == 0, result.output
    assert "claimed=1 sent=1" in result.output
    message = fresh(SmsMessage, due_booking.id)
    assert message.state == SENT and message.provider_id == sms_standin.message(message.out_id).biz_id
    assert sms_standin.deliveries(message.out_id) == 1


def test_cli_sms_send_with_the_provider_down_keeps_the_message_queued(app, standin_config, due_booking,
                                                                      sms_standin):
    sms_standin.stop()

    result = app.test_cli_runner().invoke(args=["sms", "send"])

    assert result.exit_code == 0
    assert "cannot be reached" in result.output
    message = fresh(SmsMessage, due_booking.id)
    assert (message.state, message.attempts) == (QUEUED, 0)


def test_cli_sms_send_with_nothing_due(app, standin_config, ctx, sms_standin):
    result = app.test_cli_runner().invoke(args=["sms", "send"])

    assert result.exit_code == 0 and "claimed=0" in result.output
    assert sms_standin.messages == []


def test_customer_file_shows_the_owner_messages(advisor_client, outbox):
    wang = fresh(SmsMessage, outbox["wang_ready"].id).customer

    body = page_text(advisor_client.get(f"/customers/{wang.id}"))

    assert "甲一您好" in body and "甲二您好" in body and "乙一您好" not in body


# -- an owner's choice about service SMS (on the customer edit page) --------------------------------------

def test_customer_edit_page_records_the_service_sms_choice(advisor_client, ctx, store):
    owner = CustomerFactory(store=store, mobile=WANG)
    db.session.commit()
    page = page_text(advisor_client.get(f"/customers/{owner.id}/edit"))
    assert f'action="/sms/customers/{owner.id}/service-sms"' in page
    assert 'name="opted_out"' in page and "checked" not in page.split('data-testid="service-sms-form"')[1]

    response = advisor_client.post(f"/sms/customers/{owner.id}/service-sms", data={"opted_out": "y"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{owner.id}/edit")
    assert fresh(Customer, owner.id).service_sms_opt_out is True
    page = page_text(advisor_client.get(f"/customers/{owner.id}/edit"))
    assert " checked" in page.split('data-testid="service-sms-form"')[1]
    advisor_client.post(f"/sms/customers/{owner.id}/service-sms", data={})  # unticked: takes them again
    assert fresh(Customer, owner.id).service_sms_opt_out is False


def test_service_sms_choice_of_another_stores_customer_changes_nothing(advisor_client, ctx, other_store):
    stranger = CustomerFactory(store=other_store)
    db.session.commit()
    response = advisor_client.post(f"/sms/customers/{stranger.id}/service-sms", data={"opted_out": "y"})
    assert response.status_code == 302  # a form naming something missing goes back, with the message flashed
    assert fresh(Customer, stranger.id).service_sms_opt_out is False
