"""SMS (短信): the outbox, the gateway and the provider's callbacks."""
from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")

