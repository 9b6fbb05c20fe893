"""/api/v1/quick-lane: the store's express packages, opening a lane order, stage changes and the board; extra
work and the owner's answer, closing the day, the month's figures and the stores side by side."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.api_base import ApiBlueprint
from dealer.database import utcnow
from dealer.inputs import CALENDAR, Id, Moment, Text, WholeNumber
from dealer.quicklane import figures, queries, schemas, services
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import STAGES
from dealer.quicklane.services.stages import TAP_STAGES

blp = ApiBlueprint("quicklane_api", __name__, url_prefix="/api/v1/quick-lane",
                   description="The quick-service lane (快修区): express packages, lane orders, stages, the board.")


class StoreArgs(Schema):
    store_id = Id(in_query=True, load_default=None, metadata={
        "description": "The store (group-level tokens); a store's staff need not give it."})


class ItemOut(Schema):
    kind = fields.String()
    part_id = fields.Integer(allow_none=True)
    quantity = fields.Integer(allow_none=True, metadata={"description": "Thousandths of the part's unit."})
    operation_id = fields.Integer(allow_none=True)
    hours = fields.Integer(allow_none=True, metadata={"description": "Hundredths of an hour."})


class PackageOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    price_fen = fields.Integer()
    bay_minutes = fields.Integer()
    wash_minutes = fields.Integer()
    interval_km = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(ItemOut))


class PackageList(Schema):
    items = fields.List(fields.Nested(PackageOut))


class LaneOrderOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    repair_order_id = fields.Integer(allow_none=True)
    package_id = fields.Integer()
    package_name = fields.String()
    plate = fields.String()
    key_tag = fields.String()
    stage = fields.String(metadata={"enum": list(STAGES)})
    version = fields.Integer(metadata={"description": "Send it back with the next stage change."})
    bay = fields.Integer(allow_none=True)
    technician_id = fields.Integer(allow_none=True)
    key_at = fields.DateTime()
    promised_at = fields.DateTime()
    estimate_at = fields.DateTime()
    ready_at = fields.DateTime(allow_none=True)


class LaneOrderIn(Schema):
    vehicle_id = Id(required=True)
    package_id = Id(required=True)
    key_tag = Text(required=True, min_length=1, max_length=10)
    promised_at = Moment(CALENDAR, required=True, metadata={
        "description": "The promise the owner was quoted and agreed to (from the board's quote); refused with "
                       "quick_lane.promise_moved when the lane has changed since."})
    odometer_km = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=0, max=3_000_000))
    vin = Text(load_default="", max_length=17, metadata={
        "description": "For a car filed without its VIN (booked online): the VIN off its registration (行驶证); "
                       "refused with field vin when such a car comes without it."})


class StageIn(Schema):
    to_stage = fields.String(required=True, validate=validate.OneOf(TAP_STAGES))
    version = WholeNumber(required=True, validate=validate.Range(min=1))
    bay = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=1, max=20))
    technician_id = Id(allow_none=True, load_default=None)


class BoardCarOut(Schema):
    order = fields.Nested(LaneOrderOut, attribute="lane")
    technician_name = fields.String()
    estimate_at = fields.DateTime()
    at_risk = fields.Boolean()
    late = fields.Boolean()
    remaining_minutes = fields.Integer()
    position = fields.Integer()
    next_stage = fields.String(allow_none=True)


class BoardOut(Schema):
    store_id = fields.Integer()
    bays = fields.Integer()
    technicians = fields.Integer(metadata={"description": "Technicians on the lane's shift."})
    closed = fields.Boolean()
    cars = fields.List(fields.Nested(BoardCarOut))


def _store_id(args) -> int:
    actor = current_actor()
    store_id = args.get("store_id") or actor.store_id
    if store_id is None:
        raise LaneError(_l("Name the store."), field="store_id")
    return store_id


@blp.route("/packages", methods=["GET"])
@roles_required(*queries.LANE_ROLES)
@blp.arguments(StoreArgs, location="query")
@blp.response(200, PackageList)
def list_packages(args):
    """List the store's express packages (快保套餐) on offer, with their items and standard minutes."""
    return {"items": services.packages_of(_store_id(args), actor=current_actor())}


@blp.route("/orders", methods=["POST"])
@roles_required(SERVICE_ADVISOR, MANAGER)
@blp.arguments(LaneOrderIn)
@blp.response(201, LaneOrderOut)
def open_order(data):
    """Open a quick-lane order: the car's repair order with the package's lines, at the promise agreed."""
    lane = services.open_lane_order(data["vehicle_id"], services.LaneInput(
        package_id=data["package_id"], key_tag=data["key_tag"], promised_at=data["promised_at"],
        odometer_km=data["odometer_km"], vin=data["vin"]), actor=current_actor(), now=utcnow())
    return services.get_lane_order(lane.id, actor=current_actor())


@blp.route("/orders/<int:lane_id>/stage", methods=["POST"])
@roles_required(*queries.LANE_ROLES)
@blp.arguments(StageIn)
@blp.response(200, LaneOrderOut)
def change_stage(data, lane_id):
    """Move a car to its next stage (in_bay with the bay and technician); `version` as last read."""
    return services.move(lane_id, to_stage=data["to_stage"], version=data["version"], bay=data["bay"],
                         technician_id=data["technician_id"], actor=current_actor(), now=utcnow())


