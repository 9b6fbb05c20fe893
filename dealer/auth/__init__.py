"""Staff sign-in, accounts and roles, personal API tokens."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

