"""Customer loss (客户流失): owners not seen for the store's months (at risk 6, lost 12), their list, the monthly
figures, and a win-back campaign that targets exactly the list."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from dealer.customers.models import Customer, Vehicle
from dealer.database import utcnow
from dealer.extensions import db
from dealer.members import queries, services, targeting
from dealer.members.models import CampaignTarget, LossMonth, OwnerSeen, OwnerSeenRun
from dealer.members.queries import loss
from dealer.members.targeting import local_midnight, months_before
from dealer.parts import services as parts
from dealer.repair import services as repair
from dealer.repair.models import RepairOrder
from dealer.sms.outbox import zone_of_store
from tests.factories import CustomerFactory, RepairOrderFactory, StoreFactory, VehicleFactory
from tests.helpers import NOW, inputs, login
from tests.isolation import isolated_client
from tests.members.helpers import every_listed
from tests.repair.builders import finished_order, pay

BILL = 36600
TODAY = date(2026, 11, 23)  # NOW in Shanghai


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=timezone.utc)  # noon in Shanghai


def owner(store, *visits: date, consent=True, **vehicle):
    customer = CustomerFactory(store=store, marketing_consent=consent)
    VehicleFactory(owner=customer, store=store, **vehicle)
    db.session.flush()
    return customer


def visit(shop, customer, day: date):
    shop.vehicle = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == customer.id))
    order = finished_order(shop, now=at(day))
    repair.settle(order.id, pay(order, (BILL, "cash")), actor=shop.cashier, now=at(day))


def people(shop):
    store = shop.store
    parts.receive_stock(shop.oil.id, quantity=50_000, unit_cost_fen=4000, reference="DN1", actor=shop.clerk,
                        now=at(date(2025, 1, 2)))
    builders_owner = db.session.get(Customer, shop.vehicle.owner_id)
    made = {name: owner(store) for name in ("recent", "at_risk", "lost", "won_back", "new_file")}
    made["imported"] = owner(store, last_maintenance_date=date(2025, 1, 10))
    # seen through the car alone (maintenance imported from the previous system): neither at risk nor lost
    made["imported_recent"] = owner(store, last_maintenance_date=date(2026, 10, 1))
    visit(shop, made["recent"], date(2026, 9, 1))
    visit(shop, made["at_risk"], date(2026, 5, 15))
    visit(shop, made["lost"], date(2025, 9, 10))
    visit(shop, made["won_back"], date(2025, 10, 1))
    visit(shop, made["won_back"], date(2026, 11, 10))
    # the files were all made long ago, but for the new one (today)
    db.session.execute(sa.update(type(made["recent"])).where(type(made["recent"]).store_id == store.id)
                       .values(created_at=at(date(2024, 1, 1))))
    made["new_file"].created_at = NOW
    builders_owner.created_at = NOW  # the builders' own owner: a new file without history
    db.session.flush()
    return made


def listed(shop, status, sort="last_visit"):
    page = queries.lost_owners(shop.store.id, settings=services.settings_for(shop.store.id), today=TODAY,
                               zone=zone_of_store(shop.store.id), status=status, sort=sort)
    return page.owners


def test_owners_at_risk_and_lost_are_listed_with_their_last_visit_and_spend(shop):
    made = people(shop)
    at_risk = listed(shop, "at_risk")
    assert [o.customer_id for o in at_risk] == [made["at_risk"].id]
    assert (at_risk[0].last_visit, at_risk[0].spend_fen, len(at_risk[0].plates)) == (date(2026, 5, 15), BILL, 1)
    lost = listed(shop, "lost")
    # the imported owner (last maintenance in January 2025, before the system) counts as lost too; oldest first
    assert [o.customer_id for o in lost] == [made["imported"].id, made["lost"].id]
    assert lost[0].last_visit == date(2025, 1, 10) and lost[0].spend_fen == 0
    assert [o.customer_id for o in listed(shop, "lost", sort="spend")][0] == made["lost"].id


def test_monthly_figures_count_active_newly_at_risk_newly_lost_and_won_back(shop):
    people(shop)
    figures = {f.month: f for f in queries.monthly_figures(
        shop.store.id, settings=services.settings_for(shop.store.id), today=TODAY, zone=zone_of_store(shop.store.id))}
    assert len(figures) == 12 and min(figures) == date(2025, 12, 1)
    november = figures[date(2026, 11, 1)]
    # active: seen since June (recent, won back); at risk this month: last seen in May
    assert (november.active, november.newly_at_risk, november.newly_lost, november.won_back) == (2, 1, 0, 1)
    assert figures[date(2026, 9, 1)].newly_lost == 1  # last seen in September 2025
    assert figures[date(2026, 4, 1)].newly_at_risk == 1  # the won-back owner, last seen October 2025


def test_a_win_back_campaign_targets_exactly_the_list(shop):
    made = people(shop)
    for status, expected in (("lost", {made["lost"].id, made["imported"].id}), ("at_risk", {made["at_risk"].id})):
        campaign = services.win_back_campaign(shop.store.id, status, actor=shop.manager, now=NOW)
        launched = services.launch_campaign(campaign.id, actor=shop.manager, now=NOW, seed=1)
        assert set(db.session.scalars(sa.select(CampaignTarget.customer_id).where(
            CampaignTarget.campaign_id == launched.id))) == expected


def test_the_loss_page_lists_and_the_manager_makes_the_campaign(app, shop, staff):
    made = people(shop)
    db.session.commit()
    client = isolated_client(app)
    login(client, staff["manager"])
    page = client.get("/members/loss?status=lost")
    html = page.get_data(as_text=True)
    assert html.count('data-testid="loss-owner"') == 2 and made["lost"].name in html
    token = inputs(page)["csrf_token"]["value"]
    response = client.post("/members/loss/win-back", data={"csrf_token": token, "status": "lost"})
    assert response.status_code == 302 and "/members/campaigns/" in response.headers["Location"]
    advisor = isolated_client(app)
    login(advisor, staff["service_advisor"])
    assert advisor.get("/members/loss").status_code == 200
    assert advisor.post("/members/loss/win-back", data={"status": "lost"}).status_code in (400, 403)


def _figures_by_definition(visits: dict[int, list[datetime]], *, today: date, zone, at_risk: int, lost: int):
    """The monthly figures from each owner's paid visits, month by month, as docs/members.md defines them."""
    figures = []
    first = today.replace(day=1)
    for back in range(11, -1, -1):
        start_day = months_before(first, back)
        end_day = (start_day + timedelta(days=32)).replace(day=1)
        start, end = local_midnight(start_day, zone), local_midnight(end_day, zone)
        risk_start, risk_end = (local_midnight(months_before(day, at_risk), zone) for day in (start_day, end_day))
        lost_start, lost_end = (local_midnight(months_before(day, lost), zone) for day in (start_day, end_day))
        counts = [0, 0, 0, 0]
        for times in visits.values():
            last = max((t for t in times if t < end), default=None)
            before = max((t for t in times if t < start), default=None)
            if last is not None:
                counts[0] += last >= risk_end
                counts[1] += risk_start <= last < risk_end
                counts[2] += lost_start <= last < lost_end
            counts[3] += any(start <= t < end for t in times) and before is not None and before < risk_start
        figures.append((start_day, *counts))
    return figures


