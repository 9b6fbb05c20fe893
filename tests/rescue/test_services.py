"""Rescue services: intake from the phone number, priority, guards, dispatch, the status machine, tow-in."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.repair.models import RepairOrder
from dealer.rescue import services
from dealer.rescue.errors import GuardNotRecorded, LinkExpired, RescueError, ResponderNotAvailable, WrongState
from dealer.rescue.models import RescueCall, RescueEvent, RescueUnit
from dealer.rescue.services import IntakeInput
from dealer.rescue.signals import call_completed
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, StationFactory, VehicleFactory
from tests.helpers import NOW, count, fresh
from tests.repair.builders import TINY_PNG
from tests.rescue.builders import BAOAN, DONGGUAN, NANSHAN, key, link, take_call, unit

LATER = NOW + timedelta(minutes=3)


def _dispatch(call, who, responder, **kwargs):
    return services.dispatch_call(call.id, responder=responder, actor=who, now=kwargs.pop("now", LATER),
                                  crew_link=link, **kwargs)


def _token(sent: str) -> str:
    return sent.rsplit("/", 1)[-1]


def _events(call_id) -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(sa.select(RescueEvent.leg, RescueEvent.kind)
                                                     .where(RescueEvent.call_id == call_id).order_by(RescueEvent.id))]


# -- intake -------------------------------------------------------------------------------------------

def test_save_intake_phone_finds_the_customer_and_offers_their_vehicles(ctx, store, dispatcher):
    owner = CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678")
    car = VehicleFactory(owner=owner, store=store)
    call = take_call(store, dispatcher, phone="138 1234 5678")
    assert call.customer_id == owner.id and [v.id for v in call.customer.vehicles] == [car.id]
    assert call.vehicle_id is None and call.state == "received"
    assert _events(call.id) == [(0, "received")]


def test_save_intake_same_screen_key_updates_one_call(ctx, store, dispatcher):
    screen = key()
    take_call(store, dispatcher, phone="0755123", intake_key=screen)
    call = take_call(store, dispatcher, phone="0755-27781234", intake_key=screen, concern="车打不着火")
    assert count(RescueCall) == 1 and call.caller_phone == "075527781234" and call.concern == "车打不着火"


def test_save_intake_plate_finds_the_car_and_its_owner(ctx, store, dispatcher):
    owner = CustomerFactory(store=store)
    car = VehicleFactory(owner=owner, store=store, plate="粤B12345", plate_reversed="54321B粤")
    call = take_call(store, dispatcher, phone="13700000000", plate="粤b 12345")
    assert (call.vehicle_id, call.customer_id) == (car.id, owner.id)


def test_save_intake_gcj02_coordinates_are_stored_as_wgs84(ctx, store, dispatcher):
    data = IntakeInput(caller_phone="13812345678", latitude=22.540796131694766, longitude=113.9171764808363,
                       coordinate_system="gcj02")
    call = services.save_intake(key(), data, store_id=store.id, actor=dispatcher, now=NOW)
    assert (call.latitude_wgs84, call.longitude_wgs84) == pytest.approx((22.543847, 113.912316), abs=1e-6)


@pytest.mark.parametrize(("phone", "field"), [("12", "caller_phone"), ("", "caller_phone")])
def test_save_intake_without_a_phone_number_saves_nothing(ctx, store, dispatcher, phone, field):
    with pytest.raises(RescueError) as raised:
        take_call(store, dispatcher, phone=phone)
    assert raised.value.field == field and count(RescueCall) == 0


def test_save_intake_coordinates_out_of_range_are_refused(ctx, store, dispatcher):
    with pytest.raises(RescueError) as raised:
        take_call(store, dispatcher, at=(95.0, 113.9))
    assert raised.value.field == "latitude" and count(RescueCall) == 0


def test_priority_from_the_facts(ctx, store, dispatcher):
    assert take_call(store, dispatcher, phone="13700000001").priority == 3
    kids = take_call(store, dispatcher, phone="13700000002", children_waiting=True)
    assert (kids.priority, kids.priority_reasons) == (2, ["children"])
    crash = take_call(store, dispatcher, phone="13700000003", fault_type="accident", injuries=True,
                      on_expressway=True)
    assert crash.priority == 1 and crash.priority_reasons == ["injuries", "expressway", "accident"]
    night = take_call(store, dispatcher, phone="13700000004", fault_type="ev_no_charge", now=NOW.replace(hour=16))
    assert night.priority == 2 and night.priority_reasons == ["night", "ev_low_charge"] and night.needs_flatbed


def test_unknown_caller_gets_a_minimal_customer_marked_as_created_by_rescue(ctx, store, dispatcher):
    call = take_call(store, dispatcher, phone="13912345678", caller_name="刘女士")
    assert call.customer_id is None
    van = unit(store, "救援1号", NANSHAN)
    call = _dispatch(call, dispatcher, f"unit:{van.id}")[0]
    customer = db.session.get(Customer, call.customer_id)
    assert call.customer_created_by_rescue and customer.name == "刘女士" and customer.mobile == "13912345678"
    assert f"救援单 #{call.id}" in customer.notes


# -- guards -------------------------------------------------------------------------------------------

def test_injuries_guard_refuses_dispatch_until_120_is_recorded(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    call = take_call(store, dispatcher, fault_type="accident", injuries=True)
    with pytest.raises(GuardNotRecorded) as raised:
        _dispatch(call, dispatcher, f"unit:{van.id}")
    assert raised.value.field == "told_emergency" and fresh(RescueUnit, van.id).status == "available"
    services.record_guard(call.id, "told_emergency", actor=dispatcher, now=NOW)
    services.record_guard(call.id, "told_emergency", actor=dispatcher, now=LATER)  # once
    assert fresh(RescueCall, call.id).told_emergency_at == NOW
    assert _dispatch(call, dispatcher, f"unit:{van.id}")[0].state == "dispatched"


def test_expressway_guard_sends_to_12122_and_waits_for_the_handover(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    call = take_call(store, dispatcher, on_expressway=True)
    with pytest.raises(GuardNotRecorded) as raised:
        _dispatch(call, dispatcher, f"unit:{van.id}")
    assert raised.value.field == "sent_to_12122"
    with pytest.raises(RescueError):
        services.record_guard(call.id, "handed_over", actor=dispatcher, now=NOW)
    services.record_guard(call.id, "sent_to_12122", actor=dispatcher, now=NOW)
    with pytest.raises(GuardNotRecorded) as raised:
        _dispatch(call, dispatcher, f"unit:{van.id}")
    assert raised.value.field == "handed_over"
    services.record_guard(call.id, "handed_over", actor=dispatcher, now=NOW)
    assert _dispatch(call, dispatcher, f"unit:{van.id}")[0].state == "dispatched"
    assert [kind for _, kind in _events(call.id)] == ["received", "sent_to_12122", "handed_over", "dispatched"]


# -- dispatch and the status machine ------------------------------------------------------------------

def test_dispatch_first_proposal_texts_the_crew_and_the_owner(ctx, store, dispatcher):
    owner = CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678", name="王先生")
    VehicleFactory(owner=owner, store=store)
    near, far = unit(store, "救援1号", NANSHAN, phone="13900000001"), unit(store, "救援2号", DONGGUAN)
    call = take_call(store, dispatcher)
    call, sent = _dispatch(call, dispatcher, f"unit:{near.id}")
    assert call.unit_id == near.id and call.leg == 1 and call.eta_at == LATER + timedelta(minutes=24)
    assert fresh(RescueUnit, near.id).status == "on_job" and fresh(RescueUnit, far.id).status == "available"
    messages = {m.kind: m for m in db.session.scalars(sa.select(SmsMessage))}
    assert messages["rescue_crew_link"].phone == "13900000001" and sent in messages["rescue_crew_link"].body
    assert messages["rescue_eta"].phone == "13812345678" and "24分钟" in messages["rescue_eta"].body


def test_dispatch_another_than_the_first_needs_a_reason(ctx, store, dispatcher):
    unit(store, "救援1号", NANSHAN)
    far = unit(store, "救援2号", DONGGUAN)
    call = take_call(store, dispatcher)
    with pytest.raises(RescueError) as raised:
        _dispatch(call, dispatcher, f"unit:{far.id}")
    assert raised.value.field == "override_reason"
    call = _dispatch(call, dispatcher, f"unit:{far.id}", override_reason="1号车刚报故障")[0]
    assert call.unit_id == far.id


def test_dispatch_to_a_partner_station(ctx, store, dispatcher):
    station = StationFactory(store=store, latitude=NANSHAN[0], longitude=NANSHAN[1], phone="0755-1234567",
                             capabilities=["jump_start"])
    call = _dispatch(take_call(store, dispatcher), dispatcher, f"station:{station.id}")[0]
    assert call.station_id == station.id and call.unit_id is None


def test_dispatch_a_unit_already_on_a_job_is_refused(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    _dispatch(take_call(store, dispatcher, phone="13700000001"), dispatcher, f"unit:{van.id}")
    second = take_call(store, dispatcher, phone="13700000002")
    with pytest.raises(ResponderNotAvailable):
        _dispatch(second, dispatcher, f"unit:{van.id}", override_reason="只有这辆")
    assert fresh(RescueCall, second.id).state == "received"


def test_status_machine_moves_on_and_a_repeated_tap_is_one_event(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    call = _dispatch(take_call(store, dispatcher), dispatcher, f"unit:{van.id}")[0]
    with pytest.raises(WrongState):
        services.advance_call(call.id, "towing", actor=dispatcher, now=LATER)
    services.advance_call(call.id, "en_route", actor=dispatcher, now=LATER)
    services.advance_call(call.id, "on_scene", actor=dispatcher, now=LATER + timedelta(minutes=20))
    services.advance_call(call.id, "on_scene", actor=dispatcher, now=LATER + timedelta(minutes=21))
    services.advance_call(call.id, "en_route", actor=dispatcher, now=LATER + timedelta(minutes=22))  # late retry
    call = services.advance_call(call.id, "completed", actor=dispatcher, now=LATER + timedelta(minutes=40))
    assert call.arrived_at == LATER + timedelta(minutes=20) and call.state == "completed"
    assert _events(call.id) == [(0, "received"), (1, "dispatched"), (1, "en_route"), (1, "on_scene"),
                                (1, "completed")]
    assert fresh(RescueUnit, van.id).status == "available" and fresh(RescueUnit, van.id).current_call_id is None
    with pytest.raises(WrongState):
        services.cancel_call(call.id, reason="重复", actor=dispatcher, now=LATER)


def test_completion_is_announced_once_inside_the_step(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    call = _dispatch(take_call(store, dispatcher), dispatcher, f"unit:{van.id}")[0]
    services.advance_call(call.id, "on_scene", actor=dispatcher, now=LATER)
    heard = []

    def refuse(sender, **_):
        raise RuntimeError("a handler refuses")

    def listener(sender, *, actor, now, **_):
        heard.append((sender.id, sender.customer_id, actor, now))

    with call_completed.connected_to(refuse), pytest.raises(RuntimeError):
        services.advance_call(call.id, "completed", actor=dispatcher, now=LATER + timedelta(minutes=29))
    db.session.rollback()
    assert fresh(RescueCall, call.id).state == "on_scene"  # the handler's refusal refused the step
    with call_completed.connected_to(listener):
        services.advance_call(call.id, "completed", actor=dispatcher, now=LATER + timedelta(minutes=30))
        services.advance_call(call.id, "completed", actor=dispatcher, now=LATER + timedelta(minutes=31))
    customer_id = fresh(RescueCall, call.id).customer_id
    assert customer_id is not None
    assert heard == [(call.id, customer_id, dispatcher, LATER + timedelta(minutes=30))]


def test_cancel_with_a_reason_frees_the_unit_and_ends_the_crew_link(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    call, sent = _dispatch(take_call(store, dispatcher), dispatcher, f"unit:{van.id}")
    with pytest.raises(RescueError):
        services.cancel_call(call.id, reason=" ", actor=dispatcher, now=LATER)
    call = services.cancel_call(call.id, reason="车主自己修好了", actor=dispatcher, now=LATER)
    assert call.state == "cancelled" and fresh(RescueUnit, van.id).status == "available"
    cancelled = call.events[-1]
    assert (cancelled.kind, cancelled.reason, cancelled.by) == ("cancelled", "车主自己修好了", dispatcher.name)
    with pytest.raises(LinkExpired):
        services.crew_call(_token(sent), now=LATER)


def test_redispatch_keeps_the_history_and_ends_the_first_crews_link(ctx, store, dispatcher):
    first, second = unit(store, "救援1号", NANSHAN), unit(store, "救援2号", DONGGUAN)
    call, first_link = _dispatch(take_call(store, dispatcher), dispatcher, f"unit:{first.id}")
    services.advance_call(call.id, "en_route", actor=dispatcher, now=LATER)
    with pytest.raises(RescueError):
        _dispatch(call, dispatcher, f"unit:{second.id}")
    call, second_link = _dispatch(call, dispatcher, f"unit:{second.id}", override_reason="1号车爆胎")
    assert call.leg == 2 and call.state == "dispatched" and call.unit_id == second.id
    assert fresh(RescueUnit, first.id).status == "available" and fresh(RescueUnit, second.id).status == "on_job"
    assert _events(call.id)[-3:] == [(1, "en_route"), (1, "released"), (2, "dispatched")]
    with pytest.raises(LinkExpired):
        services.crew_call(_token(first_link), now=LATER)
    assert services.crew_call(_token(second_link), now=LATER).id == call.id


# -- crew page and tow-in -----------------------------------------------------------------------------

def test_crew_steps_with_a_photo_and_the_tow_in_opens_a_repair_order(ctx, store, dispatcher, tmp_path):
    owner = CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678")
    car = VehicleFactory(owner=owner, store=store)
    van = unit(store, "救援1号", NANSHAN)
    call = take_call(store, dispatcher, vehicle_id=car.id, fault_type="accident", tow_needed=True,
                     concern="追尾，前杠损坏")
    token = _token(_dispatch(call, dispatcher, f"unit:{van.id}")[1])
    services.crew_step(token, "en_route", photo=None, folder=str(tmp_path), now=LATER)
    services.crew_step(token, "on_scene", photo=TINY_PNG, folder=str(tmp_path), now=LATER + timedelta(minutes=9))
    services.crew_step(token, "on_scene", photo=TINY_PNG, folder=str(tmp_path), now=LATER + timedelta(minutes=10))
    with pytest.raises(RescueError):
        services.crew_step(token, "towing", photo=None, folder=str(tmp_path), now=LATER)
    with pytest.raises(RescueError):
        services.crew_step(token, "towing", photo=b"not an image", folder=str(tmp_path), now=LATER)
    services.crew_step(token, "towing", photo=TINY_PNG, folder=str(tmp_path), now=LATER + timedelta(minutes=15))
    with pytest.raises(RescueError) as raised:  # the owner signs at hand-over, or the crew says why not
        services.crew_step(token, "completed", photo=None, folder=str(tmp_path), now=LATER + timedelta(hours=1))
    assert raised.value.field == "signature"
    with pytest.raises(RescueError):
        services.crew_step(token, "completed", photo=None, folder=str(tmp_path), now=LATER + timedelta(hours=1),
                           signature=b"GIF89a not a png")
    call = services.crew_step(token, "completed", photo=None, folder=str(tmp_path), now=LATER + timedelta(hours=1),
                              signature=TINY_PNG)
    photos = [e.photo for e in call.events if e.photo]
    assert len(photos) == 2 and len(list((tmp_path / "rescue" / str(store.id)).iterdir())) == 3
    assert services.photo_path(str(tmp_path), store.id, call.signature).read_bytes() == TINY_PNG
    assert call.owner_absent_reason == ""
    order = db.session.get(RepairOrder, call.repair_order_id)
    assert (order.source_kind, order.source_ref, order.vehicle_id, order.kind) == ("rescue", call.id, car.id,
                                                                                  "accident")
    assert [e.kind for e in call.events][-2:] == ["completed", "tow_in_opened"]
    with pytest.raises(LinkExpired):
        services.crew_position(token, latitude=22.5, longitude=113.9, now=LATER + timedelta(hours=1))


def test_crew_step_done_without_the_owner_keeps_the_reason_and_no_signature(ctx, store, dispatcher, tmp_path):
    van = unit(store, "救援1号", NANSHAN)
    token = _token(_dispatch(take_call(store, dispatcher), dispatcher, f"unit:{van.id}")[1])
    services.crew_step(token, "on_scene", photo=None, folder=str(tmp_path), now=LATER)
    with pytest.raises(RescueError):
        services.crew_step(token, "completed", photo=None, folder=str(tmp_path), now=LATER, owner_absent_reason="  ")
    call = services.crew_step(token, "completed", photo=None, folder=str(tmp_path), now=LATER,
                              owner_absent_reason="车主  已随拖车 先行离开")
    assert (call.state, call.signature, call.owner_absent_reason) == ("completed", None, "车主 已随拖车 先行离开")
    assert not (tmp_path / "rescue").exists()


def test_crew_link_expires_after_its_hours(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    token = _token(_dispatch(take_call(store, dispatcher), dispatcher, f"unit:{van.id}")[1])
    services.crew_position(token, latitude=BAOAN[0], longitude=BAOAN[1], now=LATER)
    assert fresh(RescueUnit, van.id).latitude_wgs84 == BAOAN[0]
    with pytest.raises(LinkExpired):
        services.crew_call(token, now=LATER + timedelta(hours=13))
    with pytest.raises(LinkExpired):
        services.crew_call("guessed-" + token[8:], now=LATER)


def test_tow_in_without_a_known_vehicle_asks_to_link_it_then_opens(ctx, store, dispatcher):
    van = unit(store, "救援1号", NANSHAN)
    call = take_call(store, dispatcher, phone="13912345678", tow_needed=True)
    call = _dispatch(call, dispatcher, f"unit:{van.id}")[0]
    for step in ("on_scene", "towing", "completed"):
        call = services.advance_call(call.id, step, actor=dispatcher, now=LATER)
    assert call.repair_order_id is None
    with pytest.raises(RescueError) as raised:
        services.open_tow_in_order(call.id, actor=dispatcher, now=LATER)
    assert raised.value.field == "vehicle_id" and count(RepairOrder) == 0
    with pytest.raises(RescueError) as raised:
        services.link_vehicle(call.id, plate="粤B99999", actor=dispatcher)
    assert raised.value.field == "plate"
    car = VehicleFactory(owner=db.session.get(Customer, call.customer_id), store=store, plate="粤B99999",
                         plate_reversed="99999B粤")
    call = services.link_vehicle(call.id, plate="粤b99999", actor=dispatcher)
    call = services.open_tow_in_order(call.id, actor=dispatcher, now=LATER)
    assert db.session.get(RepairOrder, call.repair_order_id).vehicle_id == car.id
