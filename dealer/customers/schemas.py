"""API schemas for customers and vehicles (they also generate the OpenAPI document)."""
from marshmallow import Schema, fields, validate

from dealer.customers.models import VEHICLE_USES, Customer, OdometerReading, Vehicle
from dealer.inputs import BIRTHDAY, EXPIRY, PAST, Day, Flag, Id, Text, WholeNumber
from dealer.stores.families import MODEL_FAMILIES

SEARCH_LENGTH = 100


class CustomerInSchema(Schema):
    store_id = Id(metadata={"description": "Required for group-level tokens; defaults to "
                                           "the token owner's store."})
    name = Text(required=True, column=Customer.name, min_length=1)
    mobile = Text(required=True, max_length=20, metadata={"example": "13812345678"})
    phone2 = Text(load_default="", max_length=20)
    marketing_consent = Flag(load_default=False)
    birthday = Day(BIRTHDAY, allow_none=True, load_default=None)
    advisor_id = Id(allow_none=True, load_default=None)
    notes = Text(load_default="", max_length=2000, multiline=True)


class CustomerPatchSchema(CustomerInSchema):
    class Meta:
        exclude = ("store_id",)


class ServiceSmsSchema(Schema):
    opted_out = Flag(required=True, metadata={"description": "True: the owner refuses service SMS; their "
                                                                       "queued ones are cancelled."})


class VehicleBriefSchema(Schema):
    id = fields.Integer()
    plate = fields.String()
    vin = fields.String(allow_none=True, metadata={"description": "null until filled in at check-in (booked online)"})
    brand = fields.String()
    model = fields.String()


class CustomerOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    name = fields.String()
    mobile = fields.String(metadata={"description": "Whole for roles that call customers, masked otherwise."})
    phone2 = fields.String()
    marketing_consent = Flag()
    service_sms_opt_out = Flag(metadata={"description": "The owner refuses service SMS (reminders, "
                                                                  "car ready, booking codes)."})
    birthday = fields.Date(allow_none=True)
    advisor_id = fields.Integer(allow_none=True)
    notes = fields.String()
    vehicles = fields.List(fields.Nested(VehicleBriefSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class VehicleInSchema(Schema):
    customer_id = Id(required=True)
    plate = Text(required=True, max_length=12, metadata={"example": "京A12345"})
    vin = Text(required=True, max_length=20, metadata={"example": "LFV2A21K8A3000001"})
    brand = Text(load_default="", column=Vehicle.brand)
    model = Text(load_default="", column=Vehicle.model)
    model_year = WholeNumber(allow_none=True, load_default=None)
    colour = Text(load_default="", column=Vehicle.colour)
    engine_number = Text(load_default="", column=Vehicle.engine_number)
    purchase_date = Day(PAST, allow_none=True, load_default=None)
    registration_date = Day(PAST, allow_none=True, load_default=None)
    use = fields.String(load_default="private", validate=validate.OneOf(VEHICLE_USES))
    seats = WholeNumber(allow_none=True, load_default=None)
    insurance_expiry = Day(EXPIRY, allow_none=True, load_default=None)
    last_inspection_date = Day(PAST, allow_none=True, load_default=None)
    vehicle_class = fields.String(load_default="small_passenger",
                                  validate=validate.OneOf(("small_passenger", "van", "large_passenger", "truck")))
    model_family = fields.String(load_default="", validate=validate.OneOf(("", *MODEL_FAMILIES)), metadata={
        "description": "The model family's code (maintenance intervals and flat-rate hours follow it); empty: "
                       "not set."})
    odometer_km = WholeNumber(allow_none=True, load_default=None)


class VehiclePatchSchema(VehicleInSchema):
    class Meta:
        exclude = ("customer_id", "odometer_km")


class OwnerBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    mobile = fields.String()


class VehicleOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    owner_id = fields.Integer()
    owner = fields.Nested(OwnerBriefSchema)
    plate = fields.String()
    vin = fields.String(allow_none=True, metadata={"description": "null until filled in at check-in (booked online)"})
    brand = fields.String()
    model = fields.String()
    model_year = fields.Integer(allow_none=True)
    colour = fields.String()
    engine_number = fields.String()
    purchase_date = fields.Date(allow_none=True)
    registration_date = fields.Date(allow_none=True)
    use = fields.String()
    seats = fields.Integer(allow_none=True)
    insurance_expiry = fields.Date(allow_none=True)
    last_inspection_date = fields.Date(allow_none=True)
    odometer_km = fields.Integer(allow_none=True)
    vehicle_class = fields.String()
    model_family = fields.String()
    last_maintenance_date = fields.Date(allow_none=True)
    last_maintenance_km = fields.Integer(allow_none=True)
    next_inspection_due = fields.Date(allow_none=True)
    next_inspection_on_site = Flag()
    next_maintenance_due = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OdometerInSchema(Schema):
    km = WholeNumber(required=True, minimum=0)
    read_on = Day(PAST, required=True)
    is_correction = Flag(load_default=False)
    note = Text(load_default="", column=OdometerReading.note)


class OdometerOutSchema(Schema):
    id = fields.Integer()
    km = fields.Integer()
    read_on = fields.Date()
    is_correction = Flag()
    note = fields.String()


class SearchArgsSchema(Schema):
    q = Text(load_default="", max_length=SEARCH_LENGTH, metadata={
        "description": "Plate (or its last characters), mobile (or its last 4 digits), VIN (or its last 6), "
                       "or name."})
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


class PageArgsSchema(Schema):
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)
