"""The manager's repair settings: VAT, discount limit, warranty, hourly rates and the labor catalogue."""
import pytest
import sqlalchemy as sa

from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.repair import services
from dealer.repair.models import (
    LABOR_CATEGORIES,
    LaborOperation,
    LaborOperationHours,
    LaborRate,
    RepairSettings,
)
from dealer.repair.services import settings as catalogue
from dealer.repair.services.settings import InvalidSetting, OperationCodeTaken, OperationInput
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW, actor, audit_entries
from tests.repair.builders import add_labor, open_order

SETTINGS = dict(vat_rate_bp=900, manual_discount_limit_bp=1500, comeback_window_days=45, warranty_months=6,
                warranty_km=10_000, warranty_terms="维修工时保修六个月或一万公里，以先到者为准。")


def brakes(**extra) -> OperationInput:
    values = dict(code=" brk-padf ", name="更换前刹车片", category="mechanical", hours=120,
                  family_hours={"suv": 140})
    values.update(extra)
    return OperationInput(**values)


# -- settings --------------------------------------------------------------------------------------

def test_get_settings_without_a_row_gives_the_defaults(store, manager):
    settings = catalogue.get_settings(store.id, actor=manager)

    assert (settings.vat_rate_bp, settings.manual_discount_limit_bp, settings.comeback_window_days,
            settings.warranty_months, settings.warranty_km) == (1300, 1000, 30, 3, 5000)
    assert db.session.get(RepairSettings, store.id) is None


def test_save_settings_stores_them_and_audits_the_changes(store, manager):
    catalogue.save_settings(store.id, actor=manager, **SETTINGS)

    saved = db.session.get(RepairSettings, store.id)
    assert (saved.vat_rate_bp, saved.manual_discount_limit_bp, saved.comeback_window_days, saved.warranty_months,
            saved.warranty_km) == (900, 1500, 45, 6, 10_000)
    assert saved.warranty_terms.startswith("维修工时保修")
    assert services.settings_for(store.id).vat_rate_bp == 900
    [entry] = audit_entries("repair_settings_saved")
    assert entry.store_id == store.id and entry.actor_id == manager.user_id
    assert entry.changes["vat_rate_bp"] == [1300, 900]
    assert entry.changes["warranty_terms"] == ["…", "…"]


def test_save_settings_unchanged_writes_no_audit_entry(store, manager):
    catalogue.save_settings(store.id, actor=manager, **SETTINGS)
    catalogue.save_settings(store.id, actor=manager, **SETTINGS)

    assert len(audit_entries("repair_settings_saved")) == 1


@pytest.mark.parametrize("field, value", [
    ("vat_rate_bp", -1), ("vat_rate_bp", 10_001), ("manual_discount_limit_bp", 20_000),
    ("comeback_window_days", 0), ("comeback_window_days", 366), ("warranty_months", -1),
    ("warranty_km", 1_000_001), ("warranty_terms", "条" * 2001), ("vat_rate_bp", True),
])
def test_save_settings_out_of_range_is_refused_on_its_field(store, manager, field, value):
    with pytest.raises(InvalidSetting) as refused:
        catalogue.save_settings(store.id, actor=manager, **{**SETTINGS, field: value})

    assert refused.value.field == field and refused.value.status == 422
    assert str(refused.value.message)
    assert db.session.get(RepairSettings, store.id) is None


def test_save_settings_of_another_store_is_forbidden(store, other_store, manager):
    with pytest.raises(Forbidden):
        catalogue.save_settings(other_store.id, actor=manager, **SETTINGS)


def test_group_level_manager_saves_any_store(other_store, group_manager, ctx):
    catalogue.save_settings(other_store.id, actor=actor(group_manager), **SETTINGS)

    assert db.session.get(RepairSettings, other_store.id).vat_rate_bp == 900


def test_save_settings_of_an_unknown_store_is_refused(group_manager, ctx):
    with pytest.raises(InvalidSetting) as refused:
        catalogue.save_settings(999_999, actor=actor(group_manager), **SETTINGS)

    assert refused.value.field == "store_id"


# -- hourly labor rates ------------------------------------------------------------------------------

