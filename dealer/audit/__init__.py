"""Audit log (审计日志): who changed money, stock, roles and deletions, and when."""
from flask import Blueprint

from dealer.audit.services import diff, record  # noqa: F401  (the module's public interface)

bp = Blueprint("audit", __name__, url_prefix="/audit")

