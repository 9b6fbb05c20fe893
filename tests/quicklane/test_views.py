"""The quick-lane pages: the manager's package screen, the desk taking a key, the board's taps, the lounge."""
from __future__ import annotations

import re

import pytest

from dealer.customers import vins
from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.quicklane import services
from dealer.quicklane.models import ExpressPackage, LaneOrder
from dealer.repair.models import RepairOrder
from tests.factories import CustomerFactory
from tests.helpers import NOW, count, field_has_error, fresh, inputs, login, page_text, persist, text
from tests.isolation import isolated_client
from tests.quicklane.builders import new_car, take_key, to_ready


@pytest.fixture()
def sign_in(app, package, staff):
    persist()

    def signed_in(role):
        client = isolated_client(app)
        login(client, staff[role])
        return client
    return signed_in


def test_manager_defines_a_package_on_the_screen(sign_in, shop):
    client = sign_in("manager")
    page = page_text(client.get("/quick-lane/packages/new"))
    assert f"o{shop.oil_service.id}" in page and f"p{shop.oil.id}" in page
    response = client.post("/quick-lane/packages/new", data={
        "code": "q10k", "name": "10000公里保养", "price": "599", "bay_minutes": "40", "wash_minutes": "15",
        "interval_km": "10000", "active": "y",
        "items-0-item": f"p{shop.oil.id}", "items-0-quantity": "4.5",
        "items-1-item": f"o{shop.oil_service.id}", "items-1-hours": "0.8"})
    assert response.status_code == 302
    saved = db.session.scalars(db.select(ExpressPackage).where(ExpressPackage.code == "Q10K")).one()
    assert (saved.price_fen, saved.bay_minutes, saved.interval_km) == (59_900, 40, 10_000)
    assert "10000公里保养" in page_text(client.get("/quick-lane/packages"))


def test_a_package_without_items_is_refused_on_its_field(sign_in):
    client = sign_in("manager")
    response = client.post("/quick-lane/packages/new", data={"code": "E", "name": "空", "price": "1",
                                                            "bay_minutes": "10"})
    assert response.status_code == 200
    assert "套餐至少包含一个配件或工时项目" in text(response)
    assert count(ExpressPackage) == 1


def test_the_desk_shows_the_promise_then_takes_the_key(sign_in, shop, package):
    car = new_car(shop)
    persist()
    client = sign_in("service_advisor")
    page = client.get(f"/quick-lane/open?plate={car.plate}")
    promised = inputs(page)["promised_at"]["value"]
    assert 'data-testid="lane-quote"' in page_text(page)
    response = client.post(f"/quick-lane/open?plate={car.plate}", data={
        "plate": car.plate, "package_id": package.id, "key_tag": "A7", "promised_at": promised})
    assert response.status_code == 302, text(response)[:2000]
    lane = db.session.scalars(db.select(LaneOrder)).one()
    assert (lane.key_tag, lane.plate, lane.promised_at.isoformat()) == ("A7", car.plate, promised)
    board = page_text(client.get("/quick-lane/"))
    assert car.plate in board and 'data-testid="lane-next"' in board


def test_a_bad_key_tag_is_shown_on_its_field_and_opens_nothing(sign_in, shop, package):
    car = new_car(shop)
    persist()
    client = sign_in("service_advisor")
    promised = inputs(client.get(f"/quick-lane/open?plate={car.plate}"))["promised_at"]["value"]
    response = client.post(f"/quick-lane/open?plate={car.plate}", data={
        "plate": car.plate, "package_id": package.id, "key_tag": "A\x07", "promised_at": promised})
    assert response.status_code == 200 and field_has_error(response, "key_tag")
    assert count(LaneOrder) == 0


