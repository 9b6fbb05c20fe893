"""The board's map (Leaflet): the store's tile source, its coordinate system, the points converted for it."""
import pytest

from dealer.rescue import geo, queries, services
from dealer.rescue.errors import RescueError
from dealer.rescue.models import RescueSettings
from tests.helpers import NOW, actor, fresh, login, text
from tests.rescue.builders import BAOAN, NANSHAN, take_call, unit

AMAP_STYLE = "http://tiles.intranet.example/amap/{z}/{x}/{y}.png"


@pytest.fixture()
def manager(staff):
    return actor(staff["manager"])


@pytest.mark.parametrize("url", ["javascript:alert(1)//{z}{x}{y}", "http://tiles.example/{z}/{x}.png",
                                 "http://tiles.example/{z}/{x}/{y}.png\" onerror=\"x", "ftp://t/{z}/{x}/{y}"])
def test_set_map_source_refuses_what_is_not_a_tile_address(ctx, store, manager, url):
    with pytest.raises(RescueError) as raised:
        services.set_map_source(store.id, tile_url=url, tile_system="wgs84", actor=manager, now=NOW)
    assert raised.value.field == "tile_url" and services.settings_of(store.id).map_tile_url == ""


def test_set_map_source_keeps_the_tiles_and_their_system_and_empty_turns_it_off(ctx, store, manager):
    services.set_map_source(store.id, tile_url=AMAP_STYLE, tile_system="gcj02", actor=manager, now=NOW)
    settings = services.settings_of(store.id)
    assert (settings.map_tile_url, settings.map_tile_system, settings.dispatch_target_minutes) == (AMAP_STYLE, "gcj02",
                                                                                                  5)
    with pytest.raises(RescueError):
        services.set_map_source(store.id, tile_url=AMAP_STYLE, tile_system="bd09", actor=manager, now=NOW)
    services.set_map_source(store.id, tile_url=" ", tile_system="wgs84", actor=manager, now=NOW)
    assert services.settings_of(store.id).map_tile_url == ""


def test_board_map_converts_to_gcj02_for_amap_style_tiles_and_is_none_without_tiles(ctx, store, manager, dispatcher):
    call = take_call(store, dispatcher, at=BAOAN)
    take_call(store, dispatcher, at=None, phone="13900000000")  # no position: not on the map
    van = unit(store, "救援1号", NANSHAN)
    assert queries.board_map(queries.board([store.id])) is None
    services.set_map_source(store.id, tile_url=AMAP_STYLE, tile_system="gcj02", actor=manager, now=NOW)
    found = queries.board_map(queries.board([store.id]))
    by_kind = {point["kind"]: point for point in found["points"]}
    assert len(found["points"]) == 2 and found["tiles"] == AMAP_STYLE
    lat, lng = geo.from_wgs84(*BAOAN, geo.GCJ02)
    assert (by_kind["call"]["lat"], by_kind["call"]["lng"]) == (round(lat, 6), round(lng, 6))
    # GCJ-02 in Shenzhen is a few hundred metres off the GPS position
    assert 0.2 < geo.haversine_km(*BAOAN, by_kind["call"]["lat"], by_kind["call"]["lng"]) < 0.8
    assert by_kind["call"]["id"] == call.id and by_kind["unit"]["label"] == van.name
    services.set_map_source(store.id, tile_url=AMAP_STYLE, tile_system="wgs84", actor=manager, now=NOW)
    plain = {p["kind"]: p for p in queries.board_map(queries.board([store.id]))["points"]}
    assert (plain["unit"]["lat"], plain["unit"]["lng"]) == NANSHAN


def test_board_page_has_the_map_only_when_the_store_set_tiles(client, ctx, store, staff):
    login(client, staff["manager"])
    page = text(client.get("/rescue/"))
    assert 'data-testid="board-map"' not in page and "leaflet" not in page
    saved = client.post(f"/rescue/settings/map?store={store.id}", data={"tile_url": AMAP_STYLE,
                                                                        "tile_system": "gcj02"})
    assert saved.status_code == 302 and fresh(RescueSettings, store.id).map_tile_url == AMAP_STYLE
    page = text(client.get("/rescue/"))
    assert 'data-testid="board-map"' in page and "vendor/leaflet/leaflet" in page
    assert 'data-testid="board-map-points"' in text(client.get("/rescue/live"))
