"""What differs between the two databases we run on, asked in one place.

SQLite is the embedded default, PostgreSQL production. Code that must say something one way on one and
another way on the other asks here, never `dialect.name` itself.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from dealer.extensions import db


def is_postgresql() -> bool:
    """Tell whether the session's database is PostgreSQL (else SQLite)."""
    return db.session.get_bind().dialect.name == "postgresql"


def upsert(table):
    """Return this database's INSERT with ON CONFLICT (`.on_conflict_do_nothing()`, `_do_update()`).

    SQLAlchemy 2 reports the row count of an INSERT only when asked (`preserve_rowcount`); without it
    psycopg gives -1, so the statement asks for it.
    """
    insert = postgresql.insert(table) if is_postgresql() else sqlite.insert(table)
    return insert.execution_options(preserve_rowcount=True)


class json_object(GenericFunction):  # noqa: N801 (a SQL function's name)
    """A JSON object built in SQL from key, value pairs: `json_object("name", Customer.name, ...)`."""

    type = sa.JSON()
    inherit_cache = True


@compiles(json_object, "postgresql")
def _json_object_postgresql(element, compiler, **kw):
    return "json_build_object(%s)" % compiler.process(element.clauses, **kw)


@compiles(json_object, "sqlite")
def _json_object_sqlite(element, compiler, **kw):
    return "json_object(%s)" % compiler.process(element.clauses, **kw)


class seconds_between(GenericFunction):  # noqa: N801 (a SQL function's name)
    """Seconds from the second moment to the first (`later - earlier`), a float on both databases."""

    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
