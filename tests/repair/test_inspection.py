"""Multi-point inspection (多项检查): the checklist, findings, photos, proposing work, the pages."""
from __future__ import annotations

import base64
import io
import os
import struct
import threading
import zlib
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import render_template

from dealer import create_app
from dealer.audit.models import AuditEntry
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair import services
from dealer.repair.models import (
    APPROVED,
    IN_PROGRESS,
    JOB_ESTIMATE,
    JOB_PENDING,
    OPEN,
    QUALITY_CHECK,
    READY,
    SETTLED,
    InspectionItem,
    InspectionPhoto,
    InspectionResult,
    LaborRate,
    OrderEvent,
    RepairJob,
    RepairOrder,
)
from dealer.repair.services import OrderLocked, inspection, photos
from dealer.repair.services import inspection as inspection_services
from dealer.repair.services.inspection import (
    FindingAlreadyProposed,
    FindingProposed,
    InspectionError,
    ItemCodeTaken,
    ItemInput,
    ResultInput,
)
from dealer.repair.services.photos import InvalidPhoto, PhotoNotStored, PhotoTooLarge
from tests.config import base_config
from tests.factories import PASSWORD, StoreFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor, count, field_has_error, login, text
from tests.isolation import isolated_client
from tests.repair.builders import approved_order, build_shop, open_order

LATER = NOW + timedelta(minutes=30)


# -- images made here ---------------------------------------------------------------------------

def make_png(width: int = 2, height: int = 2, padding: int = 0) -> bytes:
    """A real RGB PNG; `padding` adds an ancillary text chunk to make it larger."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xd0\x20\x20" * width for _ in range(height))
    text = chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + header + text + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def make_jpeg() -> bytes:
    """A real baseline JPEG: 8x8 grey, one block whose coefficients are all zero."""
    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    one_code = bytes([1] + [0] * 15) + b"\x00"  # one Huffman code of length 1 for symbol 0
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f"  # DC difference 0, end of block, padded with ones
            + b"\xff\xd9")


# A 1x1 lossless WebP (the one browsers' feature tests decode).
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")


# -- fixtures -----------------------------------------------------------------------------------

@pytest.fixture()
def items(shop):
    """The store's checklist: a tyre with a measurement hint, the front brakes, the lights."""
    return [inspection.add_item(shop.store.id, ItemInput(code=code, name=name, hint=hint), actor=shop.manager,
                                now=NOW)
            for code, name, hint in [("tyre_fl", "左前轮胎", "花纹深度 mm"), ("BRAKE_FRONT", "前刹车片", "厚度 mm"),
                                     ("LIGHTS", "灯光", "")]]


