"""API schemas of membership (they make the OpenAPI document)."""
from marshmallow import Schema, fields, validate

from dealer.inputs import Flag, Id, Text, WholeNumber
from dealer.members.models import TOP_UP_METHODS

FEN = "Integer fen (1 yuan = 100)."


class JoinInSchema(Schema):
    customer_id = Id(required=True, metadata={"description": "The customer file that joins."})


class TierOut(Schema):
    id = fields.Integer()
    name = fields.String()
    rank = fields.Integer()
    labor_discount_bp = fields.Integer(metadata={"description": "Basis points: 1000 = 10%."})
    parts_discount_bp = fields.Integer(metadata={"description": "Basis points."})
    points_rate_bp = fields.Integer(metadata={"description": "Points per yuan paid, in basis points (10000 = 1)."})
    free_items_per_year = fields.Integer()
    priority_booking = Flag()
    qualifying_spend_fen = fields.Integer(metadata={"description": "Over the last 12 months. " + FEN})


class PointsEntryOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "earn, redeem, expire, reverse, adjust or clawback."})
    points = fields.Integer()
    balance_after = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()


class CardEntryOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "top_up, pay, refund or pay_reversed."})
    paid_fen = fields.Integer(metadata={"description": "Paid value moved (signed). " + FEN})
    bonus_fen = fields.Integer(metadata={"description": "Bonus value moved (signed). " + FEN})
    paid_after_fen = fields.Integer()
    bonus_after_fen = fields.Integer()
    method = fields.String()
    reference = fields.String()
    order_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class MemberOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    customer_id = fields.Integer()
    number = fields.String(metadata={"description": "Unique in the whole dealer group."})
    joined_on = fields.Date()
    tier = fields.Nested(TierOut, metadata={"description": "The tier that applies today (an override while it runs)."})
    earned_tier_id = fields.Integer()
    override_until = fields.Date(allow_none=True)
    override_reason = fields.String()
    points_balance = fields.Integer()
    card_paid_fen = fields.Integer(metadata={"description": "Paid value on the card (refundable). " + FEN})
    card_bonus_fen = fields.Integer(metadata={"description": "Bonus value on the card. " + FEN})
    card_balance_fen = fields.Integer(metadata={"description": FEN})
    free_items_left = fields.Integer()
    points_ledger = fields.List(fields.Nested(PointsEntryOut), metadata={"description": "Newest first (200)."})
    card_ledger = fields.List(fields.Nested(CardEntryOut), metadata={"description": "Newest first (200)."})


class TopUpInSchema(Schema):
    paid_fen = WholeNumber(required=True, validate=validate.Range(min=1, max=10_000_000_00), metadata={
        "description": "What the owner paid onto the card (refundable). " + FEN})
    bonus_fen = WholeNumber(load_default=0, validate=validate.Range(min=0, max=10_000_000_00), metadata={
        "description": "The bonus given on top (never refunded). " + FEN})
    method = fields.String(required=True, validate=validate.OneOf(TOP_UP_METHODS))
    reference = Text(load_default="", max_length=60, metadata={
        "description": "Slip or transaction number; required unless the method is cash."})


class RefundInSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(TOP_UP_METHODS), metadata={
        "description": "How the paid value left is handed back (the bonus left is forfeited)."})
    reference = Text(load_default="", max_length=60, metadata={
        "description": "Slip or transaction number; required unless the method is cash."})


class GroupOut(Schema):
    owners = fields.Integer()
    came = fields.Integer(metadata={"description": "Owners with a paid visit within the campaign's days."})
    revenue_fen = fields.Integer(metadata={"description": "Customer-paid revenue in the campaign's days. " + FEN})


class IntervalOut(Schema):
    difference = fields.Float(metadata={"description": "Invited minus held out."})
    low = fields.Float(metadata={"description": "The 95% interval's lower end (normal approximation)."})
    high = fields.Float()


