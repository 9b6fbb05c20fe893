"""Repair orders (维修工单): jobs billed as labor plus parts, approvals, the workshop, settlement."""
from flask import Blueprint

bp = Blueprint("repair", __name__, url_prefix="/repair")