@pytest.fixture()
def folder(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture()
def rival(other_store):
    """A technician and a manager of another store."""
    return (actor(UserFactory(username="tech-gz", roles=["technician"], store=other_store)),
            actor(UserFactory(username="manager-gz", roles=["manager"], store=other_store)))


def record(shop, order, *entries, who=None):
    return inspection.record_results(order.id, [ResultInput(*entry) for entry in entries],
                                     actor=who or shop.technician, now=NOW)


def finding(shop, order, item, status="red", measurement="2 mm", note="磨损到极限"):
    [result] = record(shop, order, (item.id, status, measurement, note))
    return result


def files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def set_state(order, state):
    order.state = state
    db.session.commit()


# -- the checklist ------------------------------------------------------------------------------

def test_add_item_appends_to_the_checklist_with_a_normalised_code(shop, items):
    listed = inspection.list_items(shop.store.id, actor=shop.manager)
    assert [(i.code, i.position, i.active) for i in listed] == [
        ("TYRE_FL", 1, True), ("BRAKE_FRONT", 2, True), ("LIGHTS", 3, True)]
    assert items[0].hint == "花纹深度 mm"
    assert count(AuditEntry, AuditEntry.action == "inspection_item_created") == 3


@pytest.mark.parametrize("data, field", [
    (ItemInput(code="", name="轮胎"), "code"),
    (ItemInput(code="TYRE FL", name="轮胎"), "code"),
    (ItemInput(code="TYRE", name="  "), "name"),
    (ItemInput(code="TYRE", name="轮" * 61), "name"),
    (ItemInput(code="TYRE", name="轮胎", hint="x" * 121), "hint"),
])
def test_add_item_refuses_bad_input(shop, data, field):
    with pytest.raises(InspectionError) as caught:
        inspection.add_item(shop.store.id, data, actor=shop.manager, now=NOW)
    assert caught.value.field == field


def test_add_item_refuses_a_code_the_store_already_has_but_another_store_may_use_it(shop, items, rival):
    with pytest.raises(ItemCodeTaken) as caught:
        inspection.add_item(shop.store.id, ItemInput(code="lights", name="灯"), actor=shop.manager, now=NOW)
    assert caught.value.field == "code"

    _, manager_gz = rival
    inspection.add_item(manager_gz.store_id, ItemInput(code="LIGHTS", name="灯光"), actor=manager_gz, now=NOW)
    assert count(InspectionItem, InspectionItem.code == "LIGHTS") == 2


def test_update_item_takes_it_off_new_checklists_but_keeps_recorded_findings(shop, items):
    order = open_order(shop)
    finding(shop, order, items[2], "green", "", "")
    inspection.update_item(items[2].id, ItemInput(code="LIGHTS", name="灯光", active=False), actor=shop.manager,
                           now=NOW)

    assert [i.code for i in inspection.list_items(shop.store.id, actor=shop.manager, active_only=True)] == [
        "TYRE_FL", "BRAKE_FRONT"]
    assert [row.item.code for row in inspection.checklist(order.id, actor=shop.technician)] == [
        "TYRE_FL", "BRAKE_FRONT", "LIGHTS"]
    fresh = open_order(shop, now=LATER)
    assert [row.item.code for row in inspection.checklist(fresh.id, actor=shop.technician)] == [
        "TYRE_FL", "BRAKE_FRONT"]
    with pytest.raises(InspectionError):
        record(shop, fresh, (items[2].id, "green"))
    entry = db.session.scalars(sa.select(AuditEntry)
                               .where(AuditEntry.action == "inspection_item_updated")).one()
    assert entry.changes == {"active": [True, False]}


def test_move_item_up_and_down(shop, items):
    tyre, brake, lights = items
    inspection.move_item(lights.id, offset=-1, actor=shop.manager, now=NOW)
    assert [i.code for i in inspection.list_items(shop.store.id, actor=shop.manager)] == [
        "TYRE_FL", "LIGHTS", "BRAKE_FRONT"]
    inspection.move_item(tyre.id, offset=-1, actor=shop.manager, now=NOW)  # already first: nothing moves
    inspection.move_item(tyre.id, offset=1, actor=shop.manager, now=NOW)
    assert [(i.code, i.position) for i in inspection.list_items(shop.store.id, actor=shop.manager)] == [
        ("LIGHTS", 1), ("TYRE_FL", 2), ("BRAKE_FRONT", 3)]
    with pytest.raises(InspectionError):
        inspection.move_item(tyre.id, offset=3, actor=shop.manager, now=NOW)


def test_add_standard_items_adds_only_the_codes_the_store_lacks(shop, items):
    added = inspection.add_standard_items(shop.store.id, actor=shop.manager, now=NOW)

    codes = [i.code for i in inspection.list_items(shop.store.id, actor=shop.manager)]
    assert codes[:3] == ["TYRE_FL", "BRAKE_FRONT", "LIGHTS"]
    assert "LIGHTS" not in [i.code for i in added] and {"TYRE_RR", "BATTERY", "LEAKS"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert inspection.add_standard_items(shop.store.id, actor=shop.manager, now=NOW) == []


def test_checklist_of_another_store_is_not_found(shop, items, rival):
    _, manager_gz = rival
    data = ItemInput(code="X", name="x")
    for call in (lambda: inspection.list_items(shop.store.id, actor=manager_gz),
                 lambda: inspection.get_item(items[0].id, actor=manager_gz),
                 lambda: inspection.update_item(items[0].id, data, actor=manager_gz, now=NOW),
                 lambda: inspection.move_item(items[0].id, offset=1, actor=manager_gz, now=NOW),
                 lambda: inspection.add_item(shop.store.id, data, actor=manager_gz, now=NOW),
                 lambda: inspection.add_standard_items(shop.store.id, actor=manager_gz, now=NOW)):
        with pytest.raises(NotFound):
            call()
    assert items[0].code == "TYRE_FL"


# -- findings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["green", "yellow", "red"])
def test_record_results_keeps_each_status_with_measurement_note_and_who(shop, items, status):
    order = open_order(shop)
    [result] = record(shop, order, (items[0].id, status, " 3.1 mm ", " 内侧偏磨 "))

    assert (result.status, result.measurement, result.note) == (status, "3.1 mm", "内侧偏磨")
    assert result.recorded_by_id == shop.technician.user_id and result.recorded_at == NOW
    assert result.store_id == shop.store.id


@pytest.mark.parametrize("status", ["blue", "GREEN", "ok"])
def test_record_results_refuses_an_unknown_status_and_records_nothing(shop, items, status):
    order = open_order(shop)
    with pytest.raises(InspectionError) as caught:
        record(shop, order, (items[0].id, "green"), (items[1].id, status))

    assert caught.value.field == "status" and caught.value.params["item_id"] == items[1].id
    assert caught.value.code == "repair.inspection_invalid"
    db.session.rollback()
    assert count(InspectionResult) == 0


def test_record_results_skips_unchecked_items_and_updates_a_changed_finding(shop, items):
    order = open_order(shop)
    record(shop, order, (items[0].id, "yellow", "3 mm", ""), (items[1].id, ""))
    changed = record(shop, order, (items[0].id, "yellow", "3 mm", ""), (items[1].id, "green"),
                     who=shop.advisor)
    assert [r.item_id for r in changed] == [items[1].id]  # the tyre did not change
    changed = record(shop, order, (items[0].id, "red", "1.5 mm", "鼓包"))

    results = {r.item_id: r for r in db.session.scalars(sa.select(InspectionResult))}
    assert set(results) == {items[0].id, items[1].id}
    assert (results[items[0].id].status, results[items[0].id].measurement) == ("red", "1.5 mm")
    assert results[items[1].id].recorded_by_id == shop.advisor.user_id


def test_record_results_refuses_too_long_text_and_an_item_of_another_store(shop, items, rival):
    order = open_order(shop)
    with pytest.raises(InspectionError) as caught:
        record(shop, order, (items[0].id, "red", "x" * 41))
    assert caught.value.field == "measurement"
    with pytest.raises(InspectionError) as caught:
        record(shop, order, (items[0].id, "red", "", "x" * 301))
    assert caught.value.field == "note"
    _, manager_gz = rival
    theirs = inspection.add_item(manager_gz.store_id, ItemInput(code="GZ", name="广州项目"), actor=manager_gz,
                                 now=NOW)
    with pytest.raises(InspectionError) as caught:
        record(shop, order, (theirs.id, "red"))
    assert caught.value.params["item_id"] == theirs.id


@pytest.mark.parametrize("state", [OPEN, APPROVED, IN_PROGRESS, QUALITY_CHECK])
def test_record_results_while_the_car_is_at_the_store(shop, items, state):
    order = open_order(shop)
    set_state(order, state)
    assert len(record(shop, order, (items[0].id, "green"))) == 1


@pytest.mark.parametrize("state", [READY, SETTLED])
def test_record_results_refused_once_the_work_is_finished(shop, items, state):
    order = open_order(shop)
    set_state(order, state)
    with pytest.raises(OrderLocked):
        record(shop, order, (items[0].id, "green"))


def test_findings_of_another_stores_order_are_not_found(shop, items, rival, folder):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    photo = photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                                 actor=shop.technician, now=NOW)
    tech_gz, _ = rival
    for call in (lambda: record(shop, order, (items[0].id, "green"), who=tech_gz),
                 lambda: inspection.checklist(order.id, actor=tech_gz),
                 lambda: inspection.inspection_summary(order.id, actor=tech_gz),
                 lambda: inspection.propose_work(result.id, actor=tech_gz, now=NOW),
                 lambda: photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                                              actor=tech_gz, now=NOW),
                 lambda: photos.photo_file(photo.id, folder=folder, actor=tech_gz),
                 lambda: photos.remove_photo(photo.id, folder=folder, actor=tech_gz, now=NOW)):
        with pytest.raises(NotFound):
            call()
    assert count(RepairJob, RepairJob.inspection_result_id.is_not(None)) == 0
    assert count(InspectionPhoto) == 1


