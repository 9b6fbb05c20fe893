"""API schemas of the quick lane's third slice: extra work (增项), closing the day (日结) and the figures (快修指标).

(The first slice's schemas, packages, orders, stages and the board, sit in api.py beside their routes.)
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from dealer.inputs import Id, Text, WholeNumber
from dealer.quicklane.models import ITEM_KINDS, STAGES
from dealer.quicklane.services.extra import CONSENT_METHODS
from dealer.repair.models import JOB_APPROVALS


class StoreMonthArgs(Schema):
    store_id = Id(in_query=True, load_default=None, metadata={
        "description": "The store (group-level tokens); a store's staff need not give it."})
    month = Text(max_length=7, load_default=None, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"), metadata={
        "description": "YYYY-MM, the store's calendar month (default: the current one)."})


class GroupMonthArgs(Schema):
    month = Text(max_length=7, load_default=None, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"), metadata={
        "description": "YYYY-MM, each store's calendar month (default: the current one)."})


class ExtraIn(Schema):
    """Extra work found in the bay: what, one part (with its quantity) or labor operation, the minutes it adds."""

    concern = Text(required=True, min_length=1, max_length=200)
    minutes = WholeNumber(required=True, validate=validate.Range(min=1, max=480), metadata={
        "description": "The minutes it adds in the bay."})
    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS))
    part_id = Id(allow_none=True, load_default=None, metadata={"description": "With kind parts."})
    quantity = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=1, max=1_000_000),
                           metadata={"description": "Thousandths of the part's unit (with kind parts)."})
    operation_id = Id(allow_none=True, load_default=None, metadata={"description": "With kind labor."})
    hours = WholeNumber(allow_none=True, load_default=None, validate=validate.Range(min=1, max=10_000), metadata={
        "description": "Hundredths of an hour (with kind labor; default: the catalogue's)."})


class ConsentIn(Schema):
    """The owner's answer: approved (who consented and how) or declined (why, if they said)."""

    approved = fields.Boolean(required=True)
    method = fields.String(load_default=CONSENT_METHODS[0], validate=validate.OneOf(CONSENT_METHODS), metadata={
        "description": "in_person (当面) or phone (电话, with the number called)."})
    approver_name = Text(load_default="", max_length=60)
    phone = Text(load_default="", max_length=20)
    reason = Text(load_default="", max_length=200)


class PendingExtraOut(Schema):
    job_id = fields.Integer()
    concern = fields.String()
    price_fen = fields.Integer(metadata={"description": "What the owner pays for it (after any member discount)."})
    minutes = fields.Integer(metadata={"description": "The minutes it adds in the bay."})
    new_estimate_at = fields.DateTime(allow_none=True, metadata={"description": "None: nobody on shift."})
    new_promised_at = fields.DateTime(allow_none=True, metadata={
        "description": "The new ready time the owner is shown (the estimate rounded up to 5 minutes)."})


class ExtraItemOut(Schema):
    job_id = fields.Integer()
    concern = fields.String()
    approval = fields.String(metadata={"enum": list(JOB_APPROVALS)})
    price_fen = fields.Integer()
    minutes = fields.Integer(allow_none=True, metadata={
        "description": "Its time impact: the minutes it adds in the bay, stored when the lane proposed it (None: "
                       "added on the repair order's page)."})


class ExtraOut(Schema):
    lane_id = fields.Integer()
    stage = fields.String(metadata={"enum": list(STAGES)})
    version = fields.Integer()
    promised_at = fields.DateTime()
    new_promised_at = fields.DateTime(allow_none=True, metadata={
        "description": "The promise recorded with the owner's consent when the car left the lane."})
    pending = fields.Nested(PendingExtraOut, allow_none=True, metadata={
        "description": "The extra work waiting for the owner's answer, with its time impact."})
    items = fields.List(fields.Nested(ExtraItemOut), metadata={"description": "Every piece of extra work."})


class DayActionIn(Schema):
    version = WholeNumber(required=True, validate=validate.Range(min=1), metadata={
        "description": "The car's version as last read."})
    reason = Text(load_default="", max_length=200, metadata={"description": "Required to close a car."})


class DayCarOut(Schema):
    id = fields.Integer()
    plate = fields.String()
    key_tag = fields.String()
    package_name = fields.String()
    stage = fields.String(metadata={"enum": list(STAGES)})
    version = fields.Integer()
    key_at = fields.DateTime()
    promised_at = fields.DateTime()
    carried_over_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    close_reason = fields.String()


class DayOut(Schema):
    store_id = fields.Integer()
    day = fields.Date(metadata={"description": "The store's local day."})
    closed = fields.Boolean(metadata={"description": "Every car still in the lane was carried over today."})
    cars = fields.List(fields.Nested(DayCarOut), metadata={"description": "The cars still in the lane."})


class FigureRowOut(Schema):
    label = fields.String()
    cars = fields.Integer()
    median_minutes = fields.Integer(allow_none=True, metadata={"description": "Key hand-over to ready."})
    p90_minutes = fields.Integer(allow_none=True, metadata={"description": "90th percentile, nearest rank."})
    kept_pct = fields.Integer(allow_none=True, metadata={"description": "Promises kept, per cent."})
    late = fields.Integer()
    warned_minutes = fields.Integer(allow_none=True, metadata={
        "description": "Median minutes the at-risk flag rose before a broken promise."})


class ExtraMinutesOut(Schema):
    approved = fields.Integer(metadata={"description": "Pieces the owner approved."})
    approved_minutes = fields.Integer()
    declined = fields.Integer()
    declined_minutes = fields.Integer()
    pending = fields.Integer(metadata={"description": "Still waiting for the owner's answer."})
    pending_minutes = fields.Integer()


class FiguresOut(Schema):
    store_id = fields.Integer(attribute="store.id")
    month = fields.String()
    total = fields.Nested(FigureRowOut)
    by_day = fields.List(fields.Nested(FigureRowOut))
    by_package = fields.List(fields.Nested(FigureRowOut))
    by_technician = fields.List(fields.Nested(FigureRowOut))
    by_advisor = fields.List(fields.Nested(FigureRowOut))
    extra = fields.Nested(ExtraMinutesOut, metadata={
        "description": "Extra work found in the bay in the month (by the day it was proposed), by the owner's answer."})


class StoreFiguresOut(Schema):
    store_id = fields.Integer(attribute="store.id")
    store_code = fields.String(attribute="store.code")
    store_name = fields.String(attribute="store.name")
    rank = fields.Integer()
    figures = fields.Nested(FigureRowOut, attribute="row")


class GroupFiguresOut(Schema):
    month = fields.String()
    stores = fields.List(fields.Nested(StoreFiguresOut), metadata={"description": "Ranked by promises kept."})
