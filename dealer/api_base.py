"""Conventions of the JSON API under /api/v1: blueprints and the one error shape.

Errors always come as {"error": {"code", "message", "fields"}} (dealer.errors makes them); money is
integer fen; authentication is a bearer token (dealer.access).
"""
from flask_smorest import Blueprint
from marshmallow import Schema, fields


class ApiErrorDetailSchema(Schema):
    code = fields.String(metadata={"example": "customers.mobile_taken"})
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ApiErrorSchema(Schema):
    error = fields.Nested(ApiErrorDetailSchema)


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint that documents our error responses on every route."""

    def route(self, rule, **options):
        register = super().route(rule, **options)

        def wrapper(view):
            for status, description in ((401, "A valid bearer token is required."),
                                        (403, "The token's user lacks the role."),
                                        (404, "Not found, or in another store."),
                                        (409, "A business rule refused the request."),
                                        (422, "Invalid input: see error.fields.")):
                view = self.alt_response(status, description=description, schema=ApiErrorSchema)(view)
            return register(view)

        return wrapper