def test_group_manager_sees_every_stores_findings(shop, items, group_manager):
    order = open_order(shop)
    finding(shop, order, items[1])
    summary = inspection.inspection_summary(order.id, actor=actor(group_manager))
    assert [row.code for row in summary.red] == ["BRAKE_FRONT"]


# -- proposing work -----------------------------------------------------------------------------

def test_propose_work_before_approval_joins_the_estimate(shop, items):
    order = open_order(shop)
    result = finding(shop, order, items[1], "red", "2 mm", "磨损到极限")

    job = inspection.propose_work(result.id, actor=shop.advisor, now=LATER)

    assert job.inspection_result_id == result.id
    assert job.concern == "前刹车片 (2 mm): 磨损到极限"
    assert (job.approval, job.is_extra, job.position) == (JOB_ESTIMATE, True, 2)
    assert job.reported_by_id == shop.technician.user_id  # who found it
    assert job.order_id == order.id and job.store_id == shop.store.id and job.vehicle_id == order.vehicle_id


def test_propose_work_after_approval_is_extra_work_waiting_for_the_owner(shop, items):
    order = approved_order(shop)
    approved_total = order.approved_total_fen
    result = finding(shop, order, items[0], "yellow", "3 mm", "")

    job = inspection.propose_work(result.id, actor=shop.technician, now=LATER)

    assert (job.approval, job.is_extra, job.concern) == (JOB_PENDING, True, "左前轮胎 (3 mm)")
    assert db.session.get(RepairOrder, order.id).approved_total_fen == approved_total
    event = db.session.scalars(sa.select(OrderEvent).where(OrderEvent.order_id == order.id)
                               .order_by(OrderEvent.id.desc())).first()
    assert (event.action, event.note, event.created_at) == ("extra_work_reported", "左前轮胎 (3 mm)", LATER)


def test_propose_work_is_one_commit(shop, items, monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    commits = []
    real_commit = db.session.commit

    def commit():
        commits.append(1)
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit)

    inspection.propose_work(result.id, actor=shop.advisor, now=NOW)
    assert len(commits) == 1