class CampaignOut(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    name = fields.String()
    season = fields.String(metadata={"description": "spring, autumn or other."})
    starts_on = fields.Date()
    ends_on = fields.Date()
    state = fields.String(metadata={"description": "draft or launched."})
    members_only = Flag()
    tier_ranks = fields.List(fields.Integer())
    model_families = fields.List(fields.String())
    min_vehicle_age = fields.Integer(allow_none=True)
    max_vehicle_age = fields.Integer(allow_none=True)
    not_seen_months = fields.Integer(allow_none=True, metadata={"description": "Not seen for at least these months."})
    seen_within_months = fields.Integer(allow_none=True, metadata={
        "description": "... but seen within these months (the owners at risk)."})
    maintenance_due = Flag()
    declined_within_months = fields.Integer(allow_none=True, metadata={
        "description": "Owners who declined recommended work on an order opened within these months."})
    labor_discount_bp = fields.Integer(metadata={"description": "Basis points: 1000 = 10%."})
    parts_discount_bp = fields.Integer(metadata={"description": "Basis points."})
    offer = fields.String()
    offer_items = fields.List(fields.String(), metadata={
        "description": "The percentages apply to these operation codes and part numbers only (with offer_categories)."})
    offer_categories = fields.List(fields.String(), metadata={"description": "... and to these labor categories."})
    free_operations = fields.List(fields.String(), metadata={
        "description": "The free check package: labor operation codes an invited owner gets free, once per car."})
    gift_name = fields.String(metadata={"description": "A gift handed over once per invited owner ('' for none)."})
    gift_stock = fields.Integer(metadata={"description": "How many gifts the campaign has to hand over."})
    gifts_given = fields.Integer(metadata={"description": "Gifts handed over so far."})
    group_campaign_id = fields.Integer(allow_none=True, metadata={
        "description": "The group's campaign over several stores this store's campaign is part of."})
    holdout_bp = fields.Integer(metadata={"description": "The share held out as the control group, basis points."})
    seed = fields.Integer(metadata={"description": "The seed of the holdout draw (0 until launched)."})
    launched_at = fields.DateTime(allow_none=True)
    matched = fields.Integer()
    no_consent = fields.Integer()
    capped = fields.Integer()
    invited = fields.Integer()
    held_out = fields.Integer()


class CampaignResultsOut(Schema):
    invited = fields.Nested(GroupOut)
    held_out = fields.Nested(GroupOut)
    visit_uplift = fields.Nested(IntervalOut, allow_none=True, metadata={
        "description": "The response rate's uplift (a proportion); null while a group is empty."})
    revenue_uplift = fields.Nested(IntervalOut, allow_none=True, metadata={
        "description": "The mean revenue per owner's uplift, in fen; null while a group is empty."})
    discounts_fen = fields.Integer(metadata={"description": "Campaign discounts given to the target. " + FEN})
    gifts_given = fields.Integer(metadata={"description": "The campaign's gifts handed over."})


class CampaignDetailOut(CampaignOut):
    results = fields.Nested(CampaignResultsOut, allow_none=True, metadata={"description": "null for a draft."})


class CampaignListOut(Schema):
    items = fields.List(fields.Nested(CampaignOut))


class GiftInSchema(Schema):
    customer_id = Id(required=True, metadata={"description": "The invited owner who gets the gift."})
    order_number = Text(load_default="", max_length=20, metadata={
        "description": "The owner's order the gift goes with; empty for a visit without an order."})
    note = Text(load_default="", max_length=200)


class GiftOut(Schema):
    campaign_id = fields.Integer()
    customer_id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    note = fields.String()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Who handed it over."})
    given_at = fields.DateTime()


class GroupStoreOut(Schema):
    store_code = fields.String()
    campaign = fields.Nested(CampaignOut, metadata={"description": "The store's campaign (its own target and holdout)."})
    results = fields.Nested(CampaignResultsOut, allow_none=True, metadata={"description": "null for a draft."})


class GroupLastYearOut(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    results = fields.Nested(CampaignResultsOut)


class GroupCampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    season = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    state = fields.String(metadata={"description": "draft or launched."})
    seed = fields.Integer(metadata={"description": "The group's seed; each store's draw is seeded from it."})
    launched_at = fields.DateTime(allow_none=True)
    stores = fields.List(fields.Nested(GroupStoreOut))
    results = fields.Nested(CampaignResultsOut, allow_none=True, metadata={
        "description": "The stores together (figures added; the uplift each store's weighted by its invited owners); "
                       "null for a draft."})
    last_year = fields.Nested(GroupLastYearOut, allow_none=True, metadata={
        "description": "The group's launched campaign of the same season (spring, autumn) last year, its stores "
                       "together; null when there is none or for a draft."})
