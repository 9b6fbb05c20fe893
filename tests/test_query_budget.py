"""A query budget per request: what a page or API endpoint runs does not grow with its rows.

Two stores are filled alike, one with SMALL rows of everything a list can show and one with LARGE; every
GET endpoint is requested as the same role in each store, its statements counted (transaction control
aside). The count must be the same in both stores (an N+1 grows with the rows) and within the endpoint's
stated budget. An endpoint missing from BUDGETS fails the test, so a new page states its budget.
"""
from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import MANYTOONE

from dealer.actors import SYSTEM
from dealer.booking import links as booking_links
from dealer.booking import progress as booking_progress
from dealer.booking import services as booking_services
from dealer.booking.models import Booking, CheckInQuarter, SlotBucket
from dealer.database import utcnow
from dealer.extensions import db
from dealer.members import services as members
from dealer.parts import services as parts
from dealer.quicklane import services as quicklane
from dealer.reminders.models import Reminder
from dealer.repair import services as repair
from dealer.repair.services import inspection, photos
from dealer.rescue import services as rescue
from dealer.rescue.models import RescueUnit
from dealer.satisfaction import services as satisfaction
from dealer.sms.models import SmsMessage
from dealer.sms.outbox import enqueue
from tests.factories import CustomerFactory, StationFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, bearer, login
from tests.isolation import isolated_client
from tests.repair.builders import (
    Shop,
    add_labor,
    add_part,
    approved_order,
    build_shop,
    extra_work_order,
    finished_order,
    open_order,
    pay,
)

SMALL, LARGE = 2, 9
ROLES = ("admin", "manager", "service_advisor", "technician", "parts_clerk", "cashier", "rescue_dispatcher",
         "cs_supervisor")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class World:
    """One store's rows: `n` of everything a list shows."""

    store: object
    staff: dict
    shop: Shop
    customer: object
    vehicle: object
    order: object  # an open order with n lines
    settled: object
    package: object = None  # a quick-lane package, with n cars in the lane (one in a bay)
    ids: dict = field(default_factory=dict)


def build_world(store, prefix: str, n: int) -> World:
    staff = {role: UserFactory(username=f"{prefix}-{role}", roles=[role], store=store) for role in ROLES}
    for i in range(n):
        UserFactory(username=f"{prefix}-extra{i}", roles=["technician"], store=store)
        StationFactory(store=store)
    shop = build_shop(store, staff)
    customer = CustomerFactory(store=store, name="王" + prefix, advisor=staff["service_advisor"])
    vehicles = [VehicleFactory(owner=customer, store=store, plate=f"粤B{prefix[:1].upper()}{i:03d}8", model_family="compact")
                for i in range(n)]
    others = []
    for i in range(n):  # owners of one car each, found by the same search
        owner = CustomerFactory(store=store, name=f"王{prefix}{i}", advisor=staff["service_advisor"])
        others.append(VehicleFactory(owner=owner, store=store, plate=f"粤C{prefix[:1].upper()}{i:03d}8",
                                     model_family="compact"))
        parts.receive_stock(shop.oil.id, quantity=50_000, unit_cost_fen=4000, reference="DN1", actor=shop.clerk, now=NOW)
    db.session.flush()
    shop.vehicle = vehicles[0]
    order = open_order(shop, "保养")
    for _ in range(n):
        add_part(shop, order.jobs[0], quantity=1000)
        add_labor(shop, order.jobs[0])
    for other in others:  # each order on a car of its own, so a lazy load is a query (not a session hit)
        shop.vehicle = other
        approved_order(shop)
        finished_order(shop)
    shop.vehicle = vehicles[0]
    settled = finished_order(shop)
    repair.settle(settled.id, pay(settled, (settled.customer_total_fen or _total(settled), "cash")),
                  actor=shop.cashier, now=NOW)
    for vehicle in vehicles:
        db.session.add(Reminder(store_id=store.id, vehicle_id=vehicle.id, customer_id=customer.id,
                                advisor_id=staff["service_advisor"].id, kind="maintenance",
                                due_date=date(2026, 12, 1) + timedelta(days=vehicle.id % 5), lead_days=7,
                                created_on=date(2026, 11, 23)))
        enqueue("car_ready", store_id=store.id, phone=customer.mobile, customer=customer, vehicle_id=vehicle.id,
                params={"name": customer.name, "plate": vehicle.plate, "store_phone": "0755-1"}, now=NOW)
    member = members.join(customer.id, actor=shop.advisor, now=NOW)
    for _ in range(n):  # n movements in each ledger
        members.top_up(member.id, paid_fen=10_000, method="cash", actor=shop.cashier, now=NOW)
        members.adjust_points(member.id, 100, reason="开业赠送", actor=shop.manager, now=NOW)
    campaign_ids = _campaigns(store, shop, others)
    campaign_ids.update(_group_campaigns(store, staff))
    package, lane_id = _quick_lane(shop, staff, n)
    booking = _bookings(store, staff, vehicles)
    progress_link = db.session.scalar(sa.select(SmsMessage.params).where(  # booking: the order's progress link
        SmsMessage.store_id == store.id, SmsMessage.dedupe_key == f"progress:{order.id}"))
    ids = _satisfaction_rows(store, staff, others, n)
    db.session.commit()
    world = World(store=store, staff=staff, shop=shop, customer=customer, vehicle=vehicles[0], order=order,
                  settled=settled, package=package,
                  ids={**ids, **campaign_ids, "member": member.id, "booking": booking.id,
                       "booking_code": booking.code, "lane": lane_id,
                       "progress_token": progress_link["link"].rsplit("/", 1)[1]})
    _rescue_calls(world, n)
    world.ids["progress_token"] = _progress_order(world, vehicles[1], n)  # booking 4
    return world


# -- membership campaigns: a launched one (n owners, one held out) and a draft -------------------------------------
def _campaigns(store, shop, vehicles) -> dict:
    for vehicle in vehicles:
        vehicle.owner.marketing_consent = True
    spring = members.CampaignInput(name="春季关爱活动", season="spring", starts_on=date(2026, 11, 1),
                                   ends_on=date(2027, 1, 31), labor_discount_bp=1000)
    launched = members.create_campaign(store.id, spring, actor=shop.manager, now=NOW)
    members.launch_campaign(launched.id, actor=shop.manager, now=NOW, seed=5)
    draft = members.create_campaign(store.id, spring, actor=shop.manager, now=NOW)
    return {"campaign": launched.id, "draft_campaign": draft.id}


