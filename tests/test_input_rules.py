"""The API's inputs follow one set of rules (dealer.inputs), the same on SQLite and PostgreSQL (issue 13).

Each bad input answers 4xx with a field message and changes nothing; PostgreSQL is the run that would
otherwise answer 500 (a NUL byte, a string longer than its column, an integer beyond its range).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.audit.models import AuditEntry
from dealer.auth import forms as auth_forms
from dealer.auth.api import TokenRequest
from dealer.auth.models import ApiToken, User
from dealer.customers import forms as customer_forms
from dealer.customers import schemas as customer_schemas
from dealer.customers.models import Customer, OdometerReading, Vehicle
from dealer.extensions import db
from dealer.inputs import MAX_INT, Text, TextRules
from dealer.parts import forms as parts_forms
from dealer.parts import schemas as parts_schemas
from dealer.parts.models import Part, StockMove
from dealer.reminders import forms as reminder_forms
from dealer.reminders.models import InsuranceRenewal, MaintenanceInterval
from dealer.repair import models as repair_models
from dealer.repair import schemas as repair_schemas
from dealer.repair.forms import inspection as inspection_forms
from dealer.repair.forms import orders as order_forms
from dealer.repair.forms import settings as settings_forms
from dealer.repair.models import LaborOperation, RepairOrder
from dealer.rescue import forms as rescue_forms
from dealer.rescue import schemas as rescue_schemas
from dealer.rescue.models import RescueCall, RescueUnit
from dealer.sms import forms as sms_forms
from dealer.sms.models import SmsSettings, SmsTemplate
from dealer.stores import forms as store_forms
from dealer.stores.models import PartnerStation, Store
from tests.factories import PASSWORD, CustomerFactory, PartFactory, VehicleFactory
from tests.helpers import bearer, count

VIN = "LFV3A23C9J3012345"
NEW_VIN = "1M8GDM9AXKP042788"
DOCUMENT = "/api/v1/openapi.json"
BEIJING = timezone(timedelta(hours=8))


@dataclass
class World:
    customer_id: int
    vehicle_id: int
    headers: dict  # the store's service advisor
    manager: dict  # the store's manager
    group: dict  # a group-level manager
    username: str


@pytest.fixture()
def world(ctx, store, staff, group_manager) -> World:
    customer = CustomerFactory(store=store, name="欧阳娜娜", mobile="13812345678", mobile_last4="5678")
    vehicle = VehicleFactory(owner=customer, plate="粤B8C6K9", plate_reversed="9K6C8B粤", vin=VIN,
                             vin_reversed=VIN[::-1])
    db.session.commit()  # keep the rows when an error response rolls the session back
    return World(customer.id, vehicle.id, bearer(staff["service_advisor"]), bearer(staff["manager"]),
                 bearer(group_manager), staff["service_advisor"].username)


def _rows() -> dict:
    """What a refused request must leave as it was."""
    return {model.__name__: count(model) for model in (Customer, Vehicle, OdometerReading, RepairOrder, Part,
                                                        LaborOperation, ApiToken, AuditEntry)}


def _promise(**delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=4, **delta)).isoformat()


def _vehicle(w: World, **fields) -> dict:
    return {"customer_id": w.customer_id, "plate": "粤BD12345", "vin": NEW_VIN, **fields}


def _customer(**fields) -> dict:
    return {"name": "张伟", "mobile": "13912345678", **fields}


def _order(w: World, **fields) -> dict:
    return {"vehicle_id": w.vehicle_id, "concerns": ["保养"], "promised_at": _promise(), **fields}


def _part(**fields) -> dict:
    return {"part_number": "06J115403Q", "name": "机油滤清器", "price_fen": 8800, **fields}


def _operation(**fields) -> dict:
    return {"code": "MNT-OIL", "name": "更换机油机滤", "category": "maintenance", "hours": 50, **fields}


# (who, method, url, body or None, the field named in the answer)
BAD = {
    # item 7: dates outside what makes sense for their meaning
    "birthday in year 1": ("headers", "post", "/api/v1/customers", lambda w: _customer(birthday="0001-01-01"),
                           "birthday"),
    "insurance expiring in 9999": ("headers", "post", "/api/v1/vehicles",
                                   lambda w: _vehicle(w, insurance_expiry="9999-12-31"), "insurance_expiry"),
    "registration in year 1": ("headers", "post", "/api/v1/vehicles",
                               lambda w: _vehicle(w, registration_date="0001-01-01"), "registration_date"),
    "a reading dated year 1": ("headers", "post", "/api/v1/vehicles/{vehicle}/odometer",
                               lambda w: {"km": 1000, "read_on": "0001-01-01"}, "read_on"),
    "promised in 9999 west of UTC": ("headers", "post", "/api/v1/repair-orders",
                                     lambda w: _order(w, promised_at="9999-12-31T23:00:00-05:00"), "promised_at"),
    "promised in year 1 east of UTC": ("headers", "post", "/api/v1/repair-orders",
                                       lambda w: _order(w, promised_at="0001-01-01T01:00:00+08:00"), "promised_at"),
    "messages from year 1": ("manager", "get", "/api/v1/sms/messages?date_from=0001-01-01", None, "date_from"),
    "messages until 9999": ("manager", "get", "/api/v1/sms/messages?date_to=9999-12-31", None, "date_to"),
    "orders opened on 9999-12-31": ("headers", "get", "/api/v1/repair-orders?opened_on=9999-12-31", None,
                                    "opened_on"),
    "orders opened from year 1": ("headers", "get", "/api/v1/repair-orders?opened_from=0001-01-01T00:00:00%2B08:00",
                                  None, "opened_from"),
    # item 8: NUL bytes, control characters, direction overrides, invisible text, strings beyond their column
    "NUL in the customer search": ("headers", "get", "/api/v1/customers?q=%00", None, "q"),
    "NUL in the vehicle search": ("headers", "get", "/api/v1/vehicles?q=5678%00", None, "q"),
    "NUL in the parts search": ("headers", "get", "/api/v1/parts?q=06J%00", None, "q"),
    "NUL in the operations search": ("headers", "get", "/api/v1/labor-operations?q=%00", None, "q"),
    "NUL in the messages search": ("manager", "get", "/api/v1/sms/messages?q=%00", None, "q"),
    "NUL in the message kind": ("manager", "get", "/api/v1/sms/messages?kind=%00", None, "kind"),
    "a search longer than any key": ("headers", "get", "/api/v1/customers?q=" + "京" * 101, None, "q"),
    "NUL in a username": (None, "post", "/api/v1/auth/token",
                          lambda w: {"username": w.username + "\x00", "password": PASSWORD}, "username"),
    "a token name of 101 characters": (None, "post", "/api/v1/auth/token",
                                       lambda w: {"username": w.username, "password": PASSWORD, "name": "n" * 101},
                                       "name"),
    "brand of 41 characters": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, brand="大" * 41),
                               "brand"),
    "colour of 21 characters": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, colour="红" * 21),
                                "colour"),
    "engine number of 31 characters": ("headers", "post", "/api/v1/vehicles",
                                       lambda w: _vehicle(w, engine_number="E" * 31), "engine_number"),
    "NUL in a brand": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, brand="大众\x00"), "brand"),
    "a name reversed by an override": ("headers", "post", "/api/v1/customers",
                                       lambda w: _customer(name="\u202e伟张"), "name"),
    "a name of zero-width spaces": ("headers", "post", "/api/v1/customers",
                                    lambda w: _customer(name="\u200b\u200b"), "name"),
    "a line break in a name": ("headers", "post", "/api/v1/customers", lambda w: _customer(name="张\n伟"), "name"),
    "a bell in the notes": ("headers", "post", "/api/v1/customers", lambda w: _customer(notes="老客户\x07"),
                            "notes"),
    "a lone surrogate in the notes": ("headers", "post", "/api/v1/customers",
                                      lambda w: _customer(notes="老客户\ud800"), "notes"),
    "an override in a delivery note number": ("manager", "post", "/api/v1/parts/{part}/receipts",
                                           lambda w: {"quantity": 1000, "unit_cost_fen": 100,
                                                      "reference": "DN\u202e01"}, "reference"),
    "NUL in a concern": ("headers", "post", "/api/v1/repair-orders", lambda w: _order(w, concerns=["保养\x00"]),
                         "concerns.0"),
    # item 9: one strict whole number everywhere
    "1.5 seats": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, seats=1.5), "seats"),
    "seats as text": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, seats="7"), "seats"),
    "seats as true": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, seats=True), "seats"),
    "a reading of 12345.7 km": ("headers", "post", "/api/v1/vehicles/{vehicle}/odometer",
                                lambda w: {"km": 12345.7, "read_on": "2026-05-01"}, "km"),
    "model year as text": ("headers", "post", "/api/v1/vehicles", lambda w: _vehicle(w, model_year="2020"),
                           "model_year"),
    "customer in store 0": ("group", "post", "/api/v1/customers", lambda w: _customer(store_id=0), "store_id"),
    "part in store 0": ("manager", "post", "/api/v1/parts", lambda w: _part(store_id=0), "store_id"),
    "operation in store 0": ("manager", "post", "/api/v1/labor-operations", lambda w: _operation(store_id=0),
                             "store_id"),
    "advisor 1.0": ("headers", "post", "/api/v1/customers", lambda w: _customer(advisor_id=1.0), "advisor_id"),
    # one strict boolean everywhere: 0, 1 and "true" are not true or false
    "a correction as 0": ("headers", "post", "/api/v1/vehicles/{vehicle}/odometer",
                          lambda w: {"km": 12345, "read_on": "2026-05-01", "is_correction": 0}, "is_correction"),
    "consent as 1": ("headers", "post", "/api/v1/customers", lambda w: _customer(marketing_consent=1),
                     "marketing_consent"),
    "an SMS opt-out as text": ("headers", "put", "/api/v1/customers/{customer}/service-sms",
                               lambda w: {"opted_out": "true"}, "opted_out"),
    # item 6: ids and pages within the database's integer
    "an advisor id beyond the database": ("headers", "get", "/api/v1/repair-orders?advisor_id=2147483648", None,
                                          "advisor_id"),
    "a vehicle id beyond the database in a query": ("headers", "get",
                                                    "/api/v1/repair-orders?vehicle_id=99999999999", None,
                                                    "vehicle_id"),
    "a vehicle id beyond the database in a body": ("headers", "post", "/api/v1/repair-orders",
                                                   lambda w: _order(w, vehicle_id=99999999999), "vehicle_id"),
    "a customer id beyond the database": ("headers", "post", "/api/v1/vehicles",
                                          lambda w: _vehicle(w, customer_id=2**63), "customer_id"),
    "an advisor id beyond the database in a body": ("headers", "post", "/api/v1/customers",
                                                    lambda w: _customer(advisor_id=MAX_INT + 1), "advisor_id"),
    "a page beyond the database": ("headers", "get", "/api/v1/customers?page=4611686018427387904", None, "page"),
    "a page of 1.5": ("headers", "get", "/api/v1/parts?page=1.5", None, "page"),
    "a store id beyond the database": ("group", "get", "/api/v1/labor-operations?store_id=2147483648", None,
                                       "store_id"),
    "a seat count beyond the database": ("headers", "post", "/api/v1/vehicles",
                                         lambda w: _vehicle(w, seats=2**40), "seats"),
}


def _call(client, w: World, who, method, url, body):
    part_id = db.session.scalar(sa.select(Part.id).limit(1))
    url = url.format(vehicle=w.vehicle_id, customer=w.customer_id, part=part_id)
    headers = getattr(w, who) if who else {}
    return client.open(url, method=method.upper(), headers=headers, json=body(w) if body else None)


@pytest.fixture()
def a_part(world, store):
    PartFactory(store=store, part_number="5QD698151")
    db.session.commit()


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_api_bad_input_is_422_on_its_field_and_changes_nothing(client, world, a_part, case):
    who, method, url, body, field = case
    before = _rows()

    response = _call(client, world, who, method, url, body)

    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field], error
    assert all(isinstance(m, (str, dict)) and m for m in error["fields"][field])
    assert _rows() == before


GOOD = {
    "a vehicle with whole seats and sane dates": (
        "headers", "post", "/api/v1/vehicles",
        lambda w: _vehicle(w, seats=7, model_year=2020, brand="大" * 40, colour="红" * 20, engine_number="E" * 30,
                           registration_date="2020-05-01", insurance_expiry="2027-05-01"), 201),
    "a customer with notes on two lines": ("headers", "post", "/api/v1/customers",
                                           lambda w: _customer(notes="老客户\n喜欢\t周末", birthday="1980-02-29"), 201),
    "an order promised east of UTC": ("headers", "post", "/api/v1/repair-orders",
                                      lambda w: _order(w, promised_at=(datetime.now(BEIJING) + timedelta(hours=4)).isoformat()), 201),
    "a reading": ("headers", "post", "/api/v1/vehicles/{vehicle}/odometer",
                  lambda w: {"km": 12345, "read_on": "2026-05-01"}, 201),
    "the last page the database counts to": ("headers", "get", "/api/v1/customers?page=2147483647", None, 200),
    "orders of an advisor that does not exist": ("headers", "get", "/api/v1/repair-orders?advisor_id=2147483647",
                                                 None, 200),
    "a search in Chinese": ("headers", "get", "/api/v1/customers?q=欧阳", None, 200),
    "messages of a day": ("manager", "get", "/api/v1/sms/messages?date_from=2026-01-01&date_to=2026-12-31", None,
                          200),
    "a token named in 100 characters": (None, "post", "/api/v1/auth/token",
                                        lambda w: {"username": w.username, "password": PASSWORD, "name": "n" * 100},
                                        201),
}


@pytest.mark.parametrize("case", GOOD.values(), ids=GOOD.keys())
def test_api_good_input_still_works(client, world, a_part, case):
    who, method, url, body, status = case
    response = _call(client, world, who, method, url, body)
    assert response.status_code == status, response.get_json()


def test_api_a_vehicle_id_beyond_the_database_in_a_path_is_404(client, world):
    response = client.post("/api/v1/vehicles/2147483648/odometer", headers=world.headers,
                           json={"km": 1000, "read_on": "2026-05-01"})
    assert response.status_code == 404


# -- the OpenAPI document says the rules -----------------------------------------------------------

def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _loose(document, schema, where: str):
    """Every string without an enum that has no maxLength, every integer without bounds the database holds."""
    schema = _resolve(document, schema)
    found = []
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and "maxLength" not in schema and "format" not in schema:
        found.append(where)
    if kind == "integer" and not (-(2**31) <= schema.get("minimum", -(2**63)) and schema.get("maximum", 2**63)
                                  <= MAX_INT):
        found.append(where)
    for name, sub in schema.get("properties", {}).items():
        if not sub.get("readOnly"):
            found += _loose(document, sub, f"{where}.{name}")
    if "items" in schema:
        found += _loose(document, schema["items"], f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _loose(document, schema["additionalProperties"], f"{where}{{}}")
    return found


def test_every_input_of_the_api_is_bounded_in_its_document(client):
    """Strings have a maximum length, integers the database's range: one field type each, everywhere."""
    document = client.get(DOCUMENT).get_json()
    loose, inputs = [], 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    inputs += 1
                    loose += _loose(document, parameter["schema"], f"{method} {path}?{parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                inputs += 1
                loose += _loose(document, content["schema"], f"{method} {path}")
    assert inputs > 20
    assert loose == []


def test_api_field_messages_are_in_the_users_language(client, world):
    response = client.post("/api/v1/vehicles", headers=world.headers, json=_vehicle(world, brand="大" * 41))
    assert response.get_json()["error"]["fields"] == {"brand": ["最多 40 个字符。"]}
    response = client.post("/api/v1/customers", headers=world.headers,
                           json=_customer(name="\u202e伟张", birthday="1000-01-01"))
    fields = response.get_json()["error"]["fields"]
    assert fields["name"] == ["此处不能包含文字方向控制字符。"]
    assert fields["birthday"][0].startswith("请输入 1900-01-01 至 ")


# -- no input is longer than the column it is stored in --------------------------------------------

# Each API schema and page form with the table its fields are stored in, field by column name.
STORED_IN = [
    (TokenRequest, ApiToken), (TokenRequest, User), (customer_schemas.CustomerInSchema, Customer),
    (customer_schemas.VehicleInSchema, Vehicle), (customer_schemas.OdometerInSchema, OdometerReading),
    (parts_schemas.PartInSchema, Part), (parts_schemas.ReceiptInSchema, StockMove),
    (repair_schemas.OrderInSchema, RepairOrder), (repair_schemas.JobInSchema, repair_models.RepairJob),
    (repair_schemas.LineInSchema, repair_models.RepairLine), (repair_schemas.ApprovalInSchema, repair_models.Approval),
    (repair_schemas.QualityCheckInSchema, repair_models.QualityCheck),
    (repair_schemas.PaymentInSchema, repair_models.Payment), (repair_schemas.TransitionInSchema, RepairOrder),
    (repair_schemas.OperationInSchema, LaborOperation),
    (auth_forms.LoginForm, User), (auth_forms.UserForm, User), (auth_forms.ApiTokenForm, ApiToken),
    (customer_forms.CustomerForm, Customer), (customer_forms.VehicleForm, Vehicle),
    (customer_forms.OdometerForm, OdometerReading), (parts_forms.PartForm, Part), (parts_forms.ReceiveForm, StockMove),
    (parts_forms.AdjustForm, StockMove), (order_forms.OrderForm, RepairOrder), (order_forms.OrderEditForm, RepairOrder),
    (order_forms.JobForm, repair_models.RepairJob), (order_forms.FindingForm, repair_models.RepairJob),
    (order_forms.LaborLineForm, repair_models.RepairLine), (order_forms.ApprovalForm, repair_models.Approval),
    (order_forms.QualityCheckForm, repair_models.QualityCheck), (order_forms.PaymentRow, repair_models.Payment),
    (order_forms.CancelForm, RepairOrder), (settings_forms.OperationForm, LaborOperation),
    (settings_forms.RepairSettingsForm, repair_models.RepairSettings),
    (settings_forms.FamilyHoursRow, repair_models.LaborOperationHours),
    (inspection_forms.ItemForm, repair_models.InspectionItem),
    (inspection_forms.ResultForm, repair_models.InspectionResult), (reminder_forms.IntervalForm, MaintenanceInterval),
    (reminder_forms.InsuranceForm, InsuranceRenewal), (sms_forms.TemplateForm, SmsTemplate),
    (sms_forms.SettingsForm, SmsSettings), (store_forms.StoreForm, Store), (store_forms.StationForm, PartnerStation),
    (rescue_schemas.RescueCallInSchema, RescueCall), (rescue_forms.IntakeForm, RescueCall),
    (rescue_forms.UnitForm, RescueUnit),
]
# Typed longer than stored: the service normalises them and refuses what would not fit, with its own message
# (a mobile "+86 138-1234-5678" is stored as 11 digits, a part number "06J 115 403 Q" without its spaces).
NORMALISED = {"mobile", "part_number"}


def _max_lengths(holder) -> dict[str, int]:
    if hasattr(holder, "_declared_fields"):
        return {name: field.max_length for name, field in holder._declared_fields.items() if isinstance(field, Text)}
    found = {}
    for name in dir(holder):
        unbound = getattr(holder, name, None)
        if not hasattr(unbound, "field_class"):
            continue
        for rule in unbound.kwargs.get("validators") or ():
            if isinstance(rule, TextRules):
                found[name] = rule.max
    return found


def test_no_input_is_longer_than_its_column():
    longer, compared = [], 0
    for holder, model in STORED_IN:
        columns = {column.key: column for column in sa.inspect(model).columns}
        for name, maximum in _max_lengths(holder).items():
            length = getattr(columns[name].type, "length", None) if name in columns else None
            if length is None or name in NORMALISED:
                continue
            compared += 1
            if maximum > length:
                longer.append(f"{holder.__name__}.{name}: {maximum} > {model.__tablename__}.{name} ({length})")
    assert compared > 60
    assert longer == []
