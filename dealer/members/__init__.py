"""Membership (会员制度): tiers, points (积分) and the stored-value card (储值卡)."""
from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")
