"""API schemas for the parts catalogue and stock (they also generate the OpenAPI document).

Money is integer fen (分); quantities are integer thousandths of the part's unit (4.5 litres = 4500).
"""
from marshmallow import Schema, fields, validate

from dealer.inputs import Flag, Id, Text, WholeNumber
from dealer.parts.models import MOVE_KINDS, StockMove
from dealer.parts.services import MAX_FEN, MAX_QUANTITY

# Integers are strict: a JSON 1.5 is refused, never truncated to 1.
THOUSANDTHS = "Thousandths of the part's unit (4.5 litres = 4500)."
COST_OUT = "Purchase cost in fen (the latest receipt's unit cost); null for roles that do not keep stock."


class PartInSchema(Schema):
    store_id = Id(metadata={"description": "Required for group-level tokens; defaults to "
                                           "the token owner's store."})
    part_number = Text(required=True, max_length=60, min_length=1, metadata={
        "description": "The maker's OEM number; stored in upper case without spaces, unique per store.",
        "example": "06J115403Q"})
    name = Text(required=True, max_length=40, min_length=1,
                         metadata={"example": "机油滤清器"})
    unit = Text(load_default="个", max_length=10, min_length=1)
    price_fen = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_FEN),
                               metadata={"description": "Retail price to the owner in fen, VAT included.",
                                         "example": 8800})
    cost_fen = WholeNumber(load_default=0, validate=validate.Range(min=0, max=MAX_FEN),
                              metadata={"description": "Purchase cost in fen."})
    genuine = Flag(load_default=True,
                             metadata={"description": "Genuine (原厂件); false for aftermarket (副厂件)."})
    bin_location = Text(load_default="", max_length=20)
    reorder_level = WholeNumber(load_default=0,
                                   validate=validate.Range(min=0, max=MAX_QUANTITY),
                                   metadata={"description": THOUSANDTHS})
    active = Flag(load_default=True)


class PartOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    part_number = fields.String()
    name = fields.String()
    unit = fields.String()
    price_fen = fields.Integer(metadata={"description": "Retail price to the owner in fen, VAT included."})
    cost_fen = fields.Integer(allow_none=True, metadata={"description": COST_OUT})
    genuine = Flag()
    bin_location = fields.String()
    on_hand = fields.Integer(metadata={"description": "On the shelf. " + THOUSANDTHS})
    reserved = fields.Integer(metadata={"description": "Held for approved jobs, not yet issued. "
                                                       + THOUSANDTHS})
    available = fields.Integer(metadata={"description": "on_hand - reserved; below zero is a shortage. "
                                                        + THOUSANDTHS})
    reorder_level = fields.Integer(metadata={"description": THOUSANDTHS})
    active = Flag()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReceiptInSchema(Schema):
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY),
                              metadata={"description": THOUSANDTHS, "example": 12000})
    unit_cost_fen = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_FEN),
                                   metadata={"description": "Purchase cost of one unit in fen.",
                                             "example": 4150})
    reference = Text(required=True, column=StockMove.reference, min_length=1,
                              metadata={"description": "The maker's delivery note number.",
                                        "example": "DN2026112301"})


class LineMoveInSchema(Schema):
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY),
                              metadata={"description": THOUSANDTHS, "example": 4000})


class StockMoveOutSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    part_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(MOVE_KINDS))
    quantity = fields.Integer(metadata={"description": "Signed change of on_hand. " + THOUSANDTHS})
    on_hand_after = fields.Integer(metadata={"description": THOUSANDTHS})
    unit_cost_fen = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    line_id = fields.Integer(allow_none=True)
    reference = fields.String()
    reason = fields.String()
    actor_name = fields.String()
    created_at = fields.DateTime()


class SearchArgsSchema(Schema):
    q = Text(load_default="", max_length=100, metadata={
        "description": "The start of a part number, or of (or a word in) a part's name."})
    page = WholeNumber(in_query=True, load_default=1, minimum=1)
    per_page = WholeNumber(in_query=True, load_default=50, minimum=1, maximum=200)