def test_labor_rates_lists_every_category_none_where_unset(store, manager):
    catalogue.set_labor_rate(store.id, category="mechanical", rate_fen=15_000, actor=manager)

    rates = catalogue.labor_rates(store.id, actor=manager)

    assert list(rates) == list(LABOR_CATEGORIES)
    assert rates["mechanical"] == 15_000 and rates["paint"] is None


def test_set_labor_rate_is_used_by_new_lines_and_audited(shop, manager):
    catalogue.set_labor_rate(shop.store.id, category="maintenance", rate_fen=15_000, actor=manager)
    order = open_order(shop)

    line = add_labor(shop, order.jobs[0])  # 0.5 h oil service

    assert (line.rate_fen, line.amount_fen) == (15_000, 7_500)
    [entry] = audit_entries("labor_rate_set")
    assert entry.changes == {"category": "maintenance", "rate_fen": [12_000, 15_000]}
    assert entry.store_id == shop.store.id and entry.entity_type == "labor_rates"


def test_set_labor_rate_keeps_the_rate_of_lines_already_priced(shop, manager):
    order = open_order(shop)
    line = add_labor(shop, order.jobs[0])

    catalogue.set_labor_rate(shop.store.id, category="maintenance", rate_fen=20_000, actor=manager)

    db.session.expire_all()
    assert (line.rate_fen, line.amount_fen) == (12_000, 6_000)


def test_set_labor_rates_sets_several_and_leaves_none_alone(store, manager):
    catalogue.set_labor_rate(store.id, category="paint", rate_fen=18_000, actor=manager)

    catalogue.set_labor_rates(store.id, {"mechanical": 15_000, "electrical": 16_000, "paint": None}, actor=manager)

    rates = catalogue.labor_rates(store.id, actor=manager)
    assert (rates["mechanical"], rates["electrical"], rates["paint"]) == (15_000, 16_000, 18_000)
    assert len(audit_entries("labor_rate_set")) == 3


def test_set_labor_rates_checks_them_all_before_saving_any(store, manager):
    with pytest.raises(InvalidSetting) as refused:
        catalogue.set_labor_rates(store.id, {"mechanical": 15_000, "paint": -1}, actor=manager)

    assert refused.value.field == "paint"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LaborRate)) == 0


@pytest.mark.parametrize("category, rate, field", [
    ("welding", 10_000, "category"), ("mechanical", -1, "mechanical"),
    ("mechanical", 10_000_001, "mechanical"), ("mechanical", 150.5, "mechanical"),
])
def test_set_labor_rate_refuses_bad_input(store, manager, category, rate, field):
    with pytest.raises(InvalidSetting) as refused:
        catalogue.set_labor_rate(store.id, category=category, rate_fen=rate, actor=manager)

    assert refused.value.field == field


def test_set_labor_rate_of_another_store_is_forbidden(store, other_store, manager):
    with pytest.raises(Forbidden):
        catalogue.set_labor_rate(other_store.id, category="mechanical", rate_fen=10_000, actor=manager)


# -- the labor operation catalogue -------------------------------------------------------------------

def test_create_operation_upper_cases_the_code_and_keeps_family_hours(store, manager):
    operation = catalogue.create_operation(brakes(), store_id=store.id, actor=manager, now=NOW)

    assert (operation.code, operation.name, operation.category, operation.hours) == (
        "BRK-PADF", "更换前刹车片", "mechanical", 120)
    assert operation.hours_for("suv") == 140 and operation.hours_for("compact") == 120
    [entry] = audit_entries("labor_operation_created")
    assert entry.changes["family_hours"] == {"suv": 140} and entry.entity_id == operation.id


def test_create_operation_full_width_code_is_folded(store, manager):
    operation = catalogue.create_operation(brakes(code="ｂｒｋ－ｐａｄｆ"), store_id=store.id, actor=manager, now=NOW)

    assert operation.code == "BRK-PADF"


def test_create_operation_with_a_taken_code_is_refused(store, manager):
    catalogue.create_operation(brakes(), store_id=store.id, actor=manager, now=NOW)

    with pytest.raises(OperationCodeTaken) as refused:
        catalogue.create_operation(brakes(code="BRK-PADF", name="另一个"), store_id=store.id, actor=manager, now=NOW)

    assert refused.value.field == "code" and refused.value.status == 409
    # The savepoint kept the session usable: the first operation is still there.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LaborOperation)) == 1


