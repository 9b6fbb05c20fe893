"""The page forms and query strings follow the API's input rules (dealer.inputs), on SQLite and PostgreSQL.

A bad value shows its message beside its field and writes nothing; a bad query-string value is read as no
match, the default, or not found: never a server error (issue 13, items 6-9).
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DateTimeField, Form, HiddenField, IntegerField, SelectFieldBase, StringField

import dealer
from dealer.audit.models import AuditEntry
from dealer.auth.models import UserSession
from dealer.customers.models import Customer, OdometerReading, Vehicle
from dealer.extensions import db
from dealer.inputs import InSpan, TextRules, WholeNumberField, bounded_int
from dealer.parts.forms import QuantityField as PartsQuantity
from dealer.parts.forms import YuanField as PartsYuan
from dealer.repair.forms.orders import HoursField, PercentField, QuantityField, YuanField
from dealer.repair.models import RepairOrder
from tests.factories import PASSWORD, CustomerFactory, VehicleFactory
from tests.helpers import count, field_has_error, login

VIN = "LFV3A23C9J3012345"
NEW_VIN = "1M8GDM9AXKP042788"


@pytest.fixture()
def owner(ctx, store):
    customer = CustomerFactory(store=store, name="欧阳娜娜", mobile="13812345678", mobile_last4="5678")
    vehicle = VehicleFactory(owner=customer, plate="粤B8C6K9", plate_reversed="9K6C8B粤", vin=VIN,
                             vin_reversed=VIN[::-1])
    db.session.commit()
    return {"customer": customer.id, "vehicle": vehicle.id}


def _rows() -> dict:
    return {model.__name__: count(model) for model in (Customer, Vehicle, OdometerReading, RepairOrder, AuditEntry,
                                                        UserSession)}


CUSTOMER = {"name": "张伟", "mobile": "13912345678"}
VEHICLE = {"plate": "粤BD12345", "vin": NEW_VIN, "use": "private", "vehicle_class": "small_passenger"}
ORDER = {"concerns": "保养", "kind": "maintenance", "promised_at": "2031-01-05T17:30"}

# (who signs in, url, form data, the field marked invalid)
BAD_FORMS = {
    "a birthday in year 1": ("service_advisor", "/customers/new", {**CUSTOMER, "birthday": "0001-01-01"},
                             "birthday"),
    "a name reversed by an override": ("service_advisor", "/customers/new", {**CUSTOMER, "name": "\u202e伟张"},
                                       "name"),
    "NUL in a name": ("service_advisor", "/customers/new", {**CUSTOMER, "name": "张\x00伟"}, "name"),
    "a name of zero-width spaces": ("service_advisor", "/customers/new", {**CUSTOMER, "name": "\u200b\u200d"},
                                    "name"),
    "a bell in the notes": ("service_advisor", "/customers/new", {**CUSTOMER, "notes": "老客户\x07"}, "notes"),
    "insurance expiring in 9999": ("service_advisor", "/customers/{customer}/vehicles/new",
                                   {**VEHICLE, "insurance_expiry": "9999-12-31"}, "insurance_expiry"),
    "registered in year 1": ("service_advisor", "/customers/{customer}/vehicles/new",
                             {**VEHICLE, "registration_date": "0001-01-01"}, "registration_date"),
    "a colour of 21 characters": ("service_advisor", "/customers/{customer}/vehicles/new",
                                  {**VEHICLE, "colour": "红" * 21}, "colour"),
    "NUL in an engine number": ("service_advisor", "/customers/{customer}/vehicles/new",
                                {**VEHICLE, "engine_number": "EA888\x00"}, "engine_number"),
    "1.5 seats": ("service_advisor", "/customers/{customer}/vehicles/new", {**VEHICLE, "seats": "1.5"}, "seats"),
    "seats in Arabic digits": ("service_advisor", "/customers/{customer}/vehicles/new", {**VEHICLE, "seats": "٥"},
                               "seats"),
    "an odometer of 12345.7 km": ("service_advisor", "/customers/{customer}/vehicles/new",
                                  {**VEHICLE, "odometer_km": "12345.7"}, "odometer_km"),
    "a model year beyond the database": ("service_advisor", "/customers/{customer}/vehicles/new",
                                         {**VEHICLE, "model_year": "99999999999"}, "model_year"),
    "a promise in 9999": ("service_advisor", "/repair/vehicles/{vehicle}/orders/new",
                          {**ORDER, "promised_at": "9999-12-31T23:59"}, "promised_at"),
    "a promise in year 1": ("service_advisor", "/repair/vehicles/{vehicle}/orders/new",
                            {**ORDER, "promised_at": "0001-01-01T00:30"}, "promised_at"),
    "NUL in a concern": ("service_advisor", "/repair/vehicles/{vehicle}/orders/new", {**ORDER, "concerns": "保\x00养"},
                         "concerns"),
    "a fuel level beyond the database": ("service_advisor", "/repair/vehicles/{vehicle}/orders/new",
                                         {**ORDER, "fuel_eighths": "99999999999"}, "fuel_eighths"),
}


@pytest.mark.parametrize("case", BAD_FORMS.values(), ids=BAD_FORMS.keys())
def test_a_bad_form_value_is_shown_on_its_field_and_writes_nothing(client, staff, owner, case):
    role, url, data, field = case
    login(client, staff[role])
    before = _rows()

    response = client.post(url.format(**owner), data=data)

    assert response.status_code == 200
    assert field_has_error(response, field)
    assert _rows() == before


def test_a_nul_byte_in_a_username_is_a_field_error_not_a_sign_in(client, staff):
    before = _rows()
    response = client.post("/login", data={"username": staff["service_advisor"].username + "\x00",
                                           "password": PASSWORD})
    assert response.status_code == 200
    assert field_has_error(response, "username")
    assert _rows() == before


def test_good_form_values_still_work(client, staff, owner):
    login(client, staff["service_advisor"])
    response = client.post("/customers/{customer}/vehicles/new".format(**owner), data={
        **VEHICLE, "seats": "7", "odometer_km": " 12345 ", "colour": "红" * 20, "registration_date": "2020-05-01",
        "insurance_expiry": "2027-05-01"})
    assert response.status_code == 302
    response = client.post("/customers/new", data={**CUSTOMER, "birthday": "1980-02-29", "notes": "老客户\r\n周末来"})
    assert response.status_code == 302
    assert count(Vehicle) == 2 and count(Customer) == 2


# (who signs in, a page with a bad query string, the status it answers)
QUERIES = {
    "NUL in the front-desk search": ("service_advisor", "/desk?q=%00", 200),
    "NUL after a plate in the front-desk search": ("service_advisor", "/desk?q=8C6K9%00", 200),
    "NUL in the parts search": ("parts_clerk", "/parts/?q=06J%00", 200),
    "NUL in the operations search": ("manager", "/repair/labor-operations?q=%00", 200),
    "NUL in the outbox search and days out of the calendar": (
        "manager", "/sms/?q=%00&day_from=0001-01-01&day_to=9999-12-31", 200),
    "the repair figures of year 1": ("manager", "/repair/figures?month=0001-01", 200),
    "the SMS figures of year 1": ("manager", "/sms/figures?month=0001-01", 200),
    "a page beyond the database": ("service_advisor", "/customers?page=99999999999", 200),
}


@pytest.mark.parametrize("case", QUERIES.values(), ids=QUERIES.keys())
def test_a_bad_query_string_is_no_match_or_the_default(client, staff, owner, case):
    role, url, status = case
    login(client, staff[role])
    assert client.get(url).status_code == status


def test_the_front_desk_search_with_a_nul_byte_finds_nothing(client, staff, owner):
    login(client, staff["service_advisor"])
    assert "粤B8C6K9" in client.get("/desk?q=8C6K9").get_data(as_text=True)
    assert "粤B8C6K9" not in client.get("/desk?q=8C6K9%00").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/sms/settings?store=99999999999", "/sms/templates?store=-1",
                                 "/repair/inspection/items?store=2147483648"])
def test_a_store_beyond_the_database_is_not_found(client, group_manager, url):
    login(client, group_manager)
    assert client.get(url).status_code == 404


def test_a_store_beyond_the_database_shows_the_first_store_of_the_catalogue(client, group_manager, store):
    login(client, group_manager)
    assert client.get("/repair/labor-operations?store=99999999999").status_code == 200


# -- every form field says its rules ---------------------------------------------------------------

def _forms() -> list[type]:
    for module in pkgutil.walk_packages(dealer.__path__, "dealer."):
        importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("dealer."):
                found.append(sub)
    return found


# Hidden fields each parsed by their own code: a choice the service checks, an arrow, a signature image the
# service decodes and bounds, ids read with dealer.inputs.whole_number.
HIDDEN = {"MarkForm.state", "MoveForm.offset", "ApprovalForm.signature", "LaborLineForm.operation_id",
          "PartsLineForm.part_id",
          # booking: a listed time (read as an aware ISO moment, checked by the service), the form's idempotency key
          "HoldForm.starts_at", "DetailsForm.key"}


# Numbers typed as text (yuan, hours, quantities, percentages): each parses itself into an integer.
TYPED_NUMBERS = (PartsQuantity, PartsYuan, HoursField, PercentField, QuantityField, YuanField)


def _unbound_fields(form):
    for name in dir(form):
        unbound = getattr(form, name, None)
        if hasattr(unbound, "field_class") and hasattr(unbound, "kwargs"):
            yield name, unbound


def test_every_form_field_uses_the_shared_input_rules():
    loose, fields = [], 0
    for form in _forms():
        for name, unbound in _unbound_fields(form):
            fields += 1
            kind = unbound.field_class
            validators = {type(v) for v in unbound.kwargs.get("validators") or ()}
            where = f"{form.__name__}.{name}"
            if issubclass(kind, HiddenField):
                ok = where in HIDDEN
            elif issubclass(kind, TYPED_NUMBERS):
                ok = True  # checked below
            elif issubclass(kind, StringField):
                ok = TextRules in validators
            elif issubclass(kind, IntegerField):
                ok = issubclass(kind, WholeNumberField)
            elif issubclass(kind, (DateField, DateTimeField)):
                ok = InSpan in validators
            elif issubclass(kind, SelectFieldBase):
                coerce = unbound.kwargs.get("coerce", str)
                ok = coerce is str or coerce is bounded_int or coerce.__name__ == "_optional_int"
            else:
                ok = True
            if not ok:
                loose.append(where)
    assert fields > 100
    assert loose == []


@pytest.mark.parametrize("typed", ["99999999", "-99999999", "\x00", "1e12"])
def test_numbers_typed_as_text_are_refused_beyond_the_database(app, typed):
    class Typed(Form):
        parts_quantity = PartsQuantity()
        parts_yuan = PartsYuan()
        hours = HoursField()
        percent = PercentField()
        quantity = QuantityField()
        yuan = YuanField()

    with app.test_request_context():
        form = Typed(MultiDict({name: typed for name in ("parts_quantity", "parts_yuan", "hours", "percent",
                                                          "quantity", "yuan")}))
        assert not form.validate()
        assert set(form.errors) == {"parts_quantity", "parts_yuan", "hours", "percent", "quantity", "yuan"}


def test_form_field_messages_are_in_the_users_language(client, staff, owner):
    login(client, staff["service_advisor"])
    response = client.post("/customers/{customer}/vehicles/new".format(**owner),
                           data={**VEHICLE, "colour": "红" * 21, "seats": "1.5", "brand": "大众\x00"})
    page = response.get_data(as_text=True)
    assert "最多 20 个字符。" in page and "请输入整数。" in page and "此处不能包含控制字符" in page