def _random_history(shop, rng, owners: int = 40) -> dict[int, list[datetime]]:
    """Random visits over three years (same-moment visits, reversals, unpaid and other stores' orders among them):
    each owner's paid visits, as the definition reads them."""
    store = shop.store
    other = StoreFactory(code="SZ99")
    visits: dict[int, list[datetime]] = {}
    for number in range(owners):
        customer = owner(store)
        car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == customer.id))
        times = visits.setdefault(customer.id, [])
        for _ in range(rng.randint(0, 6)):
            settled = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 3 * 365 * 1440))
            settled = min(settled, datetime(2026, 11, 23, 3, tzinfo=timezone.utc))
            kind = rng.choice(("paid", "paid", "paid", "twice", "delivered", "reversed", "open"))
            state = "delivered" if kind == "delivered" else "open" if kind == "open" else "settled"
            order = RepairOrderFactory(store=store, vehicle=car, customer=customer, state=state,
                                       settled_at=None if kind == "open" else settled)
            if kind == "reversed":  # the reversal (红冲) is no visit; the order it reverses still counts as made
                RepairOrderFactory(store=store, vehicle=car, customer=customer, state="settled", reversal_of_id=order.id,
                                   settled_at=settled + timedelta(days=1))
            if kind == "twice":  # two orders settled at the same moment: one visit each, counted once a month
                RepairOrderFactory(store=store, vehicle=car, customer=customer, state="settled", settled_at=settled)
                times.append(settled)
            if kind != "open":
                times.append(settled)
        if number % 10 == 0:  # an owner of another store with the same story: never counted here
            RepairOrderFactory(store=other, state="settled", settled_at=datetime(2026, 10, 1, tzinfo=timezone.utc))
    db.session.flush()
    return visits