def test_same_code_in_another_store_is_fine(store, other_store, group_manager, ctx):
    boss = actor(group_manager)
    catalogue.create_operation(brakes(), store_id=store.id, actor=boss, now=NOW)

    other = catalogue.create_operation(brakes(), store_id=other_store.id, actor=boss, now=NOW)

    assert other.store_id == other_store.id


@pytest.mark.parametrize("changes, field", [
    ({"code": ""}, "code"), ({"code": "BRK PAD!"}, "code"), ({"code": "A" * 41}, "code"),
    ({"name": "  "}, "name"), ({"name": "名" * 41}, "name"), ({"category": "welding"}, "category"),
    ({"hours": 0}, "hours"), ({"hours": 100_001}, "hours"), ({"hours": None}, "hours"),
    ({"family_hours": {"suv": 0}}, "family_hours"), ({"family_hours": {" ": 100}}, "family_hours"),
    ({"family_hours": {"suv": 100, " suv ": 120}}, "family_hours"),
])
def test_create_operation_refuses_bad_input_on_its_field(store, manager, changes, field):
    with pytest.raises(InvalidSetting) as refused:
        catalogue.create_operation(brakes(**changes), store_id=store.id, actor=manager, now=NOW)

    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LaborOperation)) == 0


def test_create_operation_in_another_store_is_forbidden(other_store, manager):
    with pytest.raises(Forbidden):
        catalogue.create_operation(brakes(), store_id=other_store.id, actor=manager, now=NOW)


def test_update_operation_changes_family_hours_in_place(store, manager):
    operation = catalogue.create_operation(brakes(family_hours={"suv": 140, "midsize": 130}), store_id=store.id,
                                           actor=manager, now=NOW)

    catalogue.update_operation(operation.id, brakes(hours=110, family_hours={"suv": 150, "ev": 90}), actor=manager,
                               now=NOW)

    db.session.expire_all()
    rows = db.session.execute(sa.select(LaborOperationHours.model_family, LaborOperationHours.hours)
                              .where(LaborOperationHours.operation_id == operation.id)
                              .order_by(LaborOperationHours.model_family)).all()
    assert rows == [("ev", 90), ("suv", 150)]
    assert db.session.get(LaborOperation, operation.id).hours == 110
    [entry] = audit_entries("labor_operation_updated")
    assert entry.changes["hours"] == [120, 110]
    assert entry.changes["family_hours"] == [{"midsize": 130, "suv": 140}, {"ev": 90, "suv": 150}]


def test_update_operation_to_a_taken_code_is_refused(store, manager):
    catalogue.create_operation(brakes(), store_id=store.id, actor=manager, now=NOW)
    oil = catalogue.create_operation(brakes(code="MNT-OIL", name="更换机油机滤", category="maintenance", hours=50,
                                            family_hours={}), store_id=store.id, actor=manager, now=NOW)

    with pytest.raises(OperationCodeTaken):
        catalogue.update_operation(oil.id, brakes(code="brk-padf"), actor=manager, now=NOW)


def test_update_operation_keeps_the_hours_of_lines_already_on_orders(shop, manager):
    order = open_order(shop)
    line = add_labor(shop, order.jobs[0], shop.brakes)

    catalogue.update_operation(shop.brakes.id, OperationInput(code=shop.brakes.code, name=shop.brakes.name,
                                                              category="mechanical", hours=300), actor=manager,
                               now=NOW)

    db.session.expire_all()
    assert line.hours == 120


def test_get_operation_of_another_store_is_not_found(other_store, manager, group_manager):
    operation = catalogue.create_operation(brakes(), store_id=other_store.id, actor=actor(group_manager), now=NOW)

    with pytest.raises(NotFound):
        catalogue.get_operation(operation.id, actor=manager)
    with pytest.raises(NotFound):
        catalogue.update_operation(operation.id, brakes(), actor=manager, now=NOW)


def test_inactive_operation_is_left_out_of_the_search_and_of_new_lines(shop, manager):
    catalogue.update_operation(shop.brakes.id, OperationInput(code="BRK-FRONT", name="更换前刹车片",
                                                              category="mechanical", hours=120, active=False),
                               actor=manager, now=NOW)

    assert catalogue.search_operations("BRK", actor=manager) == []
    assert [o.code for o in catalogue.search_operations("BRK", actor=manager, active_only=False)] == ["BRK-FRONT"]
    order = open_order(shop)
    with pytest.raises(services.RepairError):
        add_labor(shop, order.jobs[0], shop.brakes)