def test_propose_work_twice_is_refused(shop, items):
    order = approved_order(shop)
    result = finding(shop, order, items[1])
    inspection.propose_work(result.id, actor=shop.advisor, now=NOW)

    with pytest.raises(FindingAlreadyProposed) as caught:
        inspection.propose_work(result.id, actor=shop.manager, now=NOW)
    assert caught.value.code == "repair.inspection_already_proposed"
    db.session.rollback()
    assert count(RepairJob, RepairJob.inspection_result_id == result.id) == 1


def test_propose_work_refuses_a_green_finding_and_a_finished_order(shop, items):
    order = open_order(shop)
    green = finding(shop, order, items[2], "green", "", "")
    red = finding(shop, order, items[1])
    with pytest.raises(InspectionError):
        inspection.propose_work(green.id, actor=shop.advisor, now=NOW)
    set_state(order, READY)
    with pytest.raises(OrderLocked):
        inspection.propose_work(red.id, actor=shop.advisor, now=NOW)
    assert count(RepairJob, RepairJob.inspection_result_id.is_not(None)) == 0


def test_a_proposed_finding_cannot_change_but_may_be_sent_again_unchanged(shop, items):
    order = open_order(shop)
    result = finding(shop, order, items[1], "red", "2 mm", "磨损到极限")
    inspection.propose_work(result.id, actor=shop.advisor, now=NOW)

    assert record(shop, order, (items[1].id, "red", "2 mm", "磨损到极限")) == []
    with pytest.raises(FindingProposed) as caught:
        record(shop, order, (items[1].id, "green", "", ""))
    assert caught.value.params["item_id"] == items[1].id


def test_removing_the_proposed_job_lets_the_finding_be_proposed_again(shop, items):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    job = inspection.propose_work(result.id, actor=shop.advisor, now=NOW)
    services.remove_job(job.id, actor=shop.advisor, now=NOW)

    again = inspection.propose_work(result.id, actor=shop.advisor, now=NOW)
    assert again.inspection_result_id == result.id


# -- the summary --------------------------------------------------------------------------------

def test_inspection_summary_groups_findings_in_checklist_order_with_photos_and_jobs(shop, items, folder):
    order = approved_order(shop)
    inspection.add_item(shop.store.id, ItemInput(code="WIPERS", name="雨刮"), actor=shop.manager, now=NOW)
    record(shop, order, (items[0].id, "yellow", "3 mm", ""), (items[1].id, "red", "2 mm", "磨损"),
           (items[2].id, "green", "", ""))
    brake = db.session.scalars(sa.select(InspectionResult)
                               .where(InspectionResult.item_id == items[1].id)).one()
    photo = photos.add_photo(brake.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                                 actor=shop.technician, now=NOW)
    job = inspection.propose_work(brake.id, actor=shop.advisor, now=NOW)

    summary = inspection.inspection_summary(order.id, actor=shop.cashier)

    assert [(r.code, r.photo_ids, r.job_id, r.job_approval) for r in summary.red] == [
        ("BRAKE_FRONT", [photo.id], job.id, JOB_PENDING)]
    assert [(r.code, r.measurement, r.job_id) for r in summary.yellow] == [("TYRE_FL", "3 mm", None)]
    assert [r.code for r in summary.green] == ["LIGHTS"]
    assert (summary.checked, summary.unchecked, summary.editable, summary.empty) == (3, 1, True, False)


def test_summary_partial_renders_with_only_the_summary_in_context(app, shop, items):
    order = open_order(shop)
    finding(shop, order, items[1], "red", "2 mm", "磨损到极限")
    summary = inspection.inspection_summary(order.id, actor=shop.advisor)

    with app.test_request_context():
        html = render_template("repair/inspection/_summary.html", inspection=summary)
    assert "前刹车片" in html and "磨损到极限" in html and 'data-testid="finding-red"' in html
    assert "propose" not in html  # nobody is signed in: no staff action


# -- photos -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, content_type, extension", [
    (make_png(), "image/png", ".png"), (make_jpeg(), "image/jpeg", ".jpg"), (WEBP, "image/webp", ".webp")])
def test_add_photo_stores_the_bytes_under_a_random_name_in_the_upload_folder(shop, items, folder, data,
                                                                             content_type, extension):
    order = open_order(shop)
    result = finding(shop, order, items[1])

    photo = photos.add_photo(result.id, io.BytesIO(data), folder=folder, max_bytes=10_000,
                                 actor=shop.technician, now=NOW)

    [stored] = files_in(folder)
    assert stored == folder / "inspection" / str(shop.store.id) / photo.stored_name
    assert stored.suffix == extension and len(stored.stem) == 32
    assert stored.read_bytes() == data
    assert (photo.content_type, photo.size_bytes, photo.uploaded_by_id) == (content_type, len(data),
                                                                            shop.technician.user_id)
    path, row = photos.photo_file(photo.id, folder=folder, actor=shop.clerk)
    assert path == stored and row.id == photo.id


@pytest.mark.parametrize("data", [
    b"", b"just some text, named photo.jpg", b"GIF89a\x01\x00\x01\x00", b"\x89PNG",
    b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"RIFF\x00\x00\x00\x00WAVEfmt "])
