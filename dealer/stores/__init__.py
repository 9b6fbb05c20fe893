"""Stores (门店) of the dealer group and their partner second-tier stations (二级维修站)."""
from flask import Blueprint

bp = Blueprint("stores", __name__, url_prefix="/stores")

