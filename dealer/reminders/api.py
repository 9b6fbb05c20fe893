"""/api/v1/reminders: the due list, for integrations (a call-centre tool, the mobile front end)."""
from marshmallow import Schema, fields, validate

from dealer.access import current_actor, roles_required
from dealer.actors import CS_SUPERVISOR, MANAGER, SERVICE_ADVISOR
from dealer.api_base import ApiBlueprint
from dealer.inputs import Flag, WholeNumber
from dealer.reminders import services
from dealer.reminders.models import KINDS, STATES

blp = ApiBlueprint("reminders_api", __name__, url_prefix="/api/v1/reminders",
                   description="Inspection, insurance and maintenance reminders.")


class ReminderOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    vehicle_id = fields.Integer()
    customer_id = fields.Integer()
    advisor_id = fields.Integer(allow_none=True)
    plate = fields.Function(lambda r: r.vehicle.plate)
    kind = fields.String()
    due_date = fields.Date()
    lead_days = fields.Integer()
    on_site = Flag()
    state = fields.String()
    message_id = fields.Integer(allow_none=True)
    last_contact_at = fields.DateTime(allow_none=True)
    note = fields.String()
    created_on = fields.Date()


class ReminderList(Schema):
    items = fields.List(fields.Nested(ReminderOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ReminderArgs(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)


@blp.route("", methods=["GET"])
@roles_required(MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR)
@blp.arguments(ReminderArgs, location="query")
@blp.response(200, ReminderList)
def list_reminders(args):
    """List reminders (due list), soonest due first, filtered by kind and state."""
    page = services.due_list(actor=current_actor(), kind=args["kind"], state=args["state"], page=args["page"],
                             per_page=args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}
