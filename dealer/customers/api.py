"""/api/v1/customers and /api/v1/vehicles: the same services as the pages, for integrations."""
from marshmallow import Schema, fields

from dealer.access import current_actor, roles_required
from dealer.actors import CUSTOMER_READERS, CUSTOMER_WRITERS, PHONE_CALLERS
from dealer.api_base import ApiBlueprint
from dealer.customers import queries, schemas, services
from dealer.customers.validators import mask_phone
from dealer.database import utcnow

customers_blp = ApiBlueprint("customers_api", __name__, url_prefix="/api/v1/customers",
                             description="Customer files (客户档案).")
vehicles_blp = ApiBlueprint("vehicles_api", __name__, url_prefix="/api/v1/vehicles",
                            description="Vehicles, their odometer history and the front-desk search.")


def _phone(value: str) -> str:
    return value if current_actor().has_any(PHONE_CALLERS) else mask_phone(value)


class CustomerOut(schemas.CustomerOutSchema):
    mobile = fields.Function(lambda c: _phone(c.mobile))
    phone2 = fields.Function(lambda c: _phone(c.phone2) if c.phone2 else "")


class OwnerOut(schemas.OwnerBriefSchema):
    mobile = fields.Function(lambda c: _phone(c.mobile))


class VehicleOut(schemas.VehicleOutSchema):
    owner = fields.Nested(OwnerOut)


class CustomerList(Schema):
    items = fields.List(fields.Nested(CustomerOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class VehicleList(Schema):
    items = fields.List(fields.Nested(VehicleOut))
    total = fields.Integer()


@customers_blp.route("", methods=["GET"])
@roles_required(*CUSTOMER_READERS)
@customers_blp.arguments(schemas.SearchArgsSchema, location="query")
@customers_blp.response(200, CustomerList)
def list_customers(args):
    """List customer files, newest first, or search them with ?q=."""
    actor = current_actor()
    if args["q"]:
        customers = list(dict.fromkeys(h.customer for h in queries.search(args["q"], actor=actor)))
        return {"items": customers, "page": 1, "per_page": len(customers), "total": len(customers)}
    page = services.list_customers(actor=actor, page=args["page"], per_page=args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@customers_blp.route("", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
@customers_blp.arguments(schemas.CustomerInSchema)
@customers_blp.response(201, CustomerOut)
def create_customer(data):
    """Open a customer file."""
    actor = current_actor()
    store_id = data.pop("store_id", None) or actor.store_id
    return services.create_customer(services.CustomerInput(**data), store_id=store_id, actor=actor, now=utcnow())


@customers_blp.route("/<int:customer_id>", methods=["GET"])
@roles_required(*CUSTOMER_READERS)
@customers_blp.response(200, CustomerOut)
def get_customer(customer_id):
    """Return one customer file with its vehicles."""
    return services.get_customer(customer_id, actor=current_actor())


@customers_blp.route("/<int:customer_id>", methods=["PUT"])
@roles_required(*CUSTOMER_WRITERS)
@customers_blp.arguments(schemas.CustomerPatchSchema)
@customers_blp.response(200, CustomerOut)
def update_customer(data, customer_id):
    """Replace a customer file's details."""
    return services.update_customer(customer_id, services.CustomerInput(**data), actor=current_actor(),
                                    now=utcnow())


@vehicles_blp.route("", methods=["GET"])
@roles_required(*CUSTOMER_READERS)
@vehicles_blp.arguments(schemas.SearchArgsSchema, location="query")
@vehicles_blp.response(200, VehicleList)
def list_vehicles(args):
    """Search vehicles with ?q= (plate or its last characters, mobile or its last 4, VIN or its last 6, name)."""
    hits = queries.search(args["q"], actor=current_actor(), limit=args["per_page"]) if args["q"] else []
    vehicles = [h.vehicle for h in hits if h.vehicle is not None]
    return {"items": vehicles, "total": len(vehicles)}


@vehicles_blp.route("", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
@vehicles_blp.arguments(schemas.VehicleInSchema)
@vehicles_blp.response(201, VehicleOut)
def create_vehicle(data):
    """Register a vehicle to a customer."""
    customer_id = data.pop("customer_id")
    return services.add_vehicle(customer_id, services.VehicleInput(**data), actor=current_actor(), now=utcnow())


@vehicles_blp.route("/<int:vehicle_id>", methods=["GET"])
@roles_required(*CUSTOMER_READERS)
@vehicles_blp.response(200, VehicleOut)
def get_vehicle(vehicle_id):
    """Return one vehicle with its owner."""
    return services.get_vehicle(vehicle_id, actor=current_actor())


@vehicles_blp.route("/<int:vehicle_id>", methods=["PUT"])
@roles_required(*CUSTOMER_WRITERS)
@vehicles_blp.arguments(schemas.VehiclePatchSchema)
@vehicles_blp.response(200, VehicleOut)
def update_vehicle(data, vehicle_id):
    """Replace a vehicle's details."""
    return services.update_vehicle(vehicle_id, services.VehicleInput(**data), actor=current_actor(), now=utcnow())


@vehicles_blp.route("/<int:vehicle_id>/odometer", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
@vehicles_blp.arguments(schemas.OdometerInSchema)
@vehicles_blp.response(201, schemas.OdometerOutSchema)
def record_odometer(data, vehicle_id):
    """Record an odometer reading; a lower reading needs is_correction and a note."""
    return services.record_odometer(vehicle_id, actor=current_actor(), now=utcnow(), **data)