def test_add_photo_refuses_what_is_not_a_jpeg_png_or_webp(shop, items, folder, data):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    with pytest.raises(InvalidPhoto) as caught:
        photos.add_photo(result.id, io.BytesIO(data), folder=folder, max_bytes=10_000, actor=shop.technician,
                             now=NOW)
    assert caught.value.field == "photo"
    assert files_in(folder) == [] and count(InspectionPhoto) == 0


def test_add_photo_refuses_a_photo_over_the_limit_by_its_bytes(shop, items, folder):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    big = make_png(padding=2_000)
    with pytest.raises(PhotoTooLarge) as caught:
        photos.add_photo(result.id, io.BytesIO(big), folder=folder, max_bytes=len(big) - 1,
                             actor=shop.technician, now=NOW)
    assert caught.value.field == "photo"
    assert files_in(folder) == [] and count(InspectionPhoto) == 0
    photos.add_photo(result.id, io.BytesIO(big), folder=folder, max_bytes=len(big), actor=shop.technician,
                         now=NOW)
    assert count(InspectionPhoto) == 1


def test_add_photo_refused_once_the_work_is_finished_and_beyond_the_limit_per_finding(shop, items, folder,
                                                                                      monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    monkeypatch.setattr(photos, "MAX_PHOTOS_PER_RESULT", 2)
    for _ in range(2):
        photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                             actor=shop.technician, now=NOW)
    with pytest.raises(InspectionError):
        photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                             actor=shop.technician, now=NOW)
    set_state(order, READY)
    with pytest.raises(OrderLocked):
        photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                             actor=shop.technician, now=NOW)
    assert len(files_in(folder)) == 2


def test_a_failed_commit_leaves_no_file(shop, items, folder, monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])

    def fail():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", fail)
    with pytest.raises(sa.exc.OperationalError):
        photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                             actor=shop.technician, now=NOW)
    monkeypatch.undo()
    assert files_in(folder) == []
    assert count(InspectionPhoto) == 0


def test_a_failed_file_write_leaves_no_row(shop, items, folder, monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])

    def disk_full(path, data):
        Path(path).write_bytes(data[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(photos, "_write_new_file", disk_full)
    with pytest.raises(PhotoNotStored):
        photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                             actor=shop.technician, now=NOW)
    db.session.rollback()
    assert count(InspectionPhoto) == 0
    assert files_in(folder) == []


def test_a_file_is_under_its_final_name_only_once_its_row_is_committed(shop, items, folder, monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    seen = []
    real_commit = db.session.commit

    def commit():
        seen.append([path.name for path in files_in(folder)])
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit)
    photo = photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                                 actor=shop.technician, now=NOW)
    assert seen == [[f".{photo.stored_name}.part"]]
    assert [path.name for path in files_in(folder)] == [photo.stored_name]


def test_remove_photo_deletes_the_row_then_the_file(shop, items, folder):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    photo = photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                                 actor=shop.technician, now=NOW)
    photo_id = photo.id

    assert photos.remove_photo(photo_id, folder=folder, actor=shop.advisor, now=NOW) == order.id
    assert count(InspectionPhoto) == 0 and files_in(folder) == []
    assert count(AuditEntry, AuditEntry.action == "inspection_photo_removed",
                 AuditEntry.entity_id == photo_id) == 1
    with pytest.raises(NotFound):
        photos.photo_file(photo_id, folder=folder, actor=shop.advisor)


