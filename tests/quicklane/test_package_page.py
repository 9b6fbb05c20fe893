"""The lane's forms drawn by templates/quicklane/_fields.html and a package's rows from the catalogue's options
rendered once: each row selects its own item, each field is required only when the form requires it."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dealer.extensions import db
from dealer.parts.models import Part
from tests.helpers import field_has_error, inputs, login, page_text, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import new_car


class _Selects(HTMLParser):
    """Each select's options by the select's name: [(value, selected, label)]."""

    def __init__(self):
        super().__init__()
        self.selects, self._select, self._option = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = self.selects.setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None:
            self._option = [attrs["value"], "selected" in attrs, ""]
            self._select.append(self._option)

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None


def _selects(response):
    parser = _Selects()
    parser.feed(page_text(response))
    return parser.selects


@pytest.fixture()
def manager(app, package, staff):
    persist()
    client = isolated_client(app)
    login(client, staff["manager"])
    return client


def test_each_row_of_a_package_selects_its_own_item(manager, shop, package):
    selects = _selects(manager.get(f"/quick-lane/packages/{package.id}"))
    chosen = {name: [value for value, selected, _ in options if selected] for name, options in selects.items()
              if name.startswith("items-")}
    assert chosen == {"items-0-item": [f"p{shop.oil.id}"], "items-1-item": [f"p{shop.filter.id}"],
                      "items-2-item": [f"o{shop.oil_service.id}"], "items-3-item": [], "items-4-item": [],
                      "items-5-item": []}
    # every row offers the whole catalogue, the empty choice first
    assert len({tuple(value for value, _, _ in options) for options in selects.values()}) == 1
    assert selects["items-0-item"][0][:2] == ["", False]
    fields = inputs(manager.get(f"/quick-lane/packages/{package.id}"))
    assert (fields["items-0-quantity"]["value"], fields["code"]["value"]) == ("4.5", "Q5K")
    # the browser requires what the form requires, nothing else (an optional field is not required="None")
    assert {name for name, attributes in fields.items() if "required" in attributes} == {
        "code", "name", "price", "bay_minutes"}


def test_a_catalogue_name_is_escaped_in_the_rows(manager, shop):
    db.session.add(Part(store_id=shop.store.id, part_number="X<1>", name='油"<b>', unit="升", price_fen=100))
    persist()
    page = page_text(manager.get("/quick-lane/packages/new"))
    assert "<b>" not in page and "X&lt;1&gt; 油&#34;&lt;b&gt;" in page
    options = _selects(manager.get("/quick-lane/packages/new"))["items-0-item"]
    assert ('X<1> 油"<b>' in [label for _, _, label in options])


def test_a_refused_field_is_marked_with_its_message(manager):
    response = manager.post("/quick-lane/packages/new", data={"code": "", "name": "空", "price": "1",
                                                              "bay_minutes": "900"})
    assert response.status_code == 200
    assert field_has_error(response, "code") and field_has_error(response, "bay_minutes")
    assert not field_has_error(response, "name")
    assert page_text(response).count('class="invalid-feedback d-block"') >= 2


def test_the_desk_s_form_requires_what_it_requires(app, shop, package, staff):
    car = new_car(shop)
    persist()
    client = isolated_client(app)
    login(client, staff["service_advisor"])
    fields = inputs(client.get(f"/quick-lane/open?plate={car.plate}"))
    assert "required" in fields["key_tag"] and "required" not in fields["odometer_km"]
    assert fields["package_id"]["hx-get"].startswith("/quick-lane/quote")
