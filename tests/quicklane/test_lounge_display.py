"""The lounge screen uses the store's display name and language setting for it (issue 15, "Lounge screen"):
set on the lane's settings page, checked, and shown on the public screen and its 5-second refresh."""
from __future__ import annotations

import pytest

from dealer.quicklane import services
from dealer.quicklane.errors import LaneError
from tests.helpers import NOW, login, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import take_key


def _save(shop, **lounge):
    return services.save_settings(shop.store.id, bays=2, cap_per_quarter=4, actor=shop.manager, now=NOW,
                                  lounge=services.LoungeDisplay(**lounge))


def test_the_lounge_shows_the_stores_name_in_chinese_by_default(app, shop, package):
    take_key(shop, package)
    persist()
    page = isolated_client(app).get(f"/quick-lane/lounge/{shop.store.code}").get_data(as_text=True)
    assert f"{shop.store.name} · 快修" in page and "待开工" in page


def test_the_lounge_shows_its_display_name_in_its_language(app, shop, package):
    take_key(shop, package)
    _save(shop, name="宝安快保 Express", locale="en")
    persist()
    client = isolated_client(app)
    page = client.get(f"/quick-lane/lounge/{shop.store.code}").get_data(as_text=True)
    assert "宝安快保 Express · Quick lane" in page and shop.store.name not in page
    cars = client.get(f"/quick-lane/lounge/{shop.store.code}/cars").get_data(as_text=True)
    assert "Waiting" in cars and "待开工" not in cars  # the refresh keeps the screen's language


@pytest.mark.parametrize(("lounge", "field"), [({"locale": "fr"}, "lounge_locale"),
                                               ({"name": "x" * 61}, "lounge_name"),
                                               ({"name": "a\u202eb"}, "lounge_name")])
def test_a_lounge_setting_outside_the_rules_is_refused(shop, lounge, field):
    with pytest.raises(LaneError) as error:
        _save(shop, **lounge)
    assert error.value.field == field
    assert services.lane_settings(shop.store.id).lounge_name in (None, "")


def test_the_manager_sets_the_lounge_on_the_settings_page(app, shop, staff):
    persist()
    client = isolated_client(app)
    login(client, staff["manager"])
    response = client.post("/quick-lane/settings", data={
        "bays": "2", "cap_per_quarter": "4", "lounge_name": "快保休息区", "lounge_locale": "en"})
    assert response.status_code == 302
    assert "快保休息区 · Quick lane" in isolated_client(app).get(
        f"/quick-lane/lounge/{shop.store.code}").get_data(as_text=True)