def test_clean_photo_folder_finishes_committed_uploads_and_removes_leftovers(shop, items, folder,
                                                                            monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    def interrupted(draft, final):
        raise OSError("interrupted")

    monkeypatch.setattr(photos, "_move_into_place", interrupted)
    committed = photos.add_photo(result.id, io.BytesIO(make_png()), folder=folder, max_bytes=10_000,
                                     actor=shop.technician, now=NOW)
    monkeypatch.undo()
    directory = folder / "inspection" / str(shop.store.id)
    orphan_draft = directory / f".{'a' * 32}.jpg.part"
    orphan_file = directory / f"{'b' * 32}.png"
    in_progress = directory / f".{'c' * 32}.png.part"
    unrelated = directory / "README"
    for path in (orphan_draft, orphan_file, in_progress, unrelated):
        path.write_bytes(b"x")
    old = (NOW - timedelta(hours=2)).timestamp()
    for path in (directory / f".{committed.stored_name}.part", orphan_draft, orphan_file, unrelated):
        os.utime(path, (old, old))
    os.utime(in_progress, (NOW.timestamp(), NOW.timestamp()))

    assert photos.clean_photo_folder(folder, now=NOW) == {"finished": 1, "removed": 2}
    assert sorted(p.name for p in files_in(folder)) == sorted([committed.stored_name, in_progress.name,
                                                                "README"])


# -- concurrency (PostgreSQL) -------------------------------------------------------------------

@pytest.mark.postgres_only
def test_proposing_one_finding_from_two_screens_at_once_makes_one_job(app, backend, request):
    if backend != "postgresql":
        pytest.skip("row locks and concurrent connections need PostgreSQL")
    request.getfixturevalue("committed_db")

    store = StoreFactory(code="SZ09")
    advisor = actor(UserFactory(username="advisor-9", roles=["service_advisor"], store=store))
    technician = actor(UserFactory(username="tech-9", roles=["technician"], store=store))
    vehicle = VehicleFactory(owner__store=store, store=store)
    db.session.add(LaborRate(store_id=store.id, category="mechanical", rate_fen=12000))
    db.session.commit()
    manager = actor(UserFactory(username="manager-9", roles=["manager"], store=store))
    db.session.commit()
    with app.test_request_context():
        order = services.open_order(vehicle.id, services.OrderInput(
            concerns=["保养"], promised_at=NOW + timedelta(hours=4)), actor=advisor, now=NOW)
        item = inspection.add_item(store.id, ItemInput(code="BRAKE", name="刹车片"), actor=manager, now=NOW)
        [result] = inspection.record_results(order.id, [ResultInput(item.id, "red")], actor=technician,
                                             now=NOW)
        result_id = result.id
        db.session.remove()

    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def propose(index, who):
        with app.test_request_context():
            try:
                barrier.wait(timeout=10)
                outcomes[index] = inspection.propose_work(result_id, actor=who, now=NOW).id
            except Exception as error:  # noqa: BLE001  (asserted below)
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=propose, args=(i, who)) for i, who in enumerate((advisor, technician))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, FindingAlreadyProposed) for o in outcomes) == 1, outcomes
    db.session.expire_all()
    assert count(RepairJob, RepairJob.inspection_result_id == result_id) == 1


# -- the pages ----------------------------------------------------------------------------------

def row_has_error(response, item) -> bool:
    """Whether the checklist row of `item` shows an error."""
    page = text(response)
    start = page.index(f'<tr id="item-{item.id}"')
    return "invalid-feedback" in page[start:page.index("</tr>", start)]


@pytest.fixture()
def signed_in(client, staff):
    """Sign the client in as one of the store's staff (by role)."""
    def sign_in(role):
        client.post("/logout")
        login(client, staff[role])
        return client
    return sign_in


