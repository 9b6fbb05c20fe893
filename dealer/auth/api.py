"""/api/v1/auth: exchange a username and password for a bearer token; manage one's tokens."""
from flask import current_app
from flask_limiter.util import get_remote_address
from marshmallow import Schema, fields

from dealer.access import current_actor, public, roles_required
from dealer.actors import ALL_STAFF
from dealer.api_base import RETRY_AFTER, ApiBlueprint
from dealer.auth import services
from dealer.auth.models import ApiToken, User
from dealer.database import utcnow
from dealer.inputs import Text
from dealer.responses import json_error

blp = ApiBlueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="Bearer tokens.")


class TokenRequest(Schema):
    username = Text(required=True, column=User.username)
    password = Text(required=True, max_length=200, load_only=True)
    name = Text(load_default="API", column=ApiToken.name, min_length=1,
                metadata={"description": "What the token is for."})


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class NewToken(TokenOut):
    token = fields.String(metadata={"description": "The secret: shown once, send as 'Authorization: Bearer ...'."})


@blp.route("/token", methods=["POST"])
@public
@blp.doc(security=[])  # the one operation that needs no bearer token: it hands one out
@blp.arguments(TokenRequest)
@blp.response(201, NewToken)
@blp.error_response(401, "Wrong username or password, or a disabled account.")
@blp.error_response(429, headers=RETRY_AFTER)
def create_token(data):
    """Return a new personal token for valid staff credentials.

    Wrong passwords count towards the same lockout as the sign-in form's (per account, per address and
    account, per address); a locked account gets 429 with Retry-After, even with its right password.
    """
    try:
        user = services.authenticate(data["username"], data["password"], address=get_remote_address(),
                                     now=utcnow())
    except services.TooManyAttempts as error:
        response = json_error(error.code, error.message, error.status)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    token, secret = services.create_api_token(actor=user.as_actor(), name=data["name"], now=utcnow())
    current_app.logger.info("api token %s created for %s", token.prefix, user.username)
    return {**{k: getattr(token, k) for k in ("id", "name", "prefix", "expires_at", "revoked_at", "created_at")},
            "token": secret}


@blp.route("/tokens", methods=["GET"])
@roles_required(*ALL_STAFF)
@blp.response(200, TokenOut(many=True))
def list_tokens():
    """List the caller's own tokens."""
    return services.list_api_tokens(actor=current_actor())


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@roles_required(*ALL_STAFF)
@blp.response(200, TokenOut)
def revoke_token(token_id):
    """Revoke one of the caller's tokens."""
    return services.revoke_api_token(token_id, actor=current_actor(), now=utcnow())