# membership (members4): the group's campaigns over both stores, by a group-level manager (staff "group_manager"):
# a launched one (December: outside the month the dashboards are measured in)
def _group_campaigns(store, staff) -> dict:
    from dealer.stores.models import Store  # noqa: PLC0415  (kept in this block: several helpers edit the imports)

    staff["group_manager"] = UserFactory(username=f"group-manager-{store.code}", roles=["manager"], store=None)
    group_manager = staff["group_manager"].as_actor()
    stores = list(db.session.scalars(sa.select(Store.id).order_by(Store.id)))
    winter = members.CampaignInput(name="集团冬季关爱", season="other", starts_on=date(2026, 12, 1),
                                   ends_on=date(2027, 1, 31), gift_name="车载香薰", gift_stock=5)
    launched = members.create_group_campaign(stores, winter, actor=group_manager, now=NOW)
    members.launch_group_campaign(launched.id, actor=group_manager, now=NOW, seed=5)
    draft = members.create_group_campaign(stores, winter, actor=group_manager, now=NOW)  # members5: its preview
    return {"group_campaign": launched.id, "group_campaign_draft": draft.id}


def _rescue_calls(world: World, n: int) -> None:
    """n rescue units and n open calls (the caller's file found by the phone), one of them dispatched."""
    dispatcher = world.staff["rescue_dispatcher"].as_actor()
    for i in range(n):
        db.session.add(RescueUnit(store_id=world.store.id, name=f"救援{i}", phone="13900000000", kind="flatbed",
                                  capabilities=["towing", "flatbed", "jump_start"], latitude_wgs84=22.55 + i / 100,
                                  longitude_wgs84=113.88, position_at=NOW))
    db.session.commit()
    calls = [rescue.save_intake(f"{world.store.id:016x}{i:016x}", rescue.IntakeInput(
        caller_phone=world.customer.mobile, address="宝安大道", latitude=22.54, longitude=113.91,
        coordinate_system="wgs84", fault_type="no_start"), store_id=world.store.id, actor=dispatcher, now=NOW)
        for i in range(n)]
    tokens = []
    # Now, not NOW: the crew's link lasts hours from the moment it is sent.
    rescue.dispatch_call(calls[0].id, responder=f"unit:{_first_unit(world)}", override_reason="测试",
                         actor=dispatcher, now=utcnow(), crew_link=lambda token: tokens.append(token) or token)
    world.ids.update(call=calls[0].id, crew_token=tokens[0])
    for i in range(n):  # shift handovers, none acknowledged (the board shows them)
        rescue.write_handover(world.store.id, note=f"交班{i}", actor=dispatcher, now=NOW)
    # rescue, third slice: an accident call with its insurance claim (代办理赔)
    crash = rescue.save_intake(f"{world.store.id:016x}{'c' * 16}", rescue.IntakeInput(
        caller_phone=world.customer.mobile, fault_type="accident"), store_id=world.store.id, actor=dispatcher, now=NOW)
    rescue.save_claim(crash.id, rescue.ClaimInput(insurer="人保", report_number="R1"), actor=dispatcher, now=NOW)
    world.ids.update(claim_call=crash.id)


# booking (issue 16, session 4): the owner's progress page on an order showing n of everything it shows: n findings
# (red and yellow), each with a photo and proposed as an extra item waiting for the owner (n items, each with its
# labor), one item already approved online; the owner is a member (the member view).
_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGO4oKAARAwQCgAgjgRBUcmqiQAAAABJRU5ErkJggg==")


def _progress_order(world: World, vehicle, n: int) -> str:
    shop, store = world.shop, world.store
    shop.vehicle = vehicle
    order, brakes, _cabin_filter = extra_work_order(shop)
    for line in order.jobs[0].lines:  # the approved work's parts issued: the parts counter's queue stays as it was
        if line.kind == "parts":
            repair.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=NOW)
    items = [inspection.add_item(store.id, inspection.ItemInput(code=f"OWNER{i}", name=f"检查项{i}"),
                                 actor=shop.manager, now=NOW) for i in range(n)]
    results = inspection.record_results(order.id, [
        inspection.ResultInput(item.id, "red" if i % 2 else "yellow", "2 mm", "磨损") for i, item in enumerate(items)],
        actor=shop.technician, now=NOW)
    for result in results:
        photos.add_photo(result.id, io.BytesIO(_PNG), folder=current_app.config["UPLOAD_FOLDER"], max_bytes=10_000,
                         actor=shop.technician, now=NOW)
        add_labor(shop, inspection.propose_work(result.id, actor=shop.technician, now=NOW))
    shop.vehicle = world.vehicle
    link = db.session.scalar(sa.select(SmsMessage.params).where(
        SmsMessage.store_id == store.id, SmsMessage.dedupe_key == f"progress:{order.id}"))
    token = link["link"].rsplit("/", 1)[1]
    booking_progress.decide(token, brakes.id, "approved", now=NOW)
    return token


def _first_unit(world: World) -> int:
    return db.session.scalar(sa.select(sa.func.min(RescueUnit.id)).where(RescueUnit.store_id == world.store.id))


def _quick_lane(shop, staff, n: int):
    """A package and n cars in the lane, the first in a bay."""
    quicklane.set_shift(shop.store.id, user_id=staff["technician"].id, on_shift=True, actor=shop.manager, now=NOW)
    package = quicklane.save_package(shop.store.id, quicklane.PackageInput(
        code="Q5K", name="5000公里保养", price_fen=39_900, bay_minutes=30, wash_minutes=15, items=[
            quicklane.ItemInput(kind="parts", part_id=shop.filter.id, quantity=1000),
            quicklane.ItemInput(kind="labor", operation_id=shop.oil_service.id, hours=50)]),
        actor=shop.manager, now=NOW)
    lanes = []
    shop.filter.on_hand += n * 1000  # each key reserves the package's filter
    for i in range(n):
        car = VehicleFactory(owner__store=shop.store, store=shop.store, model_family="compact")
        offer = quicklane.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
        lanes.append(quicklane.open_lane_order(car.id, quicklane.LaneInput(
            package_id=package.id, key_tag=f"K{i}", promised_at=offer.promised_at), actor=shop.advisor, now=NOW))
    quicklane.move(lanes[0].id, to_stage="in_bay", version=1, bay=1, technician_id=staff["technician"].id,
                   actor=shop.advisor, now=NOW)
    quicklane.report_extra_work(lanes[0].id, quicklane.ExtraInput(  # waiting for the owner: its page shows the offer
        concern="刹车片", minutes=30, kind="labor", operation_id=shop.brakes.id), actor=shop.advisor, now=NOW)
    return package, lanes[0].id