def _rows(figures):
    return [(f.month, f.active, f.newly_at_risk, f.newly_lost, f.won_back) for f in figures]


def test_monthly_figures_agree_with_the_definition_over_many_owners_visits(shop):
    """Random visits over three years: the one-query figures equal the month-by-month definition."""
    store, zone = shop.store, zone_of_store(shop.store.id)
    visits = _random_history(shop, random.Random(17))
    settings = services.settings_for(store.id)
    got = _rows(queries.monthly_figures(store.id, settings=settings, today=TODAY, zone=zone))
    expected = _figures_by_definition(visits, today=TODAY, zone=zone, at_risk=settings.at_risk_months,
                                      lost=settings.lost_months)
    assert got == expected
    assert sum(row[1] for row in got) > 0 and sum(row[4] for row in got) > 0  # the data exercises the figures


def _page_figures(store_id, zone):
    figures = queries.loss_figures(store_id, settings=services.settings_for(store_id), today=TODAY, zone=zone)
    return _rows(figures.months), figures.closed_at


def _definition(visits, store_id, zone):
    settings = services.settings_for(store_id)
    return _figures_by_definition(visits, today=TODAY, zone=zone, at_risk=settings.at_risk_months,
                                  lost=settings.lost_months)


def test_the_nightly_roll_up_and_the_live_month_agree_with_the_definition_through_late_changes(shop):
    """The page's figures (the closed months from the nightly roll-up, the current one as the night counted it and
    brought up to date with the owners who came since) equal the definition before the first night (all live),
    after it, after today's visits and a reversal (the current month moves at once), and after history imported
    into a closed month (right from the next night)."""
    store, zone = shop.store, zone_of_store(shop.store.id)
    rng = random.Random(5)
    visits = _random_history(shop, rng, owners=60)
    assert _page_figures(store.id, zone) == (_definition(visits, store.id, zone), None)  # no night yet: all live
    night = NOW - timedelta(hours=8)  # 02:00 at the store: today's visits below come after it
    assert services.roll_up_loss(now=night, store_ids=[store.id]) == 11
    got, closed_at = _page_figures(store.id, zone)
    assert closed_at == night and got == _definition(visits, store.id, zone)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LossMonth).where(
        LossMonth.store_id == store.id, LossMonth.month == date(2026, 11, 1))) == 1  # the current month counted too
    assert sum(row[4] for row in got) > 0 and sum(row[3] for row in got) > 0  # the data exercises the figures
    # today: owners long away come back (won back, active), one pays twice; an order of today is reversed
    away = [customer_id for customer_id, times in visits.items()
            if times and max(times) < datetime(2026, 4, 1, tzinfo=timezone.utc)][:3]
    assert away
    for number, customer_id in enumerate(away):
        car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == customer_id))
        customer = db.session.get(Customer, customer_id)
        settled = NOW - timedelta(hours=2 + number)
        order = RepairOrderFactory(store=store, vehicle=car, customer=customer, state="settled", settled_at=settled)
        visits[customer_id].append(settled)
        if number == 0:  # its reversal (红冲) is no visit: the figures stay as the visit made them
            RepairOrderFactory(store=store, vehicle=car, customer=customer, state="settled", reversal_of_id=order.id,
                               settled_at=NOW - timedelta(minutes=30))
    db.session.flush()
    got, closed_at = _page_figures(store.id, zone)
    assert closed_at == night and got == _definition(visits, store.id, zone)
    assert got[-1][4] >= len(away)  # the current month, up to date
    # history imported late into a closed month (the previous system's orders): right from the next night on
    late = next(customer_id for customer_id, times in visits.items() if not times)
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == late))
    when = datetime(2026, 8, 10, 4, tzinfo=timezone.utc)
    RepairOrderFactory(store=store, vehicle=car, customer=db.session.get(Customer, late), state="settled",
                       settled_at=when)
    visits[late].append(when)
    db.session.flush()
    assert services.roll_up_loss(now=NOW + timedelta(days=1), store_ids=[store.id]) == 11
    got, closed_at = _page_figures(store.id, zone)
    assert closed_at == NOW + timedelta(days=1) and got == _definition(visits, store.id, zone)


