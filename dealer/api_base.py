"""Conventions of the JSON API under /api/v1: blueprints, the OpenAPI document and the one error shape.

Errors always come as {"error": {"code", "message", "fields"}} (dealer.responses builds them; `fields` maps
a field, nested ones by dotted path like `payments.0.amount_fen`, to its messages); money is integer fen;
authentication is a bearer token (dealer.access). Every error an operation can answer is in the document
with that one schema: `ApiBlueprint` adds them to each route from what the route declares.
"""
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from webargs import core
from webargs.flaskparser import FlaskParser, abort

from dealer.access import PUBLIC, view_access


class ApiErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"example": "customers.mobile_taken"})
    message = fields.String(required=True, metadata={"description": "For people, in the user's language."})
    fields = fields.Dict(
        required=True, keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "The messages of each invalid field; a nested field by its dotted path "
                                 "(`payments.0.amount_fen`). Empty when no field is to blame.",
                  "example": {"payments.0.amount_fen": ["Must be greater than or equal to 1."]}})


class ApiErrorSchema(Schema):
    error = fields.Nested(ApiErrorDetailSchema, required=True)


ERROR_DESCRIPTIONS = {
    400: "The body is missing, or not JSON (Content-Type: application/json).",
    401: "A valid bearer token is required.",
    403: "The token's user lacks the role.",
    404: "Not found, or in another store.",
    409: "A business rule refused the request.",
    413: "The body is larger than the server accepts.",
    422: "Invalid input: see error.fields.",
    429: "Too many attempts: wait the seconds Retry-After says.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer", "minimum": 0}}}
# Where webargs reads a request body from (a body can be malformed or too large).
_BODY_LOCATIONS = frozenset({"json", "form", "files"})


class JsonBodyParser(FlaskParser):
    """webargs' parser, except that a route taking a JSON body refuses a request without one.

    webargs reads a missing body, or one sent as another type, as no fields at all, so a route whose fields
    are all optional accepted it although the document says the body is required (every route's is).
    """

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is core.missing:
            abort(400, messages={"json": ["A JSON body is required."]})
        return data


class DealerApi(Api):
    """The app's flask-smorest Api: every error response it documents is an ApiError, none left generic."""

    ERROR_SCHEMA = ApiErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # no catch-all "default": each operation lists the statuses it answers


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint that documents the error responses of every route.

    A route behind roles answers 401, 403, 404, 409 and 422; one that reads a body also 400 (not JSON) and
    413 (too large). A public route documents its own errors with `error_response` (it has no token to
    refuse); one with arguments still gets 422, and 400/413 when it reads a body.
    """

    ARGUMENTS_PARSER = JsonBodyParser()

    def arguments(self, schema, *, location="json", required=True, **options):
        if location in _BODY_LOCATIONS and not required:
            raise ValueError("an API route's body is required: JsonBodyParser refuses a request without one")
        return super().arguments(schema, location=location, required=required, **options)

    def route(self, rule, **options):
        register = super().route(rule, **options)

        def wrapper(view):
            return register(self._document_errors(view))

        return wrapper

    def error_response(self, status: int, description: str | None = None, **options):
        """Document that the decorated route answers `status` with the error shape."""
        return self.alt_response(status, description=description or ERROR_DESCRIPTIONS[status],
                                 schema=ApiErrorSchema, **options)

    def _document_errors(self, view):
        doc = getattr(view, "_apidoc", {})
        parameters = doc.get("arguments", {}).get("parameters", [])
        statuses = set()
        if view_access(view) != PUBLIC:
            statuses |= {401, 403, 404, 409, 422}
        if parameters:
            statuses.add(422)
        if any(parameter.get("in") in _BODY_LOCATIONS for parameter in parameters):
            statuses |= {400, 413}
        documented = doc.get("response", {}).get("responses", {})
        for status in sorted(statuses - set(documented)):
            view = self.error_response(status)(view)
        return view