def _bookings(store, staff, vehicles):
    """n bookings of today (the home page's day), half of them the advisor's; the store's booking rules."""
    booking_services.set_up_store(store.id, actor=SYSTEM)
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    bucket = SlotBucket(store_id=store.id, day=today, day_part="afternoon", service_kind="maintenance",
                        capacity_minutes=6000, bays=100)
    quarter = CheckInQuarter(store_id=store.id, starts_at=datetime.combine(today, time(6, 0), tzinfo=timezone.utc),
                             cap=100)
    db.session.add_all([bucket, quarter])
    db.session.flush()
    rows = [Booking(store_id=store.id, code=f"B{store.id:03d}{i:04d}", name="车主", phone="13812345678",
                    plate=vehicle.plate, vehicle_id=vehicle.id,  # booking 3: the day view's "due for" reads the cars
                    service_kind="quick_lane" if i % 3 == 0 else "maintenance",  # and the lane's packages
                    bucket_id=bucket.id, quarter_id=quarter.id,
                    starts_at=quarter.starts_at, minutes=60, advisor_id=staff["service_advisor"].id if i % 2 else None,
                    idempotency_key=f"budget-{store.id}-{i:04d}") for i, vehicle in enumerate(vehicles)]
    db.session.add_all(rows)
    db.session.flush()
    return rows[0]


def _satisfaction_rows(store, staff, vehicles, n: int) -> dict:
    """n follow-ups (one still waiting, the others answered by phone with a D: a case each), n complaints."""
    cs = staff["cs_supervisor"].as_actor()
    # The first one's link is opened by the feedback pages: it is sent now, so it has not expired.
    follow_ups = [satisfaction.open_follow_up(
        store_id=store.id, source_kind="repair_order", source_ref=900_000 + i, source_number=f"FU{i}",
        customer=vehicle.owner, vehicle=vehicle, handled_by_id=staff["service_advisor"].id,
        now=utcnow() if i == 0 else NOW, link_base="http://127.0.0.1") for i, vehicle in enumerate(vehicles)]
    for follow_up in follow_ups[1:]:
        satisfaction.record_call(follow_up.id, satisfaction.CallInput(
            "follow_up", True, satisfaction.Grades(-1, 2, 1), comment="还是有异响"), actor=cs, now=NOW)
    complaints = [satisfaction.receive_complaint(satisfaction.ComplaintInput(
        channel="hotline", category="time", description=f"等太久{i}", technician_id=staff["technician"].id),
        store_id=store.id, actor=cs, now=NOW)
        for i in range(n)]
    for i in range(n):  # supervision notes, each about a staff member
        satisfaction.record_note(store.id, satisfaction.NoteInput(
            kind="observation", noted_on=date(2026, 11, 20), subject=f"前台{i}", text="当场要求满分",
            concerns_id=staff["service_advisor"].id), actor=cs, now=NOW)
    body = db.session.scalar(sa.select(SmsMessage.body).where(
        SmsMessage.dedupe_key == f"feedback_link:{follow_ups[0].id}"))
    return {"follow_up": follow_ups[-1].id, "complaint": complaints[0].id,
            "token": re.search(r"/f/([A-Za-z0-9_-]+)", body).group(1)}


def _total(order) -> int:
    return repair.reprice(order).total_fen


def count_statements(client, url: str, headers=None) -> tuple[int, int, list[str]]:
    statements = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url, headers=headers or {})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response.status_code, len(statements), statements