def test_checklist_settings_pages(signed_in, shop, items):
    client = signed_in("manager")
    response = client.get("/repair/inspection/items")
    assert response.status_code == 200 and "左前轮胎" in text(response) and "花纹深度 mm" in text(response)

    response = client.post("/repair/inspection/items", data={"code": "wipers", "name": "雨刮", "hint": ""})
    assert response.status_code == 302
    wipers = db.session.scalars(sa.select(InspectionItem).where(InspectionItem.code == "WIPERS")).one()
    assert wipers.position == 4

    response = client.post("/repair/inspection/items", data={"code": "LIGHTS", "name": "灯"})
    assert response.status_code == 200 and field_has_error(response, "code")
    response = client.post("/repair/inspection/items", data={"code": "A B", "name": ""})
    assert field_has_error(response, "name")  # the form's own check
    response = client.post("/repair/inspection/items", data={"code": "A B", "name": "灯"})
    assert field_has_error(response, "code")  # the service's
    assert count(InspectionItem) == 4

    lights = f"/repair/inspection/items/{items[2].id}"
    response = client.post(f"{lights}/edit", data={"code": "LIGHTS", "name": "灯光"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(InspectionItem, items[2].id).active is False  # the box was not ticked

    assert client.post(f"{lights}/move", data={"offset": "-1"}).status_code == 302
    db.session.expire_all()
    assert [i.code for i in inspection.list_items(shop.store.id, actor=shop.manager)][:3] == [
        "TYRE_FL", "LIGHTS", "BRAKE_FRONT"]
    assert client.post(f"{lights}/move", data={"offset": "5"}).status_code == 400

    assert client.post("/repair/inspection/items/standard").status_code == 302
    assert count(InspectionItem, InspectionItem.code == "BATTERY") == 1

    technician = signed_in("technician")
    assert technician.get("/repair/inspection/items").status_code == 403


def _rows(items, *statuses):
    data = {}
    for index, (item, status) in enumerate(zip(items, statuses)):
        data.update({f"rows-{index}-item_id": item.id, f"rows-{index}-status": status,
                     f"rows-{index}-measurement": "", f"rows-{index}-note": ""})
    return data


def test_technician_fills_the_checklist_on_the_order_page(signed_in, shop, items):
    order = open_order(shop)
    client = signed_in("technician")
    response = client.get(f"/repair/orders/{order.id}/inspection")
    assert response.status_code == 200 and 'data-testid="checklist-form"' in text(response)

    data = _rows(items, "red", "", "green")
    data["rows-0-measurement"] = "1.5 mm"
    response = client.post(f"/repair/orders/{order.id}/inspection", data=data)
    assert response.status_code == 302
    results = {r.item_id: r for r in db.session.scalars(sa.select(InspectionResult))}
    assert set(results) == {items[0].id, items[2].id}
    assert (results[items[0].id].status, results[items[0].id].measurement) == ("red", "1.5 mm")

    response = client.post(f"/repair/orders/{order.id}/inspection", data=_rows(items, "purple", "", ""))
    assert response.status_code == 200
    assert row_has_error(response, items[0]) and not row_has_error(response, items[1])
    db.session.expire_all()
    assert db.session.get(InspectionResult, results[items[0].id].id).status == "red"


def test_all_normal_saves_every_row_left_unchecked_as_ok_and_keeps_the_others(signed_in, shop, items):
    order = open_order(shop)
    client = signed_in("technician")
    page = text(client.get(f"/repair/orders/{order.id}/inspection"))
    assert 'data-testid="all-normal"' in page and 'capture="environment"' not in page  # no finding to photograph

    data = _rows(items, "red", "", "")
    data["all_normal"] = "1"
    response = client.post(f"/repair/orders/{order.id}/inspection", data=data)

    assert response.status_code == 302
    statuses = {r.item_id: r.status for r in db.session.scalars(sa.select(InspectionResult))}
    assert statuses == {items[0].id: "red", items[1].id: "green", items[2].id: "green"}
    assert 'capture="environment"' in text(client.get(f"/repair/orders/{order.id}/inspection"))


def test_saving_without_the_shortcut_leaves_the_unchecked_rows_alone(signed_in, shop, items):
    order = open_order(shop)
    client = signed_in("technician")

    response = client.post(f"/repair/orders/{order.id}/inspection", data={**_rows(items, "", "yellow", ""),
                                                                            "submit": "1"})

    assert response.status_code == 302
    assert {r.item_id: r.status for r in db.session.scalars(sa.select(InspectionResult))} == {items[1].id: "yellow"}


def test_a_refusal_of_the_service_shows_beside_its_row(signed_in, shop, items):
    order = open_order(shop)
    result = finding(shop, order, items[0])
    inspection.propose_work(result.id, actor=shop.advisor, now=NOW)
    client = signed_in("technician")

    response = client.post(f"/repair/orders/{order.id}/inspection", data=_rows(items, "green", "green", ""))
    assert response.status_code == 200
    assert row_has_error(response, items[0]) and not row_has_error(response, items[1])
    assert count(InspectionResult) == 1


def test_readers_see_the_findings_without_the_form(signed_in, shop, items):
    order = open_order(shop)
    finding(shop, order, items[1], "red", "2 mm", "磨损到极限")
    for role in ("cashier", "parts_clerk"):
        client = signed_in(role)
        response = client.get(f"/repair/orders/{order.id}/inspection")
        assert response.status_code == 200
        assert "磨损到极限" in text(response) and 'data-testid="checklist-form"' not in text(response)
        assert "/propose" not in text(response)
        response = client.post(f"/repair/orders/{order.id}/inspection", data=_rows(items, "green"))
        assert response.status_code == 403
    client = signed_in("cs_supervisor")
    assert client.get(f"/repair/orders/{order.id}/inspection").status_code == 403


def test_propose_from_the_page(signed_in, shop, items):
    order = approved_order(shop)
    result = finding(shop, order, items[1])
    client = signed_in("technician")
    assert f"/repair/inspection/results/{result.id}/propose" in text(client.get(
        f"/repair/orders/{order.id}/inspection"))

    response = client.post(f"/repair/inspection/results/{result.id}/propose",
                           data={"next": f"/repair/orders/{order.id}/inspection"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/repair/orders/{order.id}/inspection")
    job = db.session.scalars(sa.select(RepairJob).where(RepairJob.inspection_result_id == result.id)).one()
    assert job.approval == JOB_PENDING
    response = client.post(f"/repair/inspection/results/{result.id}/propose")
    assert response.status_code == 302  # refused, with a message
    assert count(RepairJob, RepairJob.inspection_result_id == result.id) == 1


def _upload(client, result, data: bytes, filename: str):
    return client.post(f"/repair/inspection/results/{result.id}/photos",
                       data={f"r{result.id}-photo": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_photo_upload_and_download_by_staff_of_the_store(app, signed_in, shop, items, client, other_store):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    folder = Path(app.config["UPLOAD_FOLDER"])
    png = make_png()

    response = _upload(signed_in("technician"), result, png, "../../etc/passwd.png")
    assert response.status_code == 302
    photo = db.session.scalars(sa.select(InspectionPhoto).where(InspectionPhoto.result_id == result.id)).one()
    stored = folder / "inspection" / str(shop.store.id) / photo.stored_name
    assert stored.read_bytes() == png and "passwd" not in photo.stored_name

    for role in ("technician", "service_advisor", "manager", "cashier", "parts_clerk"):
        response = signed_in(role).get(f"/repair/inspection/photos/{photo.id}")
        assert response.status_code == 200, role
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "private" in response.headers["Cache-Control"]
        assert response.data == png
    for role in ("rescue_dispatcher", "cs_supervisor", "admin"):
        assert signed_in(role).get(f"/repair/inspection/photos/{photo.id}").status_code == 403, role

    client.post("/logout")
    assert client.get(f"/repair/inspection/photos/{photo.id}").status_code == 302  # to sign in
    stranger = UserFactory(username="tech-gz", roles=["technician"], store=other_store)
    db.session.commit()
    login(client, stranger)
    assert client.get(f"/repair/inspection/photos/{photo.id}").status_code == 404
    assert _upload(client, result, png, "x.png").status_code == 302  # refused: not found, back with a message
    assert count(InspectionPhoto) == 1


def test_photo_upload_refuses_a_text_file_named_jpg_and_a_too_large_photo(app, signed_in, shop, items,
                                                                          monkeypatch):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    folder = Path(app.config["UPLOAD_FOLDER"]) / "inspection" / str(shop.store.id)
    before = files_in(folder)
    client = signed_in("technician")

    field = f"r{result.id}-photo"
    response = _upload(client, result, b"GET / HTTP/1.1\r\nthis is text\r\n", "photo.jpg")
    assert response.status_code == 200 and field_has_error(response, field)

    monkeypatch.setitem(app.config, "INSPECTION_PHOTO_MAX_BYTES", 1_000)
    response = _upload(client, result, make_png(padding=1_500), "big.png")
    assert response.status_code == 200 and field_has_error(response, field)
    assert _upload(client, result, make_png(), "small.png").status_code == 302
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5_000)  # the request as a whole
    assert _upload(client, result, make_png(padding=6_000), "huge.png").status_code == 413

    response = client.post(f"/repair/inspection/results/{result.id}/photos", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and field_has_error(response, field)
    assert count(InspectionPhoto) == 1 and len(files_in(folder)) == len(before) + 1


def test_photo_removal_from_the_page(app, signed_in, shop, items):
    order = open_order(shop)
    result = finding(shop, order, items[1])
    photo = photos.add_photo(result.id, io.BytesIO(make_jpeg()), folder=app.config["UPLOAD_FOLDER"],
                                 max_bytes=10_000, actor=shop.technician, now=NOW)
    photo_id = photo.id
    assert signed_in("cashier").post(f"/repair/inspection/photos/{photo_id}/delete").status_code == 403
    client = signed_in("service_advisor")
    page = text(client.get(f"/repair/orders/{order.id}/inspection"))
    assert f"/repair/inspection/photos/{photo_id}/delete" in page

    assert client.post(f"/repair/inspection/photos/{photo_id}/delete").status_code == 302
    assert count(InspectionPhoto) == 0
    assert client.get(f"/repair/inspection/photos/{photo_id}").status_code == 404


class _Tokens(HTMLParser):
    """The CSRF token inputs of a page, by the action of the form they are in."""

    def __init__(self):
        super().__init__()
        self.action, self.tokens = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and (attrs.get("name") or "").endswith("csrf_token"):
            self.tokens[self.action] = (attrs["name"], attrs["value"])


def test_every_form_posts_with_its_csrf_token(database_url, tmp_path_factory, db_session, shop, items, staff):
    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=database_url, WTF_CSRF_ENABLED=True))
    client = isolated_client(app)
    order = open_order(shop)
    result = finding(shop, order, items[1])

    def tokens(path):
        parser = _Tokens()
        parser.feed(text(client.get(path)))
        return parser.tokens

    name, token = tokens("/login")[None]  # the sign-in form posts to its own page
    login_form = {"username": staff["manager"].username, "password": PASSWORD, name: token}
    assert client.post("/login", data=login_form).status_code == 302
    page = f"/repair/orders/{order.id}/inspection"
    upload = f"/repair/inspection/results/{result.id}/photos"
    found = tokens(page)
    assert {page, upload, f"/repair/inspection/results/{result.id}/propose"} <= set(found)
    assert found[upload][0] == f"r{result.id}-csrf_token"

    assert client.post(page, data=_rows(items, "green")).status_code == 400  # no token
    assert client.post(page, data=_rows(items, "green") | dict([found[page]])).status_code == 302
    response = client.post(upload, content_type="multipart/form-data", data={
        f"r{result.id}-photo": (io.BytesIO(make_png()), "a.png"), **dict([found[upload]])})
    assert response.status_code == 302 and count(InspectionPhoto) == 1
    settings = tokens("/repair/inspection/items")
    assert set(settings) >= {"/repair/inspection/items?store=%d" % shop.store.id,
                             f"/repair/inspection/items/{items[0].id}/move"}


def test_the_order_page_shows_the_inspection_findings(client, staff, store):
    shop = build_shop(store, staff)
    order = open_order(shop)
    inspection_services.add_standard_items(store.id, actor=shop.manager, now=NOW)
    items = inspection_services.list_items(store.id, actor=shop.manager)
    inspection_services.record_results(order.id, [inspection_services.ResultInput(
        item_id=items[0].id, status="red", measurement="1.2 mm", note="刹车片磨损")], actor=shop.technician, now=NOW)
    login(client, staff["service_advisor"])
    page = client.get(f"/repair/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="inspection-summary"' in page and "刹车片磨损" in page