def test_the_current_month_is_the_nights_count_with_the_owners_who_came_since(shop):
    """The page reads the night's count of the current month (changed here by hand to tell them apart) and adds
    the owners who came since; a visit recorded since with a time before the night (history imported late)
    counts from the next night, as in the closed months."""
    store, zone = shop.store, zone_of_store(shop.store.id)
    visits = _random_history(shop, random.Random(23), owners=40)
    night = NOW - timedelta(hours=8)
    services.roll_up_loss(now=night, store_ids=[store.id])
    current = (LossMonth.store_id == store.id, LossMonth.month == date(2026, 11, 1))
    db.session.execute(sa.update(LossMonth).where(*current).values(active=LossMonth.active + 100))
    got, definition = _page_figures(store.id, zone)[0], _definition(visits, store.id, zone)
    assert got[:-1] == definition[:-1] and got[-1] == (definition[-1][0], definition[-1][1] + 100, *definition[-1][2:])
    db.session.execute(sa.update(LossMonth).where(*current).values(active=LossMonth.active - 100))
    # an owner away since March comes back "yesterday evening", recorded only now
    away = next(customer_id for customer_id, times in visits.items()
                if times and max(times) < datetime(2026, 3, 1, tzinfo=timezone.utc))
    before = _page_figures(store.id, zone)[0]
    RepairOrderFactory(store=store, vehicle=db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == away)),
                       customer=db.session.get(Customer, away), state="settled", settled_at=night - timedelta(hours=3))
    visits[away].append(night - timedelta(hours=3))
    db.session.flush()
    definition = _definition(visits, store.id, zone)
    assert _page_figures(store.id, zone)[0] == before != definition  # not yet
    assert definition[-1][4] == before[-1][4] + 1  # won back, by the definition
    services.roll_up_loss(now=night + timedelta(days=1), store_ids=[store.id])
    assert _page_figures(store.id, zone)[0] == definition  # the next night


def test_changed_months_count_live_until_the_next_night(shop):
    store, zone = shop.store, zone_of_store(shop.store.id)
    visits = _random_history(shop, random.Random(11), owners=30)
    services.roll_up_loss(now=NOW, store_ids=[store.id])
    settings = services.settings_for(store.id)
    settings.at_risk_months, settings.lost_months = 3, 9
    db.session.merge(settings)
    db.session.flush()
    assert _page_figures(store.id, zone) == (_definition(visits, store.id, zone), None)
    services.roll_up_loss(now=NOW, store_ids=[store.id])
    assert _page_figures(store.id, zone) == (_definition(visits, store.id, zone), NOW)


