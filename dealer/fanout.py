"""Store by store, side by side: the stores of a group are independent, so their set work spreads over threads."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask import current_app

from dealer.extensions import db


def in_app_threads(function, items: list, *, workers: int) -> list:
    """Return [function(item) for item in items], run by up to `workers` threads, each in its own app context.

    Each thread has its own session and connection: the stores of a group are independent, and their
    nightly work spreads over the database server's cores. With one worker (or one item) it runs here.
    """
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    app = current_app._get_current_object()

    def run(item):
        with app.app_context():
            try:
                return function(item)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, items))


def stores_side_by_side(store_ids: sa.Select, function, *, workers: int) -> list:
    """Run `function(store_id)` for each store id `store_ids` selects, up to `workers` at a time.

    The caller's transaction ends first: each thread has its own.
    """
    ids = list(db.session.scalars(store_ids))
    db.session.commit()
    return in_app_threads(function, ids, workers=workers)


def add_counts(total: dict[str, int], part: dict[str, int]) -> None:
    """Add `part`'s counts into `total`, key by key."""
    for key, count in part.items():
        total[key] = total.get(key, 0) + count
