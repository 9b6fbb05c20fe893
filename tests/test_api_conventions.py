"""The JSON API's conventions: OpenAPI document, bearer tokens, one error shape."""
from __future__ import annotations

import re

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dealer.access import PUBLIC, declared_access
from dealer.auth import services
from dealer.responses import flat_fields
from tests.factories import PASSWORD
from tests.helpers import NOW, actor

DOCUMENT = "/api/v1/openapi.json"


def _assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _conforms(document: dict, path: str, method: str, response, **request) -> None:
    """Check the response against what the document says the operation answers (status, headers, body)."""
    operation = schemathesis.openapi.from_dict(document)[path][method]
    operation.Case(**request).validate_response(response, checks=[
        status_code_conformance, content_type_conformance, response_headers_conformance,
        response_schema_conformance])


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule != DOCUMENT:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


# --- the OpenAPI document -------------------------------------------------------------------------

def test_openapi_document_describes_every_api_route(app, client):
    document = client.get(DOCUMENT).get_json()

    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, operations in document["paths"].items()
                  for method in operations if method in {"get", "post", "put", "patch", "delete"}}
    assert documented == _api_routes(app)
    assert len(documented) >= 10


def test_openapi_document_declares_bearer_authentication(client):
    document = client.get(DOCUMENT).get_json()

    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in document["security"]


def test_openapi_document_marks_public_operations_as_needing_no_token(app, client):
    document = client.get(DOCUMENT).get_json()
    public = {rule.rule for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.rule != DOCUMENT
              and declared_access(app, rule.endpoint) == PUBLIC}

    assert public == {"/api/v1/auth/token", "/api/v1/sms/callbacks/<token>/report",
                      "/api/v1/sms/callbacks/<token>/reply",
                      # an owner's booking: no account, the phone verified by SMS code instead
                      "/api/v1/booking/slots", "/api/v1/booking/verify", "/api/v1/bookings",
                      "/api/v1/feedback/<token>",
                      # booking: the owner's repair progress and decisions, by the SMS link's token
                      "/api/v1/progress/<token>", "/api/v1/progress/<token>/items/<int:job_id>/approve",
                      "/api/v1/progress/<token>/items/<int:job_id>/decline"}
    assert document["paths"]["/api/v1/auth/token"]["post"].get("security") == []
    assert document["paths"]["/api/v1/booking/slots"]["get"].get("security") == []
    assert document["paths"]["/api/v1/booking/verify"]["post"].get("security") == []
    assert document["paths"]["/api/v1/bookings"]["post"].get("security") == []
    for method in ("get", "post"):  # the owner's feedback form: the link's token is the key
        assert document["paths"]["/api/v1/feedback/{token}"][method].get("security") == []
    assert document["paths"]["/api/v1/progress/{token}"]["get"].get("security") == []
    for decision in ("approve", "decline"):
        assert document["paths"]["/api/v1/progress/{token}/items/{job_id}/" + decision]["post"].get("security") == []
    for kind in ("report", "reply"):  # the provider authenticates with the secret in the URL instead
        assert document["paths"]["/api/v1/sms/callbacks/{token}/" + kind]["post"].get("security") == []
    assert "security" not in document["paths"]["/api/v1/customers"]["get"]  # the default: bearerAuth


