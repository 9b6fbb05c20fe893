"""Staff sign-in, accounts and roles, personal API tokens."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from dealer.auth import views  # noqa: E402,F401
