"""The manager's repair settings pages: wiring, field errors, roles and store scope (rules: test_catalogue.py)."""
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from dealer.extensions import db
from dealer.repair.models import LaborOperation, LaborOperationHours, LaborRate, RepairSettings
from dealer.repair.services import settings as catalogue
from dealer.repair.services.settings import OperationInput
from tests.helpers import NOW, actor, count, field_has_error, fresh, login, persist, text

SETTINGS_FORM = {"vat_rate_bp": "9", "manual_discount_limit_bp": "15", "comeback_window_days": "45",
                 "warranty_months": "6", "warranty_km": "10000", "warranty_terms": "三个月或五千公里"}


@pytest.fixture()
def operation(store, staff, ctx):
    made = catalogue.create_operation(OperationInput(code="BRK-PADF", name="更换前刹车片", category="mechanical",
                                                     hours=120, family_hours={"suv": 140}),
                                      store_id=store.id, actor=actor(staff["manager"]), now=NOW)
    persist()
    return made


# -- settings --------------------------------------------------------------------------------------

def test_settings_page_shows_the_defaults_as_percent(manager_client):
    response = manager_client.get("/repair/settings")

    assert response.status_code == 200
    page = text(response)
    assert 'name="vat_rate_bp"' in page and 'value="13"' in page and 'value="10"' in page
    assert 'value="30"' in page


def test_settings_saved_in_basis_points_and_audited(manager_client, store):
    response = manager_client.post("/repair/settings", data=SETTINGS_FORM)

    assert response.status_code == 302 and response.headers["Location"].startswith("/repair/settings")
    saved = fresh(RepairSettings, store.id)
    assert (saved.vat_rate_bp, saved.manual_discount_limit_bp, saved.comeback_window_days, saved.warranty_months,
            saved.warranty_km, saved.warranty_terms) == (900, 1500, 45, 6, 10_000, "三个月或五千公里")


@pytest.mark.parametrize("field, value", [("vat_rate_bp", "thirteen"), ("vat_rate_bp", "13.555"),
                                          ("comeback_window_days", "0"), ("warranty_km", "")])
def test_settings_form_errors_show_on_the_field(manager_client, store, field, value):
    response = manager_client.post("/repair/settings", data={**SETTINGS_FORM, field: value})

    assert response.status_code == 200
    assert field_has_error(response, field)
    assert fresh(RepairSettings, store.id) is None


def test_settings_service_error_shows_on_the_field(manager_client, store):
    response = manager_client.post("/repair/settings", data={**SETTINGS_FORM, "vat_rate_bp": "101"})

    assert response.status_code == 200
    assert field_has_error(response, "vat_rate_bp")
    assert fresh(RepairSettings, store.id) is None


def test_settings_page_is_for_managers(client, staff):
    persist()
    login(client, staff["service_advisor"])

    assert client.get("/repair/settings").status_code == 403
    assert client.get("/repair/settings/labor-rates").status_code == 403


def test_group_manager_picks_the_store(client, group_manager, store, other_store):
    persist()
    login(client, group_manager)

    page = client.get(f"/repair/settings?store={other_store.id}")
    saved = client.post(f"/repair/settings?store={other_store.id}", data=SETTINGS_FORM)

    assert page.status_code == 200 and 'data-testid="store-switch"' in text(page)
    assert saved.status_code == 302
    assert fresh(RepairSettings, other_store.id).vat_rate_bp == 900
    assert fresh(RepairSettings, store.id) is None


def test_store_manager_cannot_reach_another_store_with_the_store_argument(manager_client, store, other_store):
    manager_client.post(f"/repair/settings?store={other_store.id}", data=SETTINGS_FORM)

    assert fresh(RepairSettings, store.id).vat_rate_bp == 900
    assert fresh(RepairSettings, other_store.id) is None


# -- hourly labor rates ------------------------------------------------------------------------------

def test_labor_rates_saved_in_fen(manager_client, store):
    response = manager_client.post("/repair/settings/labor-rates",
                                   data={"mechanical": "150", "electrical": "165.50", "paint": ""})

    assert response.status_code == 302
    db.session.expire_all()
    rates = dict(db.session.execute(sa.select(LaborRate.category, LaborRate.rate_fen)
                                    .where(LaborRate.store_id == store.id)).all())
    assert rates == {"mechanical": 15_000, "electrical": 16_550}
    page = text(manager_client.get("/repair/settings/labor-rates"))
    assert 'value="150.00"' in page and 'value="165.50"' in page


def test_labor_rates_bad_amount_shows_on_its_field(manager_client, store):
    response = manager_client.post("/repair/settings/labor-rates", data={"mechanical": "15O", "body": "-1"})

    assert response.status_code == 200
    assert field_has_error(response, "mechanical")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LaborRate)) == 0


def test_labor_rates_service_error_shows_on_the_category(manager_client, store):
    response = manager_client.post("/repair/settings/labor-rates", data={"body": "-1"})

    assert response.status_code == 200
    assert field_has_error(response, "body")


# -- the labor catalogue -----------------------------------------------------------------------------

def test_catalogue_list_and_search(client, staff, operation):
    login(client, staff["service_advisor"])

    listing = client.get("/repair/labor-operations")
    found = client.get("/repair/labor-operations?q=brk")
    missing = client.get("/repair/labor-operations?q=zzz")

    assert listing.status_code == 200 and "BRK-PADF" in text(listing) and "SUV: 1.4" in text(listing)
    assert "BRK-PADF" in text(found)
    assert "BRK-PADF" not in text(missing)
    assert "/repair/labor-operations/new" not in text(listing)  # advisors read; the manager edits