def test_openapi_document_describes_the_error_shape(client):
    document = client.get(DOCUMENT).get_json()

    error = document["components"]["schemas"]["ApiError"]
    assert "error" in error["properties"]
    responses = document["paths"]["/api/v1/customers/{customer_id}"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(responses)


def test_every_documented_error_is_the_one_error_shape(client):
    document = client.get(DOCUMENT).get_json()

    error = document["components"]["schemas"]["ApiErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
    # Nested field errors come flat, by dotted path: a map of strings to lists of strings.
    assert error["properties"]["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert "Error" not in document["components"]["schemas"]  # flask-smorest's own error shape is not used
    checked = 0
    for path, method, operation in _operations(document):
        assert "default" not in operation["responses"], (method, path)  # every status is listed
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (method, path, status)
                checked += 1
    assert checked > 100


def test_every_operation_documents_the_errors_it_can_answer(app, client):
    document = client.get(DOCUMENT).get_json()
    public = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if declared_access(app, rule.endpoint) == PUBLIC}

    for path, method, operation in _operations(document):
        statuses = set(operation["responses"])
        if path not in public:
            assert {"401", "403", "404", "409", "422"} <= statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, (method, path)
            assert operation["requestBody"]["required"], (method, path)  # JsonBodyParser refuses none
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"201", "400", "401", "413", "422", "429"} == set(token)
    assert "Retry-After" in token["429"]["headers"]
    for kind in ("report", "reply"):
        assert {"200", "400", "404", "413"} == set(document["paths"]["/api/v1/sms/callbacks/{token}/" + kind]["post"]
                                                   ["responses"])


def test_nested_field_errors_come_by_dotted_path_as_documented(client, staff):
    _token, secret = services.create_api_token(actor=actor(staff["service_advisor"]), name="x", now=NOW)
    body = {"action": "settle", "payments": [{"method": "cash", "amount_fen": 100},
                                             {"method": "cash", "amount_fen": 0}],
            "approval": {"method": "telepathy"}}

    response = client.post("/api/v1/repair-orders/1/transitions", json=body, headers=_bearer(secret))

    error = _assert_error_shape(response, 422, "validation_failed")
    assert set(error["fields"]) == {"payments.1.amount_fen", "approval.method", "approval.approver_name"}
    assert all(isinstance(m, str) for messages in error["fields"].values() for m in messages)
    _conforms(client.get(DOCUMENT).get_json(), "/api/v1/repair-orders/{order_id}/transitions", "POST", response,
              path_parameters={"order_id": 1}, body=body, headers=_bearer(secret))


def test_flat_fields_names_nested_errors_by_path():
    messages = {"payments": {0: {"amount_fen": ["Too small."], "_schema": ["Unknown field."]}},
                "qc": {"checklist": {"brakes": {"key": ["Must be one of: lights."]}}},
                "job_ids": {2: ["Not a valid integer."]}, "reason": ["Too long.", "Still too long."]}

    assert flat_fields(messages) == {
        "payments.0.amount_fen": ["Too small."], "payments.0._schema": ["Unknown field."],
        "qc.checklist.brakes.key": ["Must be one of: lights."], "job_ids.2": ["Not a valid integer."],
        "reason": ["Too long.", "Still too long."]}


# --- bearer tokens --------------------------------------------------------------------------------

def test_token_from_username_and_password_works_as_bearer(client, staff):
    response = client.post("/api/v1/auth/token", json={"username": "service_advisor-sz", "password": PASSWORD,
                                                       "name": "DMS"})

    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("dlr_") and body["prefix"] == body["token"][:10]
    assert body["name"] == "DMS"
    assert "password" not in body
    tokens = client.get("/api/v1/auth/tokens", headers=_bearer(body["token"]))
    assert tokens.status_code == 200
    assert [t["id"] for t in tokens.get_json()] == [body["id"]]
    assert "token" not in tokens.get_json()[0]  # the secret is shown once only
    assert client.get("/api/v1/customers", headers=_bearer(body["token"])).status_code == 200


@pytest.mark.parametrize("credentials", [
    {"username": "service_advisor-sz", "password": "wrong-password"},
    {"username": "nobody", "password": PASSWORD},
])
def test_token_with_bad_credentials_is_401_with_the_error_shape(client, staff, credentials):
    response = client.post("/api/v1/auth/token", json=credentials)

    error = _assert_error_shape(response, 401, "auth.invalid_credentials")
    assert error["fields"] == {}


def test_token_for_a_disabled_account_is_refused(client, db_session, staff):
    staff["cashier"].active = False
    db_session.flush()

    response = client.post("/api/v1/auth/token", json={"username": "cashier-sz", "password": PASSWORD})

    _assert_error_shape(response, 401, "auth.invalid_credentials")


def test_revoked_token_is_refused_afterwards(client, staff):
    _token, secret = services.create_api_token(actor=actor(staff["manager"]), name="x", now=NOW)
    token_id = client.get("/api/v1/auth/tokens", headers=_bearer(secret)).get_json()[0]["id"]

    revoked = client.delete(f"/api/v1/auth/tokens/{token_id}", headers=_bearer(secret))

    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"]
    _assert_error_shape(client.get("/api/v1/auth/tokens", headers=_bearer(secret)), 401, "unauthorized")


def test_revoking_someone_elses_token_is_404(client, staff):
    token, victim = services.create_api_token(actor=actor(staff["manager"]), name="x", now=NOW)
    _token, secret = services.create_api_token(actor=actor(staff["cashier"]), name="y", now=NOW)

    response = client.delete(f"/api/v1/auth/tokens/{token.id}", headers=_bearer(secret))

    _assert_error_shape(response, 404, "not_found")
    assert client.get("/api/v1/auth/tokens", headers=_bearer(victim)).status_code == 200


def test_missing_token_is_401_and_wrong_role_is_403(client, staff):
    _token, secret = services.create_api_token(actor=actor(staff["parts_clerk"]), name="x", now=NOW)

    _assert_error_shape(client.get("/api/v1/customers"), 401, "unauthorized")
    _assert_error_shape(client.get("/api/v1/customers", headers=_bearer(secret)), 403, "forbidden")


# --- input errors ---------------------------------------------------------------------------------

def test_unknown_json_field_is_422_naming_the_field(client, staff):
    response = client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": PASSWORD,
                                                       "is_admin": True})

    error = _assert_error_shape(response, 422, "validation_failed")
    assert list(error["fields"]) == ["is_admin"]


