"""The audit log (审计日志): written in the caller's transaction, append-only in the database, read per store."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dealer import audit
from dealer.actors import SYSTEM
from dealer.audit.models import AuditEntry
from dealer.extensions import db
from tests.helpers import actor, login

REFUSED = (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.InternalError)


def _count(action: str | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(AuditEntry)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalar(stmt)


@pytest.fixture()
def entry(ctx, staff, store):
    """One committed entry (committed into the test's transaction, which is rolled back afterwards)."""
    recorded = audit.record("price_changed", store, actor=actor(staff["manager"]),
                            changes={"labor_rate_fen": [1, 2]})
    db.session.commit()
    return recorded


# --- record ---------------------------------------------------------------------------------------

def test_record_fills_who_what_where_and_when(ctx, staff, store):
    manager = staff["manager"]

    recorded = audit.record("price_changed", store, actor=actor(manager),
                            changes={"labor_rate_fen": [12000, 15000]})
    db.session.flush()

    row = db.session.get(AuditEntry, recorded.id)
    assert (row.actor_id, row.actor_name, row.action) == (manager.id, manager.display_name, "price_changed")
    assert (row.entity_type, row.entity_id, row.store_id) == ("stores", store.id, None)
    assert row.changes == {"labor_rate_fen": [12000, 15000]}
    assert row.created_at is not None and row.created_at.tzinfo is not None


def test_record_takes_the_store_from_the_entity(ctx, staff, store):
    recorded = audit.record("user_updated", staff["cashier"], actor=SYSTEM)
    db.session.flush()

    assert recorded.store_id == store.id
    assert recorded.actor_id is None


def test_record_makes_values_json_safe(ctx, staff, store):
    recorded = audit.record("x", store, actor=SYSTEM, changes={
        "when": date(2026, 11, 23), "roles": frozenset({"cashier"}), "pair": (1, None), 3: "three"})
    db.session.flush()
    db.session.expire_all()

    assert db.session.get(AuditEntry, recorded.id).changes == {
        "when": "2026-11-23", "roles": ["cashier"], "pair": [1, None], "3": "three"}


def test_record_is_written_in_the_callers_transaction(ctx, store):
    audit.record("stock_adjusted", store, actor=SYSTEM)
    db.session.flush()
    assert _count("stock_adjusted") == 1

    db.session.rollback()  # the caller's change failed: its audit entry goes with it

    assert _count("stock_adjusted") == 0


def test_record_does_not_commit_on_its_own(ctx, store):
    audit.record("stock_adjusted", store, actor=SYSTEM)

    assert db.session.new  # still pending: the caller's service commits it together with its change


def test_record_is_kept_when_the_caller_commits(ctx, store):
    audit.record("stock_adjusted", store, actor=SYSTEM)
    db.session.commit()
    db.session.rollback()

    assert _count("stock_adjusted") == 1


# --- append-only, enforced by the database --------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET action = 'nothing_happened'",
    "UPDATE audit_log SET changes = '{}' WHERE id = :id",
    "DELETE FROM audit_log WHERE id = :id",
    "DELETE FROM audit_log",
])
def test_database_refuses_to_change_or_delete_an_entry(entry, statement):
    with pytest.raises(REFUSED) as caught:
        with db.session.begin_nested():
            db.session.execute(sa.text(statement), {"id": entry.id})

    assert "append-only" in str(caught.value)
    db.session.expire_all()
    row = db.session.get(AuditEntry, entry.id)
    assert (row.action, row.changes) == ("price_changed", {"labor_rate_fen": [1, 2]})


def test_database_refuses_an_orm_update(entry):
    with pytest.raises(REFUSED):
        with db.session.begin_nested():
            entry.action = "nothing_happened"
            db.session.flush()

    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).action == "price_changed"


def test_database_refuses_to_empty_the_log(entry, backend):
    # SQLite has no TRUNCATE; its fast path for a DELETE without WHERE must not skip the trigger either.
    statement = "TRUNCATE audit_log" if backend == "postgresql" else "DELETE FROM audit_log"
    with pytest.raises(REFUSED):
        with db.session.begin_nested():
            db.session.execute(sa.text(statement))

    assert _count("price_changed") == 1


def test_database_still_accepts_new_entries_after_a_refusal(entry, store):
    with pytest.raises(REFUSED):
        with db.session.begin_nested():
            db.session.execute(sa.text("DELETE FROM audit_log"))

    audit.record("price_changed", store, actor=SYSTEM)
    db.session.commit()

    assert _count("price_changed") == 2


# --- the /audit/ page -----------------------------------------------------------------------------

@pytest.fixture()
def two_stores_entries(db_session, store, other_store):
    audit.record("sz_entry_seen", store, actor=SYSTEM, store_id=store.id)
    audit.record("gz_entry_hidden", other_store, actor=SYSTEM, store_id=other_store.id)
    db.session.commit()


def test_audit_page_shows_the_store_managers_own_store_only(client, staff, two_stores_entries):
    login(client, staff["manager"])

    page = client.get("/audit/").get_data(as_text=True)

    assert "sz_entry_seen" in page
    assert "gz_entry_hidden" not in page


def test_audit_page_shows_every_store_to_a_group_manager(client, group_manager, two_stores_entries):
    login(client, group_manager)

    page = client.get("/audit/").get_data(as_text=True)

    assert "sz_entry_seen" in page
    assert "gz_entry_hidden" in page


def test_audit_page_shows_who_changed_what(client, staff, store):
    login(client, staff["admin"])
    advisor = staff["service_advisor"]
    client.post(f"/users/{advisor.id}", data={"username": advisor.username, "store": store.id,
                                              "roles": ["service_advisor", "cashier"], "active": "y"})
    login(client, staff["manager"])

    page = client.get("/audit/").get_data(as_text=True)

    assert "修改了账号：角色" in page and "user_updated" not in page  # a sentence, not the event's code
    assert staff["admin"].display_name in page
    assert f'<a href="/users/{advisor.id}">' in page


def test_audit_page_is_refused_to_staff_without_the_role(client, staff):
    login(client, staff["cs_supervisor"])

    assert client.get("/audit/").status_code == 403


def test_audit_page_pages_newest_first(client, staff, store):
    for number in range(55):
        audit.record(f"entry_{number:02d}_", store, actor=SYSTEM, store_id=store.id)
    db.session.commit()
    login(client, staff["manager"])

    first = client.get("/audit/").get_data(as_text=True)
    second = client.get("/audit/?page=2").get_data(as_text=True)

    assert "entry_54_" in first and "entry_05_" in first and "entry_04_" not in first
    assert "entry_04_" in second and "entry_00_" in second and "entry_54_" not in second


def test_group_manager_sees_entries_without_a_store(client, group_manager):
    audit.record("group_level_change", group_manager, actor=SYSTEM)
    db.session.commit()
    login(client, group_manager)

    assert "group_level_change" in client.get("/audit/").get_data(as_text=True)
