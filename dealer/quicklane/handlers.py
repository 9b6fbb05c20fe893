"""How the quick lane plugs into repair orders and the home page (connected when the app is built).

- `expand_package`: a quick-lane order opening (repair.signals.order_opened) gets its package's parts and
  labor as ordinary lines of its first job, in the opening's transaction, and the owner's agreement to the
  package price at the desk approves the estimate (`steps.agree_package`).
- `package_discount`: the pricing discount rule that keeps the package price as the owner's total for those
  lines; the difference shows on each line as the "package" discount.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm.util import identity_key

from dealer.actors import MANAGER
from dealer.auth import signals as auth_signals
from dealer.extensions import db
from dealer.quicklane import queries
from dealer.quicklane.models import PARTS, ExpressPackage, LaneOrder
from dealer.quicklane.services.packages import PACKAGE_LOADS
from dealer.quicklane.services.reminders import reminder_of
from dealer.quicklane.services.steps import agree_package
from dealer.repair import pricing
from dealer.repair import services as repair
from dealer.repair import signals as repair_signals
from dealer.repair.models import QUICK_LANE, RepairLine, RepairOrder
from dealer.signals import Panel
from dealer.stores.models import Store
from dealer.timezones import store_zone

PACKAGE = "package"


@repair_signals.order_opened.connect
def expand_package(order, *, actor, now, **_):
    """Put the package's parts and labor on the quick-lane order's first job, and price it."""
    if order.source_kind != QUICK_LANE:
        return
    lane = db.session.get(LaneOrder, order.source_ref)  # added by open_lane_order in this transaction
    if lane is None or lane.store_id != order.store_id or lane.repair_order_id is not None:
        return  # not a lane order being opened here: nothing of the lane's to add
    package = db.session.scalars(sa.select(ExpressPackage).where(
        ExpressPackage.store_id == order.store_id, ExpressPackage.id == lane.package_id)
        .options(*PACKAGE_LOADS)).one()
    job = order.jobs[0]
    lane.repair_order_id, lane.package_job_id = order.id, job.id
    for item in package.items:
        if item.kind == PARTS:
            data = repair.LineInput(kind="parts", part_id=item.part_id, quantity=item.quantity)
        else:
            data = repair.LineInput(kind="labor", operation_id=item.operation_id, hours=item.hours)
        repair.new_line(order, job, data, actor=actor, now=now)
    repair.reprice(order)
    agree_package(order, actor=actor, now=now)  # the owner agreed to the package price at the desk


def _lanes_of(orders: list[RepairOrder]) -> dict[int, LaneOrder]:
    """The lane orders of these quick-lane orders: from the session, else read together in one query with
    those of every other quick-lane order the session holds (a list prices its orders one by one)."""
    session = db.session
    wanted = {order.source_ref for order in orders}
    found = {ref: session.identity_map.get(identity_key(LaneOrder, ref)) for ref in wanted}
    if any(lane is None for lane in found.values()):
        held = [obj for obj in list(session.identity_map.values())
                if isinstance(obj, RepairOrder) and obj.source_kind == QUICK_LANE
                and session.identity_map.get(identity_key(LaneOrder, obj.source_ref)) is None]
        by_store: dict[int, set[int]] = {}
        for held_order in held:
            by_store.setdefault(held_order.store_id, set()).add(held_order.source_ref)
        # Keep what is read for the session's life: its identity map holds objects weakly, and nothing else
        # refers to these lane orders, so they would be gone (and read again) before the next order is priced.
        kept = session.info.setdefault("quick_lane_orders_read", [])
        for store_id, refs in by_store.items():
            kept += session.scalars(sa.select(LaneOrder).where(LaneOrder.store_id == store_id,
                                                               LaneOrder.id.in_(refs))).all()
        found = {ref: session.identity_map.get(identity_key(LaneOrder, ref)) for ref in wanted}
    return {ref: lane for ref, lane in found.items() if lane is not None}


RULE_NAME = "quick_lane_package"


def package_discount(lines, *, customer, vehicle, **_):
    """Offer the package discount on the package lines of quick-lane orders (one rule with membership): the owner
    pays the lower of the package price and what the package's lines cost with the other discounts they would
    get (the member's tier, a campaign, a manual one), never both. When the package is lower, each package
    line's offer is its other discount plus its share of the rest, so pricing's "largest per line" gives the
    package on every line and the lines add up to the package price to the fen; when the others are lower, the
    package offers nothing. Lines outside the package are not the package's: they get what any order's get.

    Reads the lines and their orders from the session (pricing runs on loaded orders): no query for other
    orders.
    """
    session = db.session
    by_order: dict[int, list] = {}
    orders = {}
    for line in lines:
        stored = session.identity_map.get(identity_key(RepairLine, line.key))
        if stored is None or line.payer != pricing.CUSTOMER:
            continue
        order = session.identity_map.get(identity_key(RepairOrder, stored.order_id))
        if order is None or order.source_kind != QUICK_LANE or order.source_ref is None:
            continue
        orders[order.id] = order
        by_order.setdefault(order.id, []).append((line, stored.job_id))
    if not orders:
        return []
    lanes = _lanes_of(list(orders.values()))
    discounts = []
    for order_id, candidates in by_order.items():
        lane = lanes.get(orders[order_id].source_ref)
        if lane is None or lane.package_job_id is None:
            continue
        package_lines = [line for line, job_id in candidates if job_id == lane.package_job_id]
        others = pricing.discount_rules.collect(package_lines, customer=customer, vehicle=vehicle, without=RULE_NAME)
        discounts += spread(package_lines, lane.package_price_fen,
                            already={line.key: pricing.best_other_discount(line, others) for line in package_lines})
    return discounts


def spread(lines, package_price_fen: int, *, already: dict | None = None) -> list[pricing.Discount]:
    """The package's offers on its lines: each line's other discount (`already`, by key) plus its share of what
    is left over the package price, spread in proportion to what each line costs after its other discount
    (largest remainders take the odd fen). None when the lines cost no more than the package price after their
    other discounts."""
    already = already or {}
    rests = [line.amount_fen - already.get(line.key, 0) for line in lines]
    total = sum(rests)
    off = total - package_price_fen
    if off <= 0 or total <= 0:
        return []
    shares = [(off * rest // total, off * rest % total) for rest in rests]
    left = off - sum(share for share, _ in shares)
    amounts = [share for share, _ in shares]
    for i in sorted(range(len(shares)), key=lambda i: (-shares[i][1], i))[:left]:
        amounts[i] += 1
    return [pricing.Discount(PACKAGE, 0, line_key=line.key, amount_fen=already.get(line.key, 0) + amount)
            for line, amount in zip(lines, amounts) if already.get(line.key, 0) + amount]


pricing.discount_rules.register(RULE_NAME, package_discount)


@auth_signals.home_panels.connect
def _lane_panel(actor, *, now, **_):
    """The lane at a glance for the people who work it: cars, promises, at-risk flags."""
    if not actor.has_any(queries.LANE_ROLES) or actor.store_id is None:
        return None
    board = queries.board(actor.store_id, actor=actor, now=now)
    return Panel(15, Markup(render_template("quicklane/_home_panel.html", board=board, now=now,
                                            unclosed=_unclosed_day(actor, board, now))))


def _unclosed_day(actor, board, now) -> tuple | None:
    """For a manager: today's reminder to close the day and the cars still to carry over or close, while any is
    left (the reminder's notice goes when the day is closed)."""
    if MANAGER not in actor.roles:
        return None
    zone = store_zone(db.session.get(Store, actor.store_id))
    day = now.astimezone(zone).date()
    reminder = reminder_of(actor.store_id, day)
    if reminder is None:
        return None
    left = [car for car in board.cars if not queries.carried_over_on(car.lane, day, zone)]
    return (reminder, len(left)) if left else None