def test_wrong_type_is_422_naming_the_field(client, staff):
    response = client.post("/api/v1/auth/token", json={"username": 42, "password": PASSWORD})

    error = _assert_error_shape(response, 422, "validation_failed")
    assert list(error["fields"]) == ["username"]
    assert error["fields"]["username"] and all(isinstance(m, str) for m in error["fields"]["username"])


def test_missing_fields_are_422_naming_each(client):
    response = client.post("/api/v1/auth/token", json={})

    error = _assert_error_shape(response, 422, "validation_failed")
    assert set(error["fields"]) == {"username", "password"}


def test_wrong_query_type_is_422(client, staff):
    _token, secret = services.create_api_token(actor=actor(staff["manager"]), name="x", now=NOW)

    response = client.get("/api/v1/customers?page=first", headers=_bearer(secret))

    error = _assert_error_shape(response, 422, "validation_failed")
    assert "page" in error["fields"]


def test_body_that_is_not_json_is_400_with_the_error_shape(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")

    error = _assert_error_shape(response, 400, "http_400")
    assert error["message"] == "请以 JSON 格式发送请求正文（Content-Type: application/json）。"
    _conforms(client.get(DOCUMENT).get_json(), "/api/v1/auth/token", "POST", response, body={})


def test_body_that_is_not_json_is_400_on_a_route_behind_roles_too(client, staff):
    _token, secret = services.create_api_token(actor=actor(staff["manager"]), name="x", now=NOW)

    response = client.put("/api/v1/customers/1", data=b"\xff\xfe", content_type="application/json",
                          headers=_bearer(secret))

    _assert_error_shape(response, 400, "http_400")
    _conforms(client.get(DOCUMENT).get_json(), "/api/v1/customers/{customer_id}", "PUT", response,
              path_parameters={"customer_id": 1}, body={}, headers=_bearer(secret))


# --- HTTP errors under /api -----------------------------------------------------------------------

def test_unknown_api_path_is_404_json(client):
    _assert_error_shape(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_missing_record_is_404_json(client, staff):
    _token, secret = services.create_api_token(actor=actor(staff["manager"]), name="x", now=NOW)

    _assert_error_shape(client.get("/api/v1/customers/999999", headers=_bearer(secret)), 404, "not_found")


def test_wrong_method_is_405_json_naming_the_allowed_methods(client):
    response = client.get("/api/v1/auth/token")

    _assert_error_shape(response, 405, "http_405")
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert response.headers.getlist("Content-Type") == ["application/json"]


def test_wrong_method_on_a_page_is_405_naming_the_allowed_methods(client):
    response = client.delete("/login")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_pages_outside_the_api_answer_html_errors(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("request_body", [{}, {"data": "{}", "content_type": "text/plain"}],
                         ids=["no-body", "not-json"])
def test_a_route_taking_a_body_refuses_a_request_without_one_as_documented(client, staff, request_body):
    _token, secret = services.create_api_token(actor=actor(staff["manager"]), name="x", now=NOW)

    # Every field of a line's change is optional: webargs alone read "no body" as "change nothing".
    response = client.patch("/api/v1/repair-orders/1/lines/1", headers=_bearer(secret), **request_body)

    _assert_error_shape(response, 400, "http_400")
    document = client.get(DOCUMENT).get_json()
    assert document["paths"]["/api/v1/repair-orders/{order_id}/lines/{line_id}"]["patch"]["requestBody"]["required"]
