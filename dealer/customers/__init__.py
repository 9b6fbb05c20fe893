"""Customer files (客户档案) and vehicles (车辆), and the front-desk search."""
from flask import Blueprint

bp = Blueprint("customers", __name__)

