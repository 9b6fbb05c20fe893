"""The stack's ceiling: the smallest page this stack can serve, on the same database and gunicorn settings.

Flask, Flask-SQLAlchemy and Jinja as the app uses them, doing the least a real page does: one query by
primary key on an indexed table of the benchmark's database (a vehicle), rendered with a small template.
No session, no access check, no CSRF, no Babel: what is left is routing, the pool, one round trip and a
template. Served by gunicorn exactly as the app (`gunicorn --workers 4 bench.ceiling:app`); the HTTP
benchmark reports every page as a share of this page's requests per second, measured in the same run.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Vehicle(db.Model):
    """The columns of the app's `vehicles` table the page shows (the table is the app's, not created here)."""

    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int]
    plate: Mapped[str]
    model: Mapped[str]
    colour: Mapped[str]


def create_app() -> Flask:
    app = Flask(__name__, template_folder="templates")
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    db.init_app(app)

    @app.get("/vehicles/<int:vehicle_id>")
    def vehicle(vehicle_id: int):
        row = db.session.execute(sa.select(Vehicle.id, Vehicle.plate, Vehicle.model, Vehicle.colour)
                                 .where(Vehicle.id == vehicle_id)).one_or_none()
        if row is None:
            abort(404)
        return render_template("ceiling.html", vehicle=row)

    return app


app = create_app()
