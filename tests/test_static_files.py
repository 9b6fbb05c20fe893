"""Static files for a weak connection: hashed names from url_for, cached for good, compressed, scripts deferred.

The build (`make assets` -> dealer.static_files.build) is tested on a folder of its own; the serving on the app's
own static folder as `make assets` built it (missing: skipped, or failed in CI).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import brotli
import pytest

from dealer import create_app, static_files
from tests.config import base_config, missing

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
HASHED_URL = re.compile(r"^/static/(?P<stem>[^?#]+)-(?P<md5>[0-9a-f]{32})(?P<ext>\.[a-z]+)$")
A_YEAR = 365 * 24 * 3600
CSS = "body { color: #212529; }\n" * 200  # compressible, as real style sheets are


def test_build_writes_hashed_copies_their_compressed_twins_and_the_manifest(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text(CSS)
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)

    manifest = static_files.build(tmp_path)

    digest = hashlib.md5(CSS.encode()).hexdigest()
    assert manifest["css/app.css"] == f"css/app-{digest}.css"
    assert json.loads((tmp_path / "cache_manifest.json").read_text()) == manifest
    hashed = tmp_path / manifest["css/app.css"]
    assert hashed.read_text() == CSS
    assert brotli.decompress(Path(f"{hashed}.br").read_bytes()).decode() == CSS
    assert gzip.decompress(Path(f"{hashed}.gz").read_bytes()).decode() == CSS
    png = tmp_path / manifest["logo.png"]
    assert png.exists() and not Path(f"{png}.br").exists()  # an image is not compressed again


def test_build_after_a_change_leaves_no_stale_copy(tmp_path):
    (tmp_path / "app.css").write_text(CSS)
    first = static_files.build(tmp_path)["app.css"]
    (tmp_path / "app.css").write_text(CSS + ".x { margin: 0; }\n")

    second = static_files.build(tmp_path)["app.css"]

    assert second != first
    assert not (tmp_path / first).exists() and not (tmp_path / f"{first}.br").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["app.css", "app.css.br", "app.css.gz", second, f"{second}.br", f"{second}.gz", "cache_manifest.json"])


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    if not (STATIC / static_files.MANIFEST).exists():
        missing("static files built by `make assets` (static/cache_manifest.json)")
    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI="sqlite://"))
    return app.test_client()


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_name_every_static_file_by_its_content_hash(client):
    urls = static_urls(client.get("/login").get_data(as_text=True))

    assert len(urls) >= 5  # icon, Bootstrap's CSS and JS, the app's CSS, htmx
    for url in urls:
        match = HASHED_URL.match(url)
        assert match, url
        stem, ext = match["stem"], match["ext"]
        assert hashlib.md5((STATIC / f"{stem}{ext}").read_bytes()).hexdigest() == match["md5"]


@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_hashed_files_come_compressed_and_cached_for_good(client, encoding, decompress):
    for url in static_urls(client.get("/login").get_data(as_text=True)):
        response = client.get(url, headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= A_YEAR, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in response.headers
        original = (STATIC / url.removeprefix("/static/")).read_bytes()
        if url.endswith(".svg") and response.headers.get("Content-Encoding") is None:
            continue  # a tiny icon compresses too little to be worth a twin
        assert response.headers["Content-Encoding"] == encoding, url
        assert decompress(response.get_data()) == original, url


def test_bootstraps_style_sheet_is_a_tenth_of_its_size_in_brotli(client):
    url = next(url for url in static_urls(client.get("/login").get_data(as_text=True)) if "bootstrap.min" in url
               and url.endswith(".css"))
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    compressed = client.get(url, headers={"Accept-Encoding": "br"})
    assert plain.headers.get("Content-Encoding") is None and len(plain.get_data()) > 200_000
    assert len(compressed.get_data()) < len(plain.get_data()) / 8


def test_a_plain_name_is_cached_only_briefly(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"max-age={static_files.PLAIN_MAX_AGE}, public"


def test_every_script_is_deferred_and_no_template_holds_inline_script_or_style():
    """The CSP refuses inline scripts and styles (console errors), and a script in the head must not block."""
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", template.read_text(), flags=re.S)  # HTML, not Jinja
        name = template.relative_to(ROOT)
        for tag in re.findall(r"<script\b[^>]*>", text):
            if " src=" not in tag or " defer" not in tag:
                found.append(f"{name}: {tag}")
        found += [f"{name}: {hit}" for hit in re.findall(r"<style\b|\sstyle=|\son[a-z]+=", text)]
    assert not found, "\n".join(found)
