"""The quick-service lane (快修区): express packages, a computed promise, stages and boards."""
from flask import Blueprint

bp = Blueprint("quicklane", __name__, url_prefix="/quick-lane")
