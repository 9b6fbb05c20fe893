"""Reminders (定期提醒): what is due, and when to say it."""
from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