# -- search and lists --------------------------------------------------------------------------------

@pytest.fixture()
def operations(store, manager):
    made = {}
    for code, name, category, hours in (("MNT-OIL", "更换机油机滤", "maintenance", 50),
                                        ("MNT-AIRF", "更换空气滤清器", "maintenance", 20),
                                        ("CHS-ALIGN", "四轮定位", "mechanical", 100),
                                        ("AC-SERV", "空调系统检测与加注冷媒", "electrical", 100),
                                        ("MNT-CABF", "更换空调滤清器", "maintenance", 20)):
        made[code] = catalogue.create_operation(OperationInput(code=code, name=name, category=category, hours=hours),
                                                store_id=store.id, actor=manager, now=NOW)
    return made


@pytest.mark.parametrize("query, codes", [
    ("mnt", ["MNT-AIRF", "MNT-CABF", "MNT-OIL"]),   # code prefix, any case
    ("MNT-O", ["MNT-OIL"]),
    ("四轮", ["CHS-ALIGN"]),                         # name prefix
    ("空调", ["AC-SERV", "MNT-CABF"]),               # name prefix, then a word inside a name
    ("滤清器", ["MNT-AIRF", "MNT-CABF"]),            # inside the name only
    ("  ", []), ("XYZ", []), ("100%", []),
])
def test_search_operations_by_code_or_name(operations, manager, query, codes):
    found = catalogue.search_operations(query, actor=manager)

    assert sorted(o.code for o in found) == codes


def test_search_operations_puts_code_matches_first_and_respects_the_limit(operations, manager):
    found = catalogue.search_operations("MNT", actor=manager, limit=2)

    assert [o.code for o in found] == ["MNT-AIRF", "MNT-CABF"]


def test_search_operations_sees_only_the_actors_store(operations, other_store, group_manager, manager):
    catalogue.create_operation(OperationInput(code="MNT-OIL", name="更换机油机滤", category="maintenance", hours=60),
                               store_id=other_store.id, actor=actor(group_manager), now=NOW)

    mine = catalogue.search_operations("MNT-OIL", actor=manager)
    everything = catalogue.search_operations("MNT-OIL", actor=actor(group_manager))
    theirs = catalogue.search_operations("MNT-OIL", actor=actor(group_manager), store_id=other_store.id)

    assert [o.hours for o in mine] == [50]
    assert sorted(o.hours for o in everything) == [50, 60]
    assert [o.hours for o in theirs] == [60]
    with pytest.raises(Forbidden):
        catalogue.search_operations("MNT", actor=manager, store_id=other_store.id)


def test_list_operations_pages_in_code_order(operations, manager):
    page = catalogue.list_operations(actor=manager, per_page=2)

    assert page.total == 5
    assert [o.code for o in page.items] == ["AC-SERV", "CHS-ALIGN"]


@pytest.mark.postgres_only
def test_two_managers_adding_the_same_code_at_once_get_one_operation(app, backend, request):
    """The unique key settles the race; the loser gets OperationCodeTaken, not an IntegrityError."""
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    request.getfixturevalue("committed_db")
    store = StoreFactory(code="SZ01")
    first = UserFactory(username="manager-1", roles=["manager"], store=store)
    second = UserFactory(username="manager-2", roles=["manager"], store=store)
    db.session.commit()
    store_id, managers = store.id, (actor(first), actor(second))

    results = at_once(app, *(lambda who=who: catalogue.create_operation(brakes(), store_id=store_id, actor=who,
                                                                        now=NOW).id for who in managers))

    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, OperationCodeTaken) for r in results) == 1, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LaborOperation)) == 1


def test_family_hours_are_used_for_a_car_of_that_family(shop, manager):
    catalogue.update_operation(shop.brakes.id, OperationInput(code="BRK-FRONT", name="更换前刹车片",
                                                              category="mechanical", hours=120,
                                                              family_hours={"compact": 135}), actor=manager, now=NOW)
    order = open_order(shop)  # the shop's car is a compact (tests/repair/builders.py)

    line = add_labor(shop, order.jobs[0], shop.brakes)

    assert (line.hours, line.amount_fen) == (135, 16_200)