# endpoint: (role, url made from the world, budget). API endpoints go with the role's bearer token.
# Each budget is what the endpoint costs today, with no slack. Every count includes the request's fixed cost
# as it is now (about 3 queries: the session's user, their roles, the store, or the token): another engineer
# is reducing it in dealer/auth, and these budgets come down by as much when that lands.
# A new endpoint states its budget here: measure it with two stores of SMALL and LARGE rows (the same count
# in both, or it has an N+1), and write down what it costs; a page that needs many queries says why.
PAGES = {
    "auth.home": ("service_advisor", lambda w: "/", 12),  # each role's home: HOME_PAGES below
    "auth.api_tokens": ("service_advisor", lambda w: "/account/tokens", 4),
    "auth.change_password": ("service_advisor", lambda w: "/account/password", 3),
    "auth.users": ("admin", lambda w: "/users", 5),
    "auth.new_user": ("admin", lambda w: "/users/new", 4),
    "auth.edit_user": ("admin", lambda w: f"/users/{w.staff['technician'].id}", 6),
    "auth_api.list_tokens": ("service_advisor", lambda w: "/api/v1/auth/tokens", 4),
    # the page of entries and its count, the people of the filter, and one names query per kind of record on
    # the page (order numbers, plates...: one query per kind, whatever the rows; at most the registered kinds).
    # Measured on one kind: unfiltered, which kinds reach the newest 50 entries depends on the world's size.
    "audit.index": ("manager", lambda w: "/audit/?record=repair_orders", 5),
    # the same, batch by batch (1,000 entries a batch), and the query that finds no further batch
    "audit.export": ("manager", lambda w: "/audit/export.csv?record=repair_orders", 5),
    "customers.index": ("service_advisor", lambda w: "/customers", 7),
    "customers.search": ("service_advisor", lambda w: "/desk?q=王", 7),
    "customers.new_customer": ("service_advisor", lambda w: "/customers/new", 6),
    # membership's panel: the member with its tiers, the points expiring, the free items left (its member numbers
    # for the audit's names add one kind to audit.index and audit.export above)
    "customers.show_customer": ("service_advisor", lambda w: f"/customers/{w.customer.id}", 15),
    "customers.edit_customer": ("service_advisor", lambda w: f"/customers/{w.customer.id}/edit", 8),
    "customers.new_vehicle": ("service_advisor", lambda w: f"/customers/{w.customer.id}/vehicles/new", 5),
    # the vehicle with its owner and store, and repair's panel: the car's latest orders (columns, one query)
    "customers.show_vehicle": ("service_advisor", lambda w: f"/vehicles/{w.vehicle.id}", 6),
    "customers.edit_vehicle": ("service_advisor", lambda w: f"/vehicles/{w.vehicle.id}/edit", 5),
    "customers_api.list_customers": ("service_advisor", lambda w: "/api/v1/customers?q=王", 7),
    "customers_api.get_customer": ("service_advisor", lambda w: f"/api/v1/customers/{w.customer.id}", 6),
    "vehicles_api.list_vehicles": ("service_advisor", lambda w: "/api/v1/vehicles?q=王", 7),
    "vehicles_api.get_vehicle": ("service_advisor", lambda w: f"/api/v1/vehicles/{w.vehicle.id}", 6),
    # the member with customer and tiers; the points expiring, the free items left, both ledgers and the lots
    # (a LIMIT each), the store's tiers for the override's choices
    "members.show": ("cashier", lambda w: f"/members/{w.ids['member']}", 9),
    # the store's tiers and points settings
    "members.settings": ("manager", lambda w: "/members/settings", 4),
    # the token; the member with customer and tiers, the points expiring, the free items left, both ledgers
    "members_api.get_member": ("service_advisor", lambda w: f"/api/v1/members/{w.ids['member']}", 6),
    # membership campaigns: the list; the form with the store's tiers; a draft's page with its target counted (one
    # query) and the tiers; a launched one's results (the groups, discounts, per advisor, last year's campaign);
    # the same in Excel (and the owners' rows); the API's list and one campaign with its results
    "members.campaigns": ("manager", lambda w: "/members/campaigns", 2),
    "members.new_campaign": ("manager", lambda w: "/members/campaigns/new", 3),
    "members.campaign": ("manager", lambda w: f"/members/campaigns/{w.ids['campaign']}", 6),
    "members.export_campaign": ("manager", lambda w: f"/members/campaigns/{w.ids['campaign']}/export.xlsx", 7),
    # customer loss: the page of owners (one grouped query), their plates, the store's settings; a query a month
    # for the 12 months' figures
    "members.loss": ("manager", lambda w: "/members/loss?status=lost", 15),
    # the public join page: the active stores for its choice
    "members.join_online": ("service_advisor", lambda w: "/members/join-online", 2),
    # the import form (the store's choice for a group manager only)
    "members.import_balances": ("manager", lambda w: "/members/import", 1),
    "campaigns_api.list_campaigns": ("manager", lambda w: "/api/v1/campaigns", 2),
    "campaigns_api.get_campaign": ("manager", lambda w: f"/api/v1/campaigns/{w.ids['campaign']}", 5),
    "parts.index": ("parts_clerk", lambda w: "/parts/", 5),
    "parts.low_stock": ("parts_clerk", lambda w: "/parts/low-stock", 4),
    "parts.new": ("parts_clerk", lambda w: "/parts/new", 4),
    "parts.show": ("parts_clerk", lambda w: f"/parts/{w.shop.oil.id}", 8),
    "parts.edit": ("parts_clerk", lambda w: f"/parts/{w.shop.oil.id}/edit", 5),
    "parts.receive": ("parts_clerk", lambda w: f"/parts/{w.shop.oil.id}/receive", 4),
    "parts.adjust": ("parts_clerk", lambda w: f"/parts/{w.shop.oil.id}/adjust", 4),
    "parts_api.list_parts": ("parts_clerk", lambda w: "/api/v1/parts?q=机油", 7),
    "parts_api.get_part": ("parts_clerk", lambda w: f"/api/v1/parts/{w.shop.oil.id}", 4),
    "parts_api.low_stock": ("parts_clerk", lambda w: "/api/v1/parts/low-stock", 4),
    "parts_counter.issue_queue": ("parts_clerk", lambda w: "/parts/issue-queue", 4),
    "reminders.index": ("service_advisor", lambda w: "/reminders/", 5),
    # online booking: the owner's page (the stores; the store's rules, closed days, buckets, their use, the
    # quarters' use; whether the day is a holiday, asked only when it has no free time: after closing time);
    # the store's day list (bookings with advisors joined); the confirmation (booking and store)
    "booking.book": ("service_advisor", lambda w: f"/booking/book?store={w.store.id}", 11),
    # + the owners' no-shows (one aggregate); booking 3: what the cars are due for (their due dates, the open
    # declined-work reminders) and the quick-lane packages of the stores with a quick-lane booking (the lane's list)
    # booking 4: which booked cars wait for their VIN (one query, the check-in asks for it)
    "booking.index": ("service_advisor", lambda w: "/booking/", 9),
    "booking.done": ("service_advisor", lambda w: f"/booking/done/{w.store.id}/{w.ids['booking_code']}", 2),
    "booking_api.slots": ("service_advisor",
                          lambda w: f"/api/v1/booking/slots?store={w.store.id}&service=maintenance&date="
                                    f"{utcnow().astimezone(ZoneInfo('Asia/Shanghai')).date().isoformat()}", 9),
    "bookings_api.get_booking": ("service_advisor", lambda w: f"/api/v1/bookings/{w.ids['booking']}", 2),
    # booking (issue 16, session 4): the owner's progress page by its link, on an order with n findings, photos and
    # extra items (_progress_order), read once through repair.queries.owner_order: the opening counted and the link
    # read in one UPDATE ... RETURNING; the order with its store, car, customer, advisor and the store's VAT in one
    # row; its jobs with their lines; its history's steps; the findings with items and photos; the member discount
    # rule; the owner's online decisions (as they have decided an item); the first opening writes the history step.
    # The page: + the member view (+5 below, membership's); the API: + the bearer token's lookup.
    "booking.progress_page": ("service_advisor", lambda w: f"/booking/p/{w.ids['progress_token']}", 8),
    "progress_api.get_progress": ("service_advisor", lambda w: f"/api/v1/progress/{w.ids['progress_token']}", 8),
    # the owner's booking by its link (the booking with its store; the store's rules and free times to move to)
    "booking.manage": ("service_advisor",
                       lambda w: f"/booking/m/{booking_links.token(w.store.id, w.ids['booking_code'])}", 14),
    "booking.overbook": ("manager", lambda w: "/booking/overbook", 2),
    # the manager's booking rules (the store; its settings, hours, services, capacity; closed days; capacity rows)
    "booking.rules_page": ("manager", lambda w: "/booking/rules", 10),
    "reminders.intervals": ("manager", lambda w: "/reminders/intervals", 4),
    "reminders_api.list_reminders": ("service_advisor", lambda w: "/api/v1/reminders", 5),
    "repair.index": ("service_advisor", lambda w: "/repair/", 5),
    "repair.board": ("service_advisor", lambda w: "/repair/board", 4),
    "repair.cashier": ("cashier", lambda w: "/repair/cashier", 7),
    "repair.my_jobs": ("technician", lambda w: "/repair/my-jobs", 5),
    "repair.figures": ("manager", lambda w: "/repair/figures", 6),
    # the order with ORDER_LOADS, read once (order with store, vehicle, owner, customer and advisor in one
    # query; jobs, lines with parts, assignments with technicians, approvals, QC checks, payments, events: one
    # each), the store's technicians, settings, clocked minutes, the running job, the reversal, the inspection
    "repair.show_order": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}", 20),
    # the order with ORDER_LOADS (read once), the store's checklist, the order's findings with their photos
    # and proposed jobs, for the checklist and again for the summary
    "repair.order_inspection": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/inspection", 17),
    "repair.approve_estimate": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/approve", 13),
    "repair.approve_extra_work": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/extra-work", 13),
    "repair.quality_check": ("technician", lambda w: f"/repair/orders/{w.order.id}/quality-check", 11),
    "repair.settle": ("cashier", lambda w: f"/repair/orders/{w.order.id}/settle", 12),
    "repair.reverse": ("manager", lambda w: f"/repair/orders/{w.settled.id}/reverse", 12),
    "repair.print_work_order": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/work-order", 13),
    "repair.print_estimate": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/estimate", 13),
    # membership's part of the statement: the member with its tiers, the order's points and card movements
    "repair.print_statement": ("cashier", lambda w: f"/repair/orders/{w.settled.id}/statement", 15),
    "repair.new_order": ("service_advisor", lambda w: f"/repair/vehicles/{w.vehicle.id}/orders/new", 11),
    "repair.search_operations": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/operations/search?q=MAINT", 9),
    "repair.search_parts": ("service_advisor", lambda w: f"/repair/orders/{w.order.id}/parts/search?q=机油", 9),
    "repair.labor_operations": ("manager", lambda w: "/repair/labor-operations", 7),
    "repair.new_labor_operation": ("manager", lambda w: "/repair/labor-operations/new", 5),
    "repair.edit_labor_operation": ("manager", lambda w: f"/repair/labor-operations/{w.shop.oil_service.id}/edit", 7),
    "repair.labor_rates": ("manager", lambda w: "/repair/settings/labor-rates", 5),
    "repair.settings": ("manager", lambda w: "/repair/settings", 5),
    "repair.inspection_items": ("manager", lambda w: "/repair/inspection/items", 5),
    "repair_orders_api.list_orders": ("service_advisor", lambda w: "/api/v1/repair-orders", 6),
    "repair_orders_api.get_order": ("service_advisor", lambda w: f"/api/v1/repair-orders/{w.order.id}", 13),
    "labor_operations_api.list_operations": ("service_advisor", lambda w: "/api/v1/labor-operations?q=MAINT", 7),
    "labor_operations_api.get_operation": ("service_advisor",
                                           lambda w: f"/api/v1/labor-operations/{w.shop.oil_service.id}", 5),
    "sms.outbox": ("manager", lambda w: "/sms/", 5),
    "sms.figures": ("manager", lambda w: "/sms/figures", 8),
    "sms.settings": ("manager", lambda w: "/sms/settings", 6),
    "sms.templates": ("manager", lambda w: "/sms/templates", 7),
    "sms.edit_template": ("manager", lambda w: "/sms/templates/car_ready", 7),
    "sms_api.list_messages": ("manager", lambda w: "/api/v1/sms/messages", 5),
    # rescue: the request (1, the token alone for the crew's page); the board: open calls with responder and
    # vehicle joined, units, stations counted; a call: with store, customer, vehicle and responder joined, the
    # customer's vehicles, its timeline, the proposal's units and stations; the crew's page: the call as loaded
    "rescue.board": ("rescue_dispatcher", lambda w: "/rescue/", 6),
    "rescue.board_live": ("rescue_dispatcher", lambda w: "/rescue/live", 6),
    "rescue.new_call": ("rescue_dispatcher", lambda w: "/rescue/calls/new", 1),
    "rescue.show_call": ("rescue_dispatcher", lambda w: f"/rescue/calls/{w.ids['call']}", 10),
    "rescue.units": ("rescue_dispatcher", lambda w: "/rescue/units", 2),
    "rescue.crew": ("rescue_dispatcher", lambda w: f"/rescue/crew/{w.ids['crew_token']}", 4),
    "rescue_calls_api.list_open_calls": ("rescue_dispatcher", lambda w: "/api/v1/rescue-calls", 2),
    "rescue_calls_api.get_call": ("rescue_dispatcher", lambda w: f"/api/v1/rescue-calls/{w.ids['call']}", 4),
    "rescue_units_api.list_units": ("rescue_dispatcher", lambda w: "/api/v1/rescue-units", 2),
    # rescue (second slice): the board adds the stores' settings (targets, acceptance minutes); a call's proposal
    # adds the settings (read twice while the store has none), the learned estimate and the stations' coverage;
    # the settings page: the request, the settings, the stations with their coverage
    "rescue.settings": ("manager", lambda w: f"/rescue/settings?store={w.store.id}", 3),
    # the figures: the request, the store, the month's calls (columns), unit and station names, the settings
    "rescue.figures": ("manager", lambda w: "/rescue/figures", 7),  # third slice: + open claims, the error trend
    "rescue.figures_export": ("manager", lambda w: "/rescue/figures.xlsx", 6),
    # the closed-call search: the request, the page (responders joined), its capped count
    "rescue.search_calls": ("rescue_dispatcher", lambda w: "/rescue/calls?plate=粤&phone=138", 3),
    # the handovers: the request and the latest handovers (their calls and units are kept in them)
    "rescue.handovers": ("rescue_dispatcher", lambda w: "/rescue/handovers", 2),
    # rescue (third slice): the claim page: the request, the call as a call page loads it, the claim; its API: the
    # token, the claim, the call
    "rescue.claim": ("rescue_dispatcher", lambda w: f"/rescue/calls/{w.ids['claim_call']}/claim", 5),
    "rescue_calls_api.get_claim": ("rescue_dispatcher", lambda w: f"/api/v1/rescue-calls/{w.ids['claim_call']}/claim",
                                   5),
    # quick lane: the lane's cars (technicians' names joined), then its bays, cap and technicians on shift (one
    # query); the board adds the technicians on shift for the bay's select
    "quicklane.board": ("service_advisor", lambda w: "/quick-lane/", 4),
    "quicklane.board_cars": ("technician", lambda w: "/quick-lane/cars", 4),
    # the car by plate (its columns, its owner's name and store's zone: one query), the packages' columns, the
    # maintenance interval, then the quote: the package's columns, its parts short (one query), the lane's bays
    # and shift, its cars (the queue and the promises per quarter hour: one query) (lane5: 12 -> 8, quote 7 -> 5)
    "quicklane.open_order": ("service_advisor", lambda w: f"/quick-lane/open?plate={w.vehicle.plate}", 8),
    "quicklane.quote": ("service_advisor", lambda w: f"/quick-lane/quote?package_id={w.package.id}", 5),
    # (lane3: the lane's settings, for the screen's display name and language)
    "quicklane.lounge": ("service_advisor", lambda w: f"/quick-lane/lounge/{w.store.code}", 5),
    "quicklane.lounge_cars": ("service_advisor", lambda w: f"/quick-lane/lounge/{w.store.code}/cars", 5),
    "quicklane.packages": ("manager", lambda w: "/quick-lane/packages", 3),
    "quicklane.edit_package": ("manager", lambda w: f"/quick-lane/packages/{w.package.id}", 5),
    # (lane3: the store's managers, to choose the manager on duty for the reminder to close the day)
    "quicklane.settings": ("manager", lambda w: "/quick-lane/settings", 4),
    "quicklane_api.list_packages": ("service_advisor", lambda w: "/api/v1/quick-lane/packages", 3),
    "quicklane_api.board": ("technician", lambda w: "/api/v1/quick-lane/board", 3),
    # -- quick lane, second slice (lane2) --
    # extra work: the lane order, its repair order (lane4: its row and its jobs with their lines, not its
    # history), the catalogue (parts, operations); the price of every piece (VAT rate once, the discount rules'
    # reads), the pieces with their stored minutes, and the lane's queue and settings for the new ready time
    # (lane5: the catalogue only when the form is shown, not while a piece waits for the owner: 16 -> 14; a car
    # without extra work: the lane order and one query of its order's number and whether it has any)
    "quicklane.extra_work": ("technician", lambda w: f"/quick-lane/{w.ids['lane']}/extra", 14),
    # closing the day: the board's cars and the lane, as the board
    "quicklane.close_day": ("manager", lambda w: "/quick-lane/close-day", 4),
    # the figures: the store, then the month's ready cars with their technicians and advisors joined (one query),
    # and (lane4) the month's extra work by the owner's answer (one grouped query)
    "quicklane.figures": ("manager", lambda w: "/quick-lane/figures?month=2026-11", 3),
    "quicklane.export_figures": ("manager", lambda w: "/quick-lane/figures.xlsx?month=2026-11", 3),
    # -- quick lane, third slice (lane3) --
    # the stores side by side: the request, the stores, then one grouped query per time zone of the stores
    "quicklane.stores_figures": ("manager", lambda w: "/quick-lane/figures/stores?month=2026-11", 3),
    "quicklane.export_stores_figures": ("manager", lambda w: "/quick-lane/figures/stores.xlsx?month=2026-11", 3),
    "quicklane_api.stores_figures": ("manager", lambda w: "/api/v1/quick-lane/figures/stores?month=2026-11", 3),
    # the month's figures in the API: the token, then as the page
    "quicklane_api.month_figures": ("manager", lambda w: "/api/v1/quick-lane/figures?month=2026-11", 4),
    # the day still in the lane: its cars, the store's time zone
    "quicklane_api.lane_day": ("manager", lambda w: "/api/v1/quick-lane/day", 2),
    # a car's extra work: as its page less the catalogue
    "quicklane_api.list_extra_work": ("technician", lambda w: f"/api/v1/quick-lane/orders/{w.ids['lane']}/extra",
                                      14),
    # CS's board: the call list (follow-ups with customer, vehicle and store joined, the form's recorder), the open
    # cases with their responsible manager
    "satisfaction.index": ("cs_supervisor", lambda w: "/satisfaction/", 5),  # with the top-marks check
    "satisfaction.follow_ups": ("cs_supervisor", lambda w: "/satisfaction/follow-ups", 3),
    "satisfaction.show_follow_up": ("cs_supervisor", lambda w: f"/satisfaction/follow-ups/{w.ids['follow_up']}", 9),
    # the page, its count, the complaints per technician named (the filter's counts): one grouped query
    "satisfaction.complaints": ("service_advisor", lambda w: "/satisfaction/complaints", 5),  # cs4: + the overdue count
    "satisfaction.new_complaint": ("cs_supervisor", lambda w: "/satisfaction/complaints/new", 3),  # + technicians
    "satisfaction.show_complaint": ("manager", lambda w: f"/satisfaction/complaints/{w.ids['complaint']}", 2),
    "satisfaction.month": ("cs_supervisor", lambda w: "/satisfaction/month?month=2026-11", 8),
    "satisfaction.export_month": ("manager", lambda w: "/satisfaction/month.xlsx?month=2026-11", 7),
    "satisfaction.settings": ("cs_supervisor", lambda w: "/satisfaction/settings", 2),
    "feedback.form": ("cs_supervisor", lambda w: f"/f/{w.ids['token']}", 3),
    "satisfaction_feedback_api.get_feedback": ("cs_supervisor", lambda w: f"/api/v1/feedback/{w.ids['token']}", 3),
    "satisfaction_follow_ups_api.list_follow_ups": ("cs_supervisor", lambda w: "/api/v1/follow-ups", 3),
    "satisfaction_follow_ups_api.get_follow_up": ("technician",
                                                  lambda w: f"/api/v1/follow-ups/{w.ids['follow_up']}", 9),
    "satisfaction_complaints_api.list_complaints": ("manager", lambda w: "/api/v1/complaints", 3),
    "satisfaction_complaints_api.get_complaint": ("cs_supervisor",
                                                  lambda w: f"/api/v1/complaints/{w.ids['complaint']}", 2),
    # satisfaction, the five assurances: six grouped queries for the 12 months (and six per time zone for the
    # ranking a group-level user sees); the records behind a figure are one query
    "satisfaction.assurances": ("manager", lambda w: "/satisfaction/assurance?month=2026-11", 7),
    "satisfaction.assurance_records": ("manager", lambda w: "/satisfaction/assurance/quality?month=2026-11", 2),
    "feedback.complaint": ("cs_supervisor", lambda w: f"/f/complaint/{w.store.code}", 3),
    "satisfaction.notes": ("manager", lambda w: "/satisfaction/notes", 6),
    # the operations dashboard: how far the night rolled its days up and those days (cs8: one union; none here, no
    # night ran), the days since counted live in three statements (revenue, cars per day and orders by kind, hours
    # sold and clocked in one), stock value and the technicians' names; then the sections of
    # repair.signals.month_panels:
    # booking's one grouped query, membership's three (members by tier, points, stored value) and (cs4) the month's
    # campaigns: their list and membership's results query (three grouped queries for each, five campaigns at most:
    # the fixture has one); the Excel collects the same sections, as rows
    "satisfaction.operations_page": ("manager", lambda w: "/satisfaction/operations?month=2026-11", 15),
    "satisfaction.export_operations": ("manager", lambda w: "/satisfaction/operations.xlsx?month=2026-11", 15),
    "stores.index": ("admin", lambda w: "/stores/", 3),
    "stores.stations": ("admin", lambda w: "/stores/stations", 4),
    "stores.new_station": ("admin", lambda w: "/stores/stations/new", 4),
}

