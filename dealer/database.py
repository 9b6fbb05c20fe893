"""Database helpers shared by every module: UTC timestamps, store scoping, prefix search, row locks."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from dealer.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite keeps no zone; PostgreSQL's timestamptz does)."""

    impl = sa.DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True):
        super().__init__(timezone=True)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Search keys compare byte-wise (collation "C" on PostgreSQL, BINARY on SQLite), so a prefix
# is a plain index range scan on both databases.
SearchKey = sa.String(40).with_variant(sa.String(40, collation="C"), "postgresql")

# Greater than any character that can follow a prefix.
_MAX_CHAR = "\U0010ffff"


def store_join(parent: str, child: str, key: str) -> str:
    """A relationship's join from `parent` to its `child` rows (child.key -> parent.id) that names the store too.

    Every index leads with store_id, so a child loaded by its parent's id alone scans the index rather than
    seeking it (and would ask every shard once the tables are sharded by store). With the store in the join,
    every load carries it: selectinload joins the parent (`... JOIN child ON parent.id = child.key AND
    parent.store_id = child.store_id WHERE parent.id IN (...)`), joinedload and lazy loads bind it. Only the key
    is foreign: writes set child.store_id themselves, so two relationships never both copy it.
    """
    return f"and_({parent}.id == foreign({child}.{key}), {parent}.store_id == {child}.store_id)"


def paginate_capped(stmt, counted, *, page: int, per_page: int, cap: int = 10_000):
    """A page of `stmt` whose total counts `counted` (the same rows, one column, no order) only so far.

    Counting a group's million orders to say "page 1 of 20,000" costs more than the page (62 ms at the
    benchmark's size): the total stops at `cap` rows past the page asked for, and `pagination.capped` says
    there are more. The statement's own rows are read as db.paginate reads them.
    """
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    enough = max(cap, pagination.page * per_page + 1)  # past the page, so its "next" is known
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted.order_by(None).limit(enough + 1).subquery()))
    pagination.total = min(total, enough)
    pagination.capped = total > enough
    return pagination


def prefix_range(column, prefix: str):
    """Return a condition matching values that start with `prefix`, usable by a b-tree index."""
    return sa.and_(column >= prefix, column < prefix + _MAX_CHAR)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


READ_APART = "dealer_read_apart"  # the execution option of read_apart's connection (app._configure_sqlite)


def read_apart(stmt) -> list:
    """The rows of a read done on a connection of its own, outside the session's transaction; committed data.

    On SQLite this read starts deferred whatever the request's method: it neither waits for the database's
    write lock nor holds it. For slow work that needs a row before it writes (a password's hash is checked
    for about 0.1 s), so every other writer does not wait for that work.
    """
    with db.engine.connect().execution_options(**{READ_APART: True}) as connection:
        return connection.execute(stmt).all()


def get_for_update(model, ident, *, options=(), read: bool = False, **filters):
    """Load one row and lock it until the transaction ends (SELECT ... FOR UPDATE on PostgreSQL; FOR SHARE
    with `read`).

    SQLite locks the whole database on the first write instead, which is enough there. `options` are the
    loader options of what the caller reads (relationships never load lazily): populate_existing resets an
    object's relationships, so what is refreshed must be loaded again with it. With options the row is
    locked first (its id alone), then read after the lock with them: the lock never reaches the rows the
    eager loads bring along (PostgreSQL refuses FOR UPDATE beside an outer join).
    """
    if options:
        locked = db.session.scalar(sa.select(model.id).filter_by(id=ident, **filters).with_for_update(read=read))
        if locked is None:
            return None
        stmt = sa.select(model).where(model.id == locked).options(*options)
    else:
        stmt = sa.select(model).filter_by(id=ident, **filters).with_for_update(read=read)
    # populate_existing: an object already in the session is refreshed from the locked row, not reused stale.
    return db.session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


def refresh_for_update(obj) -> None:
    """Lock an object's row until the transaction ends, then read it again after the lock.

    The lock takes the row's id alone and the refresh follows without it, so the refresh may bring the
    object's eager loads (a FOR UPDATE beside their outer joins is refused by PostgreSQL).
    """
    model = type(obj)
    db.session.execute(sa.select(model.id).where(model.id == obj.id).with_for_update())
    db.session.refresh(obj)


def unique_violation(error: sa.exc.IntegrityError, table: str, *columns: str) -> bool:
    """Tell whether `error` is a violation of the unique key on `table` over `columns`.

    The key must be named by the naming convention (uq_<table>_<col>_<col>).
    """
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # PostgreSQL
        diag = getattr(orig, "diag", None)
        return sqlstate == "23505" and getattr(diag, "constraint_name", None) == (
            "uq_%s_%s" % (table, "_".join(columns)))
    listed = ", ".join("%s.%s" % (table, column) for column in columns)
    return "UNIQUE constraint failed: " + listed in str(orig)


def sections(*selects):
    """Several grouped SELECTs as one statement (one round trip: in this stack a statement's fixed cost, about
    half a millisecond of driver and ORM, is often more than its SQL): their rows under UNION ALL, each led by its
    section's number (0, 1, ...) and padded with NULLs to the widest. The padding is typed (double precision),
    since PostgreSQL resolves a union's column types pair by pair, and a column of two untyped NULLs would be text;
    the sections' numbers therefore come back as ints, but their figures may come back as floats."""
    width = max(len(select.selected_columns) for select in selects)
    return sa.union_all(*(
        select.with_only_columns(sa.literal(number), *select.selected_columns,
                                 *(sa.cast(sa.null(), sa.Double()) for _ in range(width - len(select.selected_columns))),
                                 maintain_column_froms=True)
        for number, select in enumerate(selects)))
