"""Online booking (网上预约): slots counted in labor minutes, holds, SMS-verified bookings, check-in."""
from flask import Blueprint

bp = Blueprint("booking", __name__, url_prefix="/booking")