def test_the_roll_up_is_a_nightly_task_and_the_page_says_when_it_counted(app, shop, staff):
    from dealer.scheduler import nightly_tasks  # noqa: PLC0415

    assert dict(nightly_tasks())["member_loss_rollup"] is services.roll_up_loss
    people(shop)
    db.session.commit()
    client = isolated_client(app)
    login(client, staff["manager"])
    night = utcnow()  # the night counted for the page's own date
    counted = night.astimezone(zone_of_store(shop.store.id)).strftime("%Y-%m-%d %H:%M")
    html = client.get("/members/loss").get_data(as_text=True)
    assert 'data-testid="loss-months-as-of"' in html and counted not in html  # no night yet: all live
    assert 'data-testid="loss-counted-at"' not in html
    services.roll_up_loss(now=night, store_ids=[shop.store.id])
    html = client.get("/members/loss").get_data(as_text=True)
    assert counted in html.split('data-testid="loss-months-as-of"')[1]
    assert 'data-testid="loss-counted-at"' in html and counted in html.split('data-testid="loss-counted-at"')[1]


def _expected(store_id, zone, visits, serviced, created):
    """Each owner's status by the definition: last seen = the later of the last paid visit and the start of the cars'
    last maintenance day, else the file's making."""
    def cutoff(months):
        return local_midnight(months_before(TODAY, months), zone)
    status = {}
    for customer_id, made in created.items():
        times = list(visits.get(customer_id, [])) + [local_midnight(day, zone) for day in serviced.get(customer_id, [])]
        seen = max(times) if times else made
        status[customer_id] = "lost" if seen < cutoff(12) else "at_risk" if seen < cutoff(6) else None
    return ({c for c, s in status.items() if s == "at_risk"}, {c for c, s in status.items() if s == "lost"})


