"""Numbers beyond the database's range are refused as such, never a server error (issue 13, item 6)."""
from __future__ import annotations

import pytest

from tests.helpers import bearer, login, text

TOO_BIG = ["2147483648", "9223372036854775808", "4611686018427387904"]


@pytest.mark.parametrize("number", TOO_BIG)
def test_an_id_beyond_the_database_in_a_path_is_not_found(client, staff, number):
    headers = bearer(staff["service_advisor"])
    assert client.get(f"/api/v1/customers/{number}", headers=headers).status_code == 404
    login(client, staff["service_advisor"])
    assert client.get(f"/customers/{number}").status_code == 404
    assert client.get(f"/repair/orders/{number}").status_code == 404


@pytest.mark.parametrize(("method", "path"), [("PUT", "/api/v1/customers/{n}"), ("PUT", "/api/v1/vehicles/{n}"),
                                            ("DELETE", "/api/v1/repair-orders/1/lines/{n}"),
                                            ("PUT", "/api/v1/labor-operations/{n}")])
def test_an_id_beyond_the_database_is_not_found_whatever_the_method(client, staff, method, path):
    """Not 405: the route is there, the row cannot be."""
    response = client.open(path.format(n=TOO_BIG[0]), method=method, json={},
                           headers=bearer(staff["service_advisor"]))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_largest_id_the_database_holds_is_looked_up_and_not_found(client, staff):
    login(client, staff["service_advisor"])
    response = client.get("/customers/2147483647")
    assert response.status_code == 404
    assert "未找到。" in text(response)  # the lookup ran and found nothing: the usual page, not an error


@pytest.mark.parametrize("page", ["4611686018427387904", "-3", "0", "abc"])
def test_a_page_number_beyond_the_database_shows_the_first_page(client, staff, page):
    login(client, staff["service_advisor"])
    assert client.get(f"/customers?page={page}").status_code == 200