# satisfaction (cs5): the five assurances read closed months from the monthly roll-up first (one query); the months
# it does not have (here: none rolled up) and the current month are computed live as before.
_role, _url, _budget = PAGES["satisfaction.assurances"]
PAGES["satisfaction.assurances"] = (_role, _url, _budget + 1)

# membership (issue 17, session 3): the owner's member view on the owner's pages (booking's progress and booking
# links) when the owner is a member: the member with both tiers, the points lots about to expire, the latest points
# and card movements, the free items left: at most 5 queries more, whatever the ledgers hold.
for _endpoint in ("booking.progress_page", "booking.manage"):
    _role, _url, _budget = PAGES[_endpoint]
    PAGES[_endpoint] = (_role, _url, _budget + 5)
# booking (session 9): opening the owner's page (the page and its API) commits the opening's counter asynchronously
# on PostgreSQL: `SET LOCAL synchronous_commit = off`, one statement that reads nothing (none on SQLite).
for _endpoint in ("booking.progress_page", "progress_api.get_progress"):
    _role, _url, _budget = PAGES[_endpoint]
    PAGES[_endpoint] = (_role, _url, _budget + 1)
# membership (members4): the group's campaigns over several stores, a group-level manager's pages: the new one's form
# (the request, the stores, the group's tiers); a launched one's results: the group, its store campaigns, their
# stores' codes, then each store's results (the groups, the discounts, per advisor: three grouped queries) for the
# two stores, and the same in the API; the Excel also the owners' rows, streamed store by store. The customer
# file: the campaign gifts the owner may be handed (one query).
PAGES.update({
    "members.new_group_campaign": ("group_manager", lambda w: "/members/group-campaigns/new", 3),
    "members.group_campaign": ("group_manager", lambda w: f"/members/group-campaigns/{w.ids['group_campaign']}", 16),
    "members.export_group_campaign": ("group_manager",
                                      lambda w: f"/members/group-campaigns/{w.ids['group_campaign']}/export.xlsx", 20),
    "campaigns_api.get_group_campaign": ("group_manager",
                                         lambda w: f"/api/v1/campaigns/groups/{w.ids['group_campaign']}", 16),
})
PAGES["customers.show_customer"] = (*PAGES["customers.show_customer"][:2], PAGES["customers.show_customer"][2] + 1)
# membership (members5): a second state of an endpoint measured above, under its own name. The draft group
# campaign's page: the request, the group, its store campaigns, their stores' codes, then each store's preview (its
# settings, its zone, the count: one query) for the two stores.
PAGE_VARIANTS = {
    "members.group_campaign (draft)": (
        "group_manager", lambda w: f"/members/group-campaigns/{w.ids['group_campaign_draft']}", 10),
    # a store campaign's draft (its page counts the target instead of showing results): four statements whatever
    # the store's owners (the HTTP benchmark's "campaign draft")
    "members.campaign (draft)": ("manager", lambda w: f"/members/campaigns/{w.ids['draft_campaign']}", 4),
    # satisfaction (cs7): the five assurances of a group-level manager: the request, the roll-up (one query), then,
    # nothing rolled up here, each zone's stores live over the months they need (seven grouped queries; the
    # fixture's stores are in one zone): the store's trend and every store's month counted together
    # (`assurance.overview`), not one set of queries for each
    "satisfaction.assurances (group)": ("group_manager", lambda w: "/satisfaction/assurance?month=2026-11", 9),
}
# The home page is the panels of the person's roles (auth.signals.home_panels), so it is measured as each role.
# Every panel's queries are a fixed number (lists stop at a LIMIT, figures are aggregates by store).
HOME_PAGES = {
    # the request; workshop, waiting approval, to hand over (one each, ORDER_ROW_LOADS joined); the calls (the
    # store's date, then the reminders with vehicle, customer and message joined); the quick lane (its cars, the
    # lane in one query); today's bookings (the store's zone, then the bookings with their advisors joined).
    # (lane2: a lane order is now in the workshop with extra work waiting, so its rows' loads are counted too)
    "service_advisor": 12,
    # the request; my jobs, their lines, the running clock; the quick lane (its cars, the lane)
    # (lane2: the lane's job in the bay is the technician's, so "their lines" is no longer an empty list's)
    "technician": 6,
    # the request; the issue queue, its jobs' technicians (who will come for the part), low stock
    "parts_clerk": 4,
    # the request; the orders ready, their jobs, their lines, the reversed orders (PRICING_LOADS), the VAT rate,
    # the tier rates of their customers who are members (membership's discount rule: one query for them all)
    "cashier": 7,
    # the request; the store, then one aggregate each: now (waiting approval, in the workshop), cars in, ready
    # and on time, revenue; the quick lane (its cars, the lane); today's bookings (the store's zone, the bookings
    # with their advisors)
    # (lane3: today's reminder to close the lane's day, one query)
    "manager": 11,
    # the request; the rescue board in brief (open calls, units, stations counted)
    "rescue_dispatcher": 4,
    # the request; the call list (follow-ups with customer, vehicle and store joined, and the form's recorder)
    "cs_supervisor": 2,
}
# Endpoints measured elsewhere or with nothing to count: static files, the login form, the OpenAPI
# document, a photo (a file), pages whose one row is built by another test's data.
NOT_COUNTED = {"static", "bootstrap.static", "api-docs.openapi_json", "auth.login", "repair.inspection_photo",
               "rescue.photo",
               "repair.edit_inspection_item", "sms.show", "sms_api.get_message", "stores.new", "stores.edit",
               "stores.edit_station",
               # the owner's details form needs the time held in the browser's session (tests/booking)
               "booking.details",
               # booking: an inspection photo by the owner's link (a file)
               "booking.progress_photo",
               # rescue: the owner's signature at hand-over (a file)
               "rescue.signature"}