def test_the_lists_and_the_preview_from_tonights_counts_agree_with_the_definition_through_late_changes(shop,
                                                                                                   monkeypatch):
    """Random owners (visits, reversals, cars' maintenance as imported, files old and new): the at-risk and lost
    lists and a win-back preview equal the definition before the night (live), after it (tonight's counts), after
    a visit and a reversal today (at once), and after a car's maintenance imported today (from the next night)."""
    monkeypatch.setattr(loss, "PER_PAGE", 4)  # page after page
    store, zone = shop.store, zone_of_store(shop.store.id)
    rng = random.Random(23)
    visits = _random_history(shop, rng, owners=60)
    serviced: dict[int, list[date]] = {}
    for customer_id in visits:
        if rng.random() < 0.4:
            day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1050))
            db.session.execute(sa.update(Vehicle).where(Vehicle.owner_id == customer_id)
                               .values(last_maintenance_date=day))
            serviced[customer_id] = [day]
        made = at(date(2023, 6, 1)) if rng.random() < 0.7 else NOW - timedelta(days=rng.randint(0, 500))
        db.session.execute(sa.update(Customer).where(Customer.id == customer_id).values(created_at=made))
    created = dict(db.session.execute(sa.select(Customer.id, Customer.created_at).where(
        Customer.store_id == store.id)).all())
    db.session.flush()
    win_back = services.create_campaign(store.id, services.CampaignInput(
        name="挽回", season="other", starts_on=TODAY, ends_on=TODAY + timedelta(days=30), not_seen_months=6,
        seen_within_months=12), actor=shop.manager, now=NOW)

    def check():
        at_risk, lost = _expected(store.id, zone, visits, serviced, created)
        listed = every_listed(store.id, "lost", today=TODAY, zone=zone)
        at_risk_listed = every_listed(store.id, "at_risk", today=TODAY, zone=zone)
        assert (set(at_risk_listed), set(listed)) == (at_risk, lost) and len(listed) == len(lost)
        assert services.preview(win_back, now=NOW)[0] == len(at_risk)
        return at_risk, lost

    at_risk, lost = check()  # no night yet: live
    assert len(at_risk) > 2 and len(lost) > 2  # the data exercises both lists
    services.roll_up_loss(now=NOW - timedelta(hours=6), store_ids=[store.id])  # 04:00 in Shanghai
    assert targeting.seen_counted_at(store.id, today=TODAY, zone=zone) == NOW - timedelta(hours=6)
    check()
    # tonight's counts list the oldest first by when the owner was last seen (the later of visit and maintenance)
    seen = dict(db.session.execute(sa.select(OwnerSeen.customer_id, OwnerSeen.seen_at)).all())
    assert every_listed(store.id, "lost", today=TODAY, zone=zone) == sorted(lost, key=lambda c: (seen[c], c))
    # today: a lost owner pays a visit (off the list at once); an at-risk one too, and that order is reversed (红冲:
    # the visit was made, the owner stays seen)
    for number, customer_id in enumerate((sorted(lost)[0], sorted(at_risk)[0])):
        car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == customer_id))
        customer = db.session.get(Customer, customer_id)
        order = RepairOrderFactory(store=store, vehicle=car, customer=customer, state="settled",
                                   settled_at=NOW - timedelta(hours=1))
        visits.setdefault(customer_id, []).append(NOW - timedelta(hours=1))
        if number == 1:
            RepairOrderFactory(store=store, vehicle=car, customer=customer, state="settled", reversal_of_id=order.id,
                               settled_at=NOW)
    db.session.flush()
    check()
    # a car's maintenance imported today (the previous system's record): the definition moves at once, the lists
    # from the next night on (the page says they count maintenance from the night)
    imported = sorted(lost)[1]
    db.session.execute(sa.update(Vehicle).where(Vehicle.owner_id == imported)
                       .values(last_maintenance_date=date(2026, 10, 1)))
    serviced[imported] = [date(2026, 10, 1)]
    db.session.flush()
    assert imported in every_listed(store.id, "lost", today=TODAY, zone=zone)  # a day's lag
    services.roll_up_loss(now=NOW, store_ids=[store.id])
    assert imported not in check()[1]
    # a night of another day does not count for today: live again
    db.session.execute(sa.update(OwnerSeenRun).values(computed_at=NOW - timedelta(days=1)))
    assert targeting.seen_counted_at(store.id, today=TODAY, zone=zone) is None
    check()


def test_the_last_visit_is_the_stores_day_of_the_visit(shop):
    """A visit at 01:00 in Shanghai (17:00 UTC the day before) was on the store's day, not UTC's."""
    customer = owner(shop.store)
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == customer.id))
    customer.created_at = at(date(2024, 1, 1))
    RepairOrderFactory(store=shop.store, vehicle=car, customer=customer, state="settled",
                       settled_at=datetime(2026, 5, 15, 17, 0, tzinfo=timezone.utc))
    db.session.flush()
    listed_owner = next(o for o in listed(shop, "at_risk") if o.customer_id == customer.id)
    assert listed_owner.last_visit == date(2026, 5, 16)


def _every_row(store_id: int, status: str, sort: str, *, zone):
    """Every page of the list with `status` by `sort`: (owner, last visit, spend, cars, advisor), in its order."""
    found, page = [], 1
    while True:
        listing = queries.lost_owners(store_id, settings=services.settings_for(store_id), today=TODAY, zone=zone,
                                      status=status, sort=sort, page=page)
        found += [(o.customer_id, o.last_visit, o.spend_fen, tuple(o.plates), o.advisor) for o in listing.owners]
        if not listing.has_next:
            return found
        page += 1