def test_a_car_booked_online_without_its_vin_gets_it_typed_when_its_key_is_taken(sign_in, shop, package, staff):
    """Booking 6: a car filed by its plate (booked online) was refused by the lane with nowhere to type its VIN."""
    owner = CustomerFactory(store=shop.store)
    persist()
    car = vins.file_vehicle_without_vin(owner.id, plate="粤B7Q2L5", model="速腾", source="online_booking",
                                        actor=shop.advisor, now=NOW)
    persist()
    client = sign_in("service_advisor")
    page = client.get(f"/quick-lane/open?plate={car.plate}")
    promised = inputs(page)["promised_at"]["value"]
    assert "vin" in inputs(page)
    form = {"plate": car.plate, "package_id": package.id, "key_tag": "B2", "promised_at": promised}
    response = client.post(f"/quick-lane/open?plate={car.plate}", data=form)
    assert response.status_code == 200 and field_has_error(response, "vin")
    response = client.post(f"/quick-lane/open?plate={car.plate}", data={**form, "vin": "LFV3A23C9J301234X"})
    assert response.status_code == 200 and field_has_error(response, "vin")  # a wrong check digit
    assert count(LaneOrder) == 0 and db.session.get(Vehicle, car.id).vin is None
    response = client.post(f"/quick-lane/open?plate={car.plate}", data={**form, "vin": "lfv3a23c9j3012345"})
    assert response.status_code == 302, text(response)[:2000]
    lane = db.session.scalars(db.select(LaneOrder)).one()
    assert lane.plate == "粤B7Q2L5" and fresh(Vehicle, car.id).vin == "LFV3A23C9J3012345"
    assert "vin" not in inputs(client.get(f"/quick-lane/open?plate={car.plate}"))


def test_two_taps_from_two_tablets_apply_once(sign_in, shop, package, staff):
    car = new_car(shop)
    persist()
    desk = sign_in("service_advisor")
    promised = inputs(desk.get(f"/quick-lane/open?plate={car.plate}"))["promised_at"]["value"]
    desk.post(f"/quick-lane/open?plate={car.plate}", data={"plate": car.plate, "package_id": package.id,
                                                           "key_tag": "A1", "promised_at": promised})
    lane = db.session.scalars(db.select(LaneOrder)).one()
    tap = {"to_stage": "in_bay", "version": "1", "bay": "1", "technician_id": str(staff["technician"].id)}
    first, second = sign_in("technician"), sign_in("service_advisor")
    assert first.post(f"/quick-lane/{lane.id}/stage", data=tap).status_code == 302
    page = page_text(second.post(f"/quick-lane/{lane.id}/stage", data=tap, follow_redirects=True))
    assert "刚有人移动了这辆车" in page
    db.session.expire_all()
    assert (db.session.get(LaneOrder, lane.id).version, db.session.get(LaneOrder, lane.id).stage) == (2, "in_bay")


def test_the_lounge_masks_plates_and_shows_no_names(app, shop, package):
    car = new_car(shop)
    take_key(shop, package, car)
    persist()
    page = page_text(isolated_client(app).get(f"/quick-lane/lounge/{shop.store.code}"))
    assert car.plate not in page and f"{car.plate[:2]}·***{car.plate[-2:]}" in page
    assert car.owner.name not in page and "399" not in page
    assert 'hx-trigger="every 5s"' in page
    assert isolated_client(app).get("/quick-lane/lounge/NOPE").status_code == 404


def test_home_shows_the_lane_to_the_people_who_work_it(sign_in, shop, package):
    take_key(shop, package)  # at NOW, long ago by the real clock: at risk
    persist()
    for role in ("service_advisor", "technician", "manager"):
        page = page_text(sign_in(role).get("/"))
        assert 'data-testid="home-quick-lane"' in page and "有延误风险" in page, role
    assert 'data-testid="home-quick-lane"' not in page_text(sign_in("cashier").get("/"))


def test_the_board_flags_a_car_at_risk_and_shows_both_times(sign_in, shop, package):
    take_key(shop, package)
    persist()
    page = page_text(sign_in("technician").get("/quick-lane/cars"))
    assert 'data-testid="lane-late"' in page  # promised at 10:45 on 2026-11-23, long past
    assert 'data-testid="lane-promise">10:45<' in page
    assert 'data-testid="nav-quick-lane"' in page_text(sign_in("technician").get("/quick-lane/"))


def test_manager_sets_the_lane_and_who_is_on_shift(sign_in, shop, staff):
    client = sign_in("manager")
    assert client.post("/quick-lane/settings", data={"bays": "3", "cap_per_quarter": "2"}).status_code == 302
    shift = {"user_id": staff["technician"].id, "on_shift": "0"}
    assert client.post("/quick-lane/shifts", data=shift).status_code == 302
    page = page_text(client.get("/quick-lane/settings"))
    assert inputs(client.get("/quick-lane/settings"))["bays"]["value"] == "3" and "下班" in page
    assert services.lane_now(shop.store.id).technicians == 0
    refused = client.post("/quick-lane/settings", data={"bays": "0", "cap_per_quarter": "2"})
    assert refused.status_code == 200 and field_has_error(refused, "bays")


