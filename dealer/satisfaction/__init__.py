"""Customer satisfaction (客户满意): follow-ups (回访), feedback forms, complaints (投诉), the month's assessment."""
from flask import Blueprint

bp = Blueprint("satisfaction", __name__, url_prefix="/satisfaction")
# The owner's feedback form, opened from the SMS link: no sign-in, a short address.
public_bp = Blueprint("feedback", __name__, url_prefix="/f")