def test_the_lists_figures_from_tonights_counts_equal_the_live_ones_through_changes_since(shop, monkeypatch):
    """Each listed owner's last visit, lifetime spend (reversals against it), cars and advisor as tonight's counts
    carry them equal the live count's, before and after changes since the night: a reversal today of an old order
    (the spend drops at once) and a visit today (off the list). By spend, in the same order."""
    monkeypatch.setattr(loss, "PER_PAGE", 4)
    store, zone = shop.store, zone_of_store(shop.store.id)
    rng = random.Random(7)
    _random_history(shop, rng, owners=50)
    db.session.execute(sa.update(Customer).where(Customer.store_id == store.id).values(
        created_at=at(date(2023, 6, 1)), advisor_id=shop.advisor.user_id))
    orders = db.session.execute(sa.select(RepairOrder.id, RepairOrder.reversal_of_id).where(
        RepairOrder.store_id == store.id).order_by(RepairOrder.reversal_of_id.is_not(None), RepairOrder.id)).all()
    totals = {}
    for order_id, reversal_of_id in orders:  # spends apart (ties would test only the tie-break), a reversal the
        totals[order_id] = -totals[reversal_of_id] if reversal_of_id else rng.randint(1, 10**8)  # mirror of its order
    db.session.execute(sa.update(RepairOrder.__table__).where(RepairOrder.__table__.c.id == sa.bindparam("order_id"))
                       .values(customer_total_fen=sa.bindparam("total")),
                       [{"order_id": order_id, "total": total} for order_id, total in totals.items()])
    db.session.expire_all()

    def live_and_counted():
        db.session.execute(sa.update(OwnerSeenRun).values(computed_at=NOW - timedelta(days=2)))  # another day's
        live = {(status, sort): _every_row(store.id, status, sort, zone=zone)
                for status in ("at_risk", "lost") for sort in ("last_visit", "spend")}
        db.session.execute(sa.update(OwnerSeenRun).values(computed_at=NOW - timedelta(hours=6)))
        assert targeting.seen_counted_at(store.id, today=TODAY, zone=zone) is not None
        for (status, sort), rows in live.items():
            counted = _every_row(store.id, status, sort, zone=zone)
            if sort == "spend":
                assert counted == rows
            else:  # tonight's counts list by when last seen, the live count by the last visit: the same rows
                assert sorted(counted) == sorted(rows) and len(counted) == len({row[0] for row in counted})
        return live

    services.roll_up_loss(now=NOW - timedelta(hours=6), store_ids=[store.id])
    live = live_and_counted()
    at_risk = [row for row in live["at_risk", "spend"] if row[2] > 0]
    assert len(at_risk) > 2 and len(live["lost", "spend"]) > 2 and all(row[4] for row in at_risk)
    # today: an at-risk owner's old order is reversed (红冲: the visit stays made, the spend drops), a lost owner
    # pays a visit (off the list)
    reversed_owner, visitor = at_risk[0][0], live["lost", "spend"][0][0]
    reversed_ids = sa.select(RepairOrder.reversal_of_id).where(RepairOrder.reversal_of_id.is_not(None))
    old = db.session.scalars(sa.select(RepairOrder).where(
        RepairOrder.customer_id == reversed_owner, RepairOrder.state.in_(("settled", "delivered")),
        RepairOrder.reversal_of_id.is_(None), RepairOrder.id.not_in(reversed_ids)).order_by(RepairOrder.id)).first()
    assert old is not None and old.customer_total_fen > 0
    RepairOrderFactory(store=store, vehicle=db.session.get(Vehicle, old.vehicle_id),
                       customer=db.session.get(Customer, reversed_owner), state="settled", reversal_of_id=old.id,
                       settled_at=NOW - timedelta(minutes=5), customer_total_fen=-old.customer_total_fen)
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == visitor))
    RepairOrderFactory(store=store, vehicle=car, customer=db.session.get(Customer, visitor), state="settled",
                       settled_at=NOW - timedelta(hours=1), customer_total_fen=50_000)
    db.session.flush()
    after = live_and_counted()
    spend = {row[0]: row[2] for row in after["at_risk", "spend"]}
    assert spend[reversed_owner] == at_risk[0][2] - old.customer_total_fen
    assert visitor not in {row[0] for row in after["lost", "spend"]}
