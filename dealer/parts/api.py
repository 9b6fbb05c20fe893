"""/api/v1/parts: the catalogue, stock figures, receipts and the low-stock list, for integrations."""
from marshmallow import Schema, fields

from dealer.access import current_actor, roles_required
from dealer.actors import PARTS_READERS, PARTS_WRITERS
from dealer.api_base import ApiBlueprint
from dealer.database import utcnow
from dealer.parts import schemas, services

blp = ApiBlueprint("parts_api", __name__, url_prefix="/api/v1/parts",
                   description="Parts catalogue (配件), stock per store and receipts. Money in integer fen, "
                               "quantities in integer thousandths of the part's unit.")


class PartOut(schemas.PartOutSchema):
    # The purchase cost is for the people who keep stock.
    cost_fen = fields.Function(lambda p: p.cost_fen if current_actor().has_any(PARTS_WRITERS) else None,
                               allow_none=True, metadata={"description": schemas.COST_OUT})


class PartList(Schema):
    items = fields.List(fields.Nested(PartOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


@blp.route("", methods=["GET"])
@roles_required(*PARTS_READERS)
@blp.arguments(schemas.SearchArgsSchema, location="query")
@blp.response(200, PartList)
def list_parts(args):
    """List the catalogue in part-number order, or search it with ?q=."""
    actor = current_actor()
    if args["q"]:
        parts = services.search_parts(args["q"], actor=actor, limit=args["per_page"])
        return {"items": parts, "page": 1, "per_page": args["per_page"], "total": len(parts)}
    page = services.list_parts(actor=actor, page=args["page"], per_page=args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("", methods=["POST"])
@roles_required(*PARTS_WRITERS)
@blp.arguments(schemas.PartInSchema)
@blp.response(201, PartOut)
def create_part(data):
    """Add a part to the catalogue (with no stock: stock comes in through receipts)."""
    actor = current_actor()
    store_id = data.pop("store_id", None) or actor.store_id
    return services.create_part(services.PartInput(**data), store_id=store_id, actor=actor, now=utcnow())


@blp.route("/low-stock", methods=["GET"])
@roles_required(*PARTS_WRITERS)
@blp.response(200, PartOut(many=True))
def low_stock():
    """List the parts to reorder: none on hand first, then shortages, then those at or below their reorder level."""
    return services.low_stock(actor=current_actor())


@blp.route("/<int:part_id>", methods=["GET"])
@roles_required(*PARTS_READERS)
@blp.response(200, PartOut)
def get_part(part_id):
    """Return one part with its stock: on hand, reserved, available, reorder level."""
    return services.get_part(part_id, actor=current_actor())


@blp.route("/<int:part_id>/receipts", methods=["POST"])
@roles_required(*PARTS_WRITERS)
@blp.arguments(schemas.ReceiptInSchema)
@blp.response(201, schemas.StockMoveOutSchema)
def receive_stock(data, part_id):
    """Book a delivery from the maker into stock (入库) against its delivery note."""
    return services.receive_stock(part_id, actor=current_actor(), now=utcnow(), **data)