def test_every_get_endpoint_states_its_query_budget(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert sorted(endpoints - set(PAGES) - NOT_COUNTED) == []
    assert sorted((set(PAGES) | NOT_COUNTED) - endpoints) == []


def test_query_counts_do_not_grow_with_the_rows(app, db_session, store, other_store):
    small = build_world(store, "s", SMALL)
    large = build_world(other_store, "l", LARGE)
    clients, tokens = {}, {}

    def signed_in(user):
        if user.id not in clients:
            clients[user.id] = isolated_client(app)
            login(clients[user.id], user)
        return clients[user.id]

    measured, problems = {}, []
    tables = store_tables()
    for endpoint, (role, url_of, budget) in [*PAGES.items(), *PAGE_VARIANTS.items()]:
        counts = []
        for world in (small, large):
            user = world.staff[role]
            url = url_of(world)
            if url.startswith("/api/"):
                headers = tokens.setdefault(user.id, bearer(user))
                status, n, statements = count_statements(signed_in(user), url, headers=headers)
            else:
                status, n, statements = count_statements(signed_in(user), url)
            if status != 200:
                problems.append(f"{endpoint}: {url} answered {status}")
            counts.append(n)
            problems.extend(f"{endpoint}: reads {table} without its store: {' '.join(sql.split())[:1500]}"
                            for sql in statements for table in loads_without_store(sql, tables))
        measured[endpoint] = counts
        if counts[0] != counts[1]:
            problems.append(f"{endpoint}: {counts[0]} queries with {SMALL} rows, {counts[1]} with {LARGE}")
        elif counts[1] > budget:
            problems.append(f"{endpoint}: {counts[1]} queries, over its budget of {budget}")
    for role, budget in HOME_PAGES.items():
        counts = []
        for world in (small, large):
            status, n, _statements = count_statements(signed_in(world.staff[role]), "/")
            if status != 200:
                problems.append(f"home of {role} answered {status}")
            counts.append(n)
        if counts[0] != counts[1]:
            problems.append(f"home of {role}: {counts[0]} queries with {SMALL} rows, {counts[1]} with {LARGE}")
        elif counts[1] > budget:
            problems.append(f"home of {role}: {counts[1]} queries, over its budget of {budget}")
        measured[f"home of {role}"] = counts
    assert problems == [], "\n".join(problems)


# -- every load carries the store ------------------------------------------------------------------------
# Every index leads with store_id (the tables are sharded by store later), so a statement that reads a
# store's table by anything but its primary key must say which store: a child table loaded by its parent's id
# alone (`WHERE odometer_readings.vehicle_id IN (...)`) scans the index instead of seeking it.
_FROM = re.compile(r"\bFROM (\w+)(?: AS (\w+))?")
_JOIN = re.compile(r"\bJOIN (\w+)(?: AS (\w+))? ON (.+?)(?=\s(?:LEFT OUTER JOIN|JOIN|WHERE|ORDER BY|GROUP BY|LIMIT)\b|$)",
                   re.S)


def store_tables() -> set[str]:
    """The tables of a store's rows: users are the group's directory (a group-level user has no store)."""
    return {table.name for table in db.metadata.sorted_tables if "store_id" in table.c} - {"users"}


def loads_without_store(statement: str, tables: set[str]) -> list[str]:
    """The store tables a SELECT reads other than by primary key without naming their store_id."""
    sql = " ".join(statement.split())
    if not sql.upper().startswith(("SELECT", "WITH")):
        return []
    missing = []
    for match in _FROM.finditer(sql):
        table, alias = match.group(1), match.group(2) or match.group(1)
        rest = sql[match.end():]
        if table in tables and f"{alias}.store_id" not in rest and not re.search(
                rf"\bWHERE {alias}\.id (?:=|IN)", rest):
            missing.append(table)
    for match in _JOIN.finditer(sql):
        table, alias, condition = match.group(1), match.group(2) or match.group(1), match.group(3)
        by_key = re.search(rf"(?:{alias}\.id = |= {alias}\.id\b)", condition)
        if table in tables and not by_key and f"{alias}.store_id" not in sql:
            missing.append(table)
    return missing


def test_the_store_check_tells_a_load_by_parent_alone_from_one_with_its_store(app):
    tables = store_tables()
    assert loads_without_store("SELECT odometer_readings.km FROM odometer_readings "
                               "WHERE odometer_readings.vehicle_id IN (?)", tables) == ["odometer_readings"]
    assert loads_without_store("SELECT vehicles_1.id, odometer_readings.km FROM vehicles AS vehicles_1 "
                               "JOIN odometer_readings ON vehicles_1.id = odometer_readings.vehicle_id "
                               "AND vehicles_1.store_id = odometer_readings.store_id WHERE vehicles_1.id IN (?)",
                               tables) == []
    assert loads_without_store("SELECT repair_jobs.id FROM repair_jobs JOIN repair_lines ON repair_jobs.id = "
                               "repair_lines.job_id WHERE repair_jobs.id = ?", tables) == ["repair_lines"]
    assert loads_without_store("SELECT users.id FROM users WHERE users.username = ?", tables) == []


def test_every_relationship_to_a_stores_rows_carries_the_store(app):
    """A one-to-many relationship to a table with a store_id joins on it (dealer.database.store_join)."""
    missing = []
    for mapper in db.Model.registry.mappers:
        for relationship in mapper.relationships:
            target = relationship.mapper.local_table
            if relationship.direction is not MANYTOONE and "store_id" in target.c and "store_id" in mapper.local_table.c:
                columns = sa.sql.visitors.iterate(relationship.primaryjoin)
                if not any(getattr(c, "table", None) is target and c.key == "store_id" for c in columns):
                    missing.append(f"{mapper.class_.__name__}.{relationship.key}")
    assert missing == []
