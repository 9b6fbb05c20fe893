"""Parts (配件): the catalogue of OEM and aftermarket parts, stock per store, and the stock ledger."""
from flask import Blueprint

bp = Blueprint("parts", __name__, url_prefix="/parts")
