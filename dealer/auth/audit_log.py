"""How the auth module's audit entries read (dealer.audit.events): accounts, roles, passwords, API tokens."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dealer.actors import ROLE_LABELS
from dealer.audit import events
from dealer.auth.forms import UserForm
from dealer.auth.models import ApiToken, User

FIELDS = events.form_labels(UserForm, store_id=_l("Store"))


def _roles(roles) -> str:
    return _(", ").join(str(ROLE_LABELS.get(role, role)) for role in roles or ())


events.record_kind("users", _l("Staff account"), endpoint="auth.edit_user", arg="user_id",
                   names=events.names_of(User.id, User.full_name, User.username))
events.record_kind("api_tokens", _l("API token"), names=events.names_of(ApiToken.id, ApiToken.name))

events.sentence("password_changed", _l("Changed the password"))
events.sentence("user_created", _l("Opened the account %(username)s with the roles %(roles)s"),
                lambda c: {"username": c["username"], "roles": _roles(c.get("roles"))})
events.sentence("user_updated", _l("Changed the account: %(fields)s"),
                lambda c: {"fields": events.field_names(c, FIELDS)})
events.sentence("api_token_created", _l("Created the API token %(name)s"), lambda c: {"name": c["name"]})
events.sentence("api_token_revoked", _l("Revoked the API token"))