def test_catalogue_search_as_you_type_answers_the_table_only(manager_client, operation):
    response = manager_client.get("/repair/labor-operations?q=前刹", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "BRK-PADF" in text(response) and "<html" not in text(response)


def test_new_operation_with_family_hours(manager_client, store):
    response = manager_client.post("/repair/labor-operations/new", data={
        "code": "chs-align", "name": "四轮定位", "category": "mechanical", "hours": "1",
        "family_hours-0-model_family": "suv", "family_hours-0-hours": "1.2",
        "family_hours-1-model_family": "", "family_hours-1-hours": "", "active": "y"})

    assert response.status_code == 302, text(response)
    db.session.expire_all()
    created = db.session.scalar(sa.select(LaborOperation).where(LaborOperation.store_id == store.id)
                                .options(selectinload(LaborOperation.family_hours)))
    assert (created.code, created.hours, created.active) == ("CHS-ALIGN", 100, True)
    assert [(row.model_family, row.hours) for row in created.family_hours] == [("suv", 120)]


def test_catalogue_names_model_families_in_the_users_language(manager_client, store, staff):
    """Issue 12: the family is chosen from the list, and shown by its label, not its code ("ev: 0.9")."""
    catalogue.create_operation(OperationInput(code="EV-CHECK", name="高压系统检查", category="electrical",
                                              hours=100, family_hours={"ev": 90}),
                               store_id=store.id, actor=actor(staff["manager"]), now=NOW)
    persist()

    listing = text(manager_client.get("/repair/labor-operations"))
    form = text(manager_client.get("/repair/labor-operations/new"))
    typed = manager_client.post("/repair/labor-operations/new", data={
        "code": "X1", "name": "测试", "category": "mechanical", "hours": "1",
        "family_hours-0-model_family": "速腾", "family_hours-0-hours": "1.2"})

    assert "纯电动车: 0.9" in listing and "ev: 0.9" not in listing
    assert 'class="form-select form-select-sm" id="family_hours-0-model_family"' in form and '<option value="ev">纯电动车</option>' in form
    assert typed.status_code == 200 and count(LaborOperation) == 1


def test_new_operation_form_shows_blank_family_rows(manager_client):
    page = text(manager_client.get("/repair/labor-operations/new"))

    assert 'name="family_hours-0-model_family"' in page and 'name="family_hours-2-hours"' in page


def test_new_operation_taken_code_shows_on_the_code_field(manager_client, operation):
    response = manager_client.post("/repair/labor-operations/new", data={
        "code": "BRK-PADF", "name": "另一个", "category": "mechanical", "hours": "1"})

    assert response.status_code == 200
    assert field_has_error(response, "code")


def test_new_operation_family_row_without_hours_is_an_error_on_the_row(manager_client):
    response = manager_client.post("/repair/labor-operations/new", data={
        "code": "X1", "name": "测试", "category": "mechanical", "hours": "1",
        "family_hours-0-model_family": "suv", "family_hours-0-hours": ""})

    assert response.status_code == 200
    assert field_has_error(response, "family_hours-0-hours")


def test_new_operation_family_listed_twice_is_an_error_above_the_rows(manager_client):
    response = manager_client.post("/repair/labor-operations/new", data={
        "code": "X1", "name": "测试", "category": "mechanical", "hours": "1",
        "family_hours-0-model_family": "suv", "family_hours-0-hours": "1",
        "family_hours-1-model_family": "suv", "family_hours-1-hours": "2"})

    assert response.status_code == 200
    assert 'data-testid="family-hours-error"' in text(response)


def test_edit_operation_replaces_family_hours_and_deactivates(manager_client, operation):
    page = manager_client.get(f"/repair/labor-operations/{operation.id}/edit")
    assert 'value="suv"' in text(page) and 'value="1.4"' in text(page)

    response = manager_client.post(f"/repair/labor-operations/{operation.id}/edit", data={
        "code": "BRK-PADF", "name": "更换前刹车片（含传感器）", "category": "mechanical", "hours": "1.3",
        "family_hours-0-model_family": "", "family_hours-0-hours": "",
        "family_hours-1-model_family": "ev", "family_hours-1-hours": "1.1"})

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(LaborOperation, operation.id)
    assert (saved.name, saved.hours, saved.active) == ("更换前刹车片（含传感器）", 130, False)
    assert db.session.execute(sa.select(LaborOperationHours.model_family, LaborOperationHours.hours)
                              .where(LaborOperationHours.operation_id == operation.id)).all() == [("ev", 110)]


def test_edit_operation_of_another_store_is_404(manager_client, other_store, group_manager, ctx):
    theirs = catalogue.create_operation(OperationInput(code="X1", name="测试", category="body", hours=100),
                                        store_id=other_store.id, actor=actor(group_manager), now=NOW)
    persist()

    assert manager_client.get(f"/repair/labor-operations/{theirs.id}/edit").status_code == 404


@pytest.mark.parametrize("role, status", [("service_advisor", 403), ("technician", 403), ("cashier", 403)])
def test_only_managers_edit_the_catalogue(client, staff, operation, role, status):
    login(client, staff[role])

    assert client.get("/repair/labor-operations/new").status_code == status
    assert client.get(f"/repair/labor-operations/{operation.id}/edit").status_code == status