def test_the_quote_of_a_package_id_no_database_holds_is_no_quote(sign_in, package):
    client = sign_in("service_advisor")
    for wrong in ("99999999999999999999", "1.5", "-3", "x"):
        response = client.get(f"/quick-lane/quote?package_id={wrong}")
        assert response.status_code == 200 and 'data-testid="lane-quote"' not in text(response), wrong
    assert 'data-testid="lane-quote"' in text(client.get(f"/quick-lane/quote?package_id={package.id}"))


def test_the_cashier_settles_a_lane_order_at_the_package_price_on_the_settle_page(sign_in, shop, package):
    lane = to_ready(shop, take_key(shop, package))
    persist()
    cashier = sign_in("cashier")
    response = cashier.get(f"/repair/orders/{lane.repair_order_id}/settle")
    page = page_text(response)
    # The lane order is read for pricing in this request alone (not held by the test): the package still counts.
    assert 'data-total-fen="39900"' in page
    cashier.post(f"/repair/orders/{lane.repair_order_id}/settle", data={
        "csrf_token": inputs(response)["csrf_token"]["value"], "payments-0-method": "cash", "payments-0-amount": "399.00"})
    order = db.session.get(RepairOrder, lane.repair_order_id)
    db.session.refresh(order)
    assert (order.state, order.customer_total_fen) == ("settled", 39_900)


def test_extra_work_from_the_bay_to_the_owners_consent_on_the_pages(sign_in, shop, package, staff):
    lane = take_key(shop, package)
    services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.technician, now=NOW)
    persist()
    technician = sign_in("technician")
    assert 'data-testid="lane-extra"' in page_text(technician.get("/quick-lane/cars"))
    bad = technician.post(f"/quick-lane/{lane.id}/extra", data={
        "concern": "前刹车片磨损", "item": f"o{shop.brakes.id}", "minutes": "0"})
    assert field_has_error(bad, "minutes") and db.session.get(LaneOrder, lane.id).extra_job_id is None
    technician.post(f"/quick-lane/{lane.id}/extra", data={
        "concern": "前刹车片磨损", "item": f"o{shop.brakes.id}", "minutes": "40"})
    page = page_text(technician.get(f"/quick-lane/{lane.id}/extra"))
    assert 'data-testid="lane-extra-price">¥144.00<' in page and 'data-testid="lane-extra-approve"' not in page
    advisor = sign_in("service_advisor")
    page = page_text(advisor.get(f"/quick-lane/{lane.id}/extra"))
    assert 'data-testid="lane-extra-approve"' in page and 'data-testid="lane-extra-ready"' in page
    answer = advisor.post(f"/quick-lane/{lane.id}/extra/answer", data={
        "approved": "1", "method": "in_person", "approver_name": "王先生"})
    assert answer.status_code == 302
    left = db.session.get(LaneOrder, lane.id)
    db.session.refresh(left)
    assert (left.stage, left.extra_job_id) == ("left_lane", None)
    assert plate_absent(page_text(advisor.get("/quick-lane/cars")), left.plate)


def plate_absent(page, plate):
    return f'data-plate="{plate}"' not in page


def test_the_manager_closes_the_day_on_its_page(sign_in, shop, package):
    carried, closed = take_key(shop, package, key_tag="A"), take_key(shop, package, key_tag="B")
    persist()
    manager = sign_in("manager")
    page = page_text(manager.get("/quick-lane/close-day"))
    assert page.count('data-testid="close-day-car"') == 2
    manager.post(f"/quick-lane/{carried.id}/close-day", data={"version": "1", "action": "carry", "reason": ""})
    refused = manager.post(f"/quick-lane/{closed.id}/close-day", data={"version": "1", "action": "close"},
                           follow_redirects=True)
    assert "请说明原因" in page_text(refused)
    manager.post(f"/quick-lane/{closed.id}/close-day", data={"version": "1", "action": "close", "reason": "车主取消"})
    page = page_text(manager.get("/quick-lane/close-day"))
    assert page.count('data-testid="close-day-car"') == 1 and "已结转" in page
    assert sign_in("service_advisor").get("/quick-lane/close-day").status_code == 403


def test_each_card_says_the_minutes_since_the_key_and_to_go(sign_in, shop, package):
    take_key(shop, package)  # at NOW, long ago by the real clock; waiting: 30 min in the bay and 15 at the wash
    persist()
    board = page_text(sign_in("technician").get("/quick-lane/cars"))
    times = [(int(e), int(r)) for e, r in re.findall(r"接钥匙后 (\d+) 分钟，还需 (\d+) 分钟", board)]
    assert len(times) == 1 and times[0][0] > 60 and times[0][1] == 45
