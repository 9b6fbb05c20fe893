"""24-hour roadside rescue (24小时救援): intake, responders, dispatch, the crew's page, tow-in to repair."""
from flask import Blueprint

bp = Blueprint("rescue", __name__, url_prefix="/rescue")