@blp.route("/board", methods=["GET"])
@roles_required(*queries.LANE_ROLES)
@blp.arguments(StoreArgs, location="query")
@blp.response(200, BoardOut)
def board(args):
    """The lane: cars in key order with their promise, live estimate and at-risk flag (at 80% of the promise)."""
    return queries.board(_store_id(args), actor=current_actor(), now=utcnow())


# -- extra work found in the bay (增项) ------------------------------------------------------------------------

def _extra_out(work: queries.ExtraWork) -> dict:
    lane, offer = work.lane, work.pending
    pending = None if offer is None else {
        "job_id": lane.extra_job_id, "concern": offer.concern, "price_fen": offer.price_fen,
        "minutes": offer.minutes, "new_estimate_at": offer.new_estimate, "new_promised_at": offer.new_promise}
    return {"lane_id": lane.id, "stage": lane.stage, "version": lane.version, "promised_at": lane.promised_at,
            "new_promised_at": lane.new_promised_at, "pending": pending, "items": work.items}


@blp.route("/orders/<int:lane_id>/extra", methods=["GET"])
@roles_required(*queries.LANE_ROLES)
@blp.response(200, schemas.ExtraOut)
def list_extra_work(lane_id):
    """A lane order's extra work: each piece with its price and answer; the one waiting for the owner with the
    minutes it adds and the new ready time (its time impact)."""
    return _extra_out(queries.extra_work(lane_id, actor=current_actor(), now=utcnow()))


@blp.route("/orders/<int:lane_id>/extra", methods=["POST"])
@roles_required(*queries.LANE_ROLES)
@blp.arguments(schemas.ExtraIn)
@blp.response(201, schemas.ExtraOut)
def report_extra_work(data, lane_id):
    """Report extra work found while the car is in its bay: one part or labor operation and the minutes it adds;
    it waits for the owner's answer (one at a time)."""
    actor, now = current_actor(), utcnow()
    services.report_extra_work(lane_id, services.ExtraInput(**data), actor=actor, now=now)
    return _extra_out(queries.extra_work(lane_id, actor=actor, now=now))


@blp.route("/orders/<int:lane_id>/extra/answer", methods=["POST"])
@roles_required(SERVICE_ADVISOR, MANAGER)
@blp.arguments(schemas.ConsentIn)
@blp.response(200, LaneOrderOut)
def answer_extra_work(data, lane_id):
    """Record the owner's answer: approved (who consented, in person or by phone), the car leaves the lane with
    the new promise; declined, it goes on in the lane."""
    return services.answer_extra_work(lane_id, services.Consent(**data), actor=current_actor(), now=utcnow())


# -- closing the day (快修日结) ----------------------------------------------------------------------------------

@blp.route("/day", methods=["GET"])
@roles_required(MANAGER)
@blp.arguments(StoreArgs, location="query")
@blp.response(200, schemas.DayOut)
def lane_day(args):
    """What is still in the lane on the store's day, and whether the day is closed (every such car carried over)."""
    day = queries.lane_day(_store_id(args), actor=current_actor(), now=utcnow())
    return {"store_id": day.store_id, "day": day.day, "closed": day.closed, "cars": day.cars}


@blp.route("/orders/<int:lane_id>/carry-over", methods=["POST"])
@roles_required(MANAGER)
@blp.arguments(schemas.DayActionIn)
@blp.response(200, schemas.DayCarOut)
def carry_over(data, lane_id):
    """Carry a car still in the lane over to the next day (结转), with an optional reason."""
    return services.carry_over(lane_id, version=data["version"], reason=data["reason"], actor=current_actor(),
                               now=utcnow())


@blp.route("/orders/<int:lane_id>/close", methods=["POST"])
@roles_required(MANAGER)
@blp.arguments(schemas.DayActionIn)
@blp.response(200, schemas.DayCarOut)
def close_lane_order(data, lane_id):
    """Close a car off the lane at the end of the day with the reason (关闭); its repair order goes on as any."""
    return services.close_lane_order(lane_id, version=data["version"], reason=data["reason"],
                                     actor=current_actor(), now=utcnow())


# -- the figures (快修指标) --------------------------------------------------------------------------------------

@blp.route("/figures", methods=["GET"])
@roles_required(MANAGER)
@blp.arguments(schemas.StoreMonthArgs, location="query")
@blp.response(200, schemas.FiguresOut)
def month_figures(args):
    """The store's month: key to ready (median, 90th percentile), promises kept, how early the at-risk flag
    warned; for the month, each day, package, technician and advisor."""
    found = figures.month_figures(_store_id(args), figures.month_asked(args["month"], now=utcnow()),
                                  actor=current_actor())
    return {**found.__dict__, "month": f"{found.month:%Y-%m}"}


@blp.route("/figures/stores", methods=["GET"])
@roles_required(MANAGER)
@blp.arguments(schemas.GroupMonthArgs, location="query")
@blp.response(200, schemas.GroupFiguresOut)
def stores_figures(args):
    """Every store's month the manager sees, side by side, ranked by promises kept (a store's manager: theirs)."""
    month = figures.month_asked(args["month"], now=utcnow())
    return {"month": f"{month:%Y-%m}", "stores": figures.stores_side_by_side(month, actor=current_actor())}
