"""Static files as a weak connection needs them: content-hashed names, cached for good, compressed ahead.

`make assets` builds them once (`flask --app dealer build-static`, which calls `build`): Flask-Static-Digest
copies each file of static/ to a name carrying the MD5 of its content (css/app.css -> css/app-<md5>.css) and
writes static/cache_manifest.json; WhiteNoise's compressor writes the brotli and gzip twins beside them.
At run time `init_app` makes `url_for('static', filename=...)` give the hashed name from the manifest, and
WhiteNoise serves static/ in front of Flask: the encoding the browser accepts (br, gzip), and for a hashed
name `Cache-Control: max-age=315360000, public, immutable` (a changed file is a new name, so the browser
never asks again). Without a manifest (a checkout where `make assets` never ran) the plain names are used
and cached for a minute. docs/frontend.md has the why and the measures.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask
from flask_static_digest import digester
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

MANIFEST = "cache_manifest.json"
# Flask-Static-Digest's hashed name: the stem, a dash, the 32 hex digits of the content's MD5, the extension.
HASHED_NAME = r"-[0-9a-f]{32}\.[^/]+$"
PLAIN_MAX_AGE = 60  # seconds: a plain name may change content under the same URL


def build(static_folder: Path) -> dict[str, str]:
    """Rebuild the hashed copies, their compressed twins and the manifest of `static_folder`; return the manifest.

    The previous build's files go first, so no stale copy or twin survives a changed source.
    """
    folder = f"{Path(static_folder).resolve()}{os.sep}"  # the digester globs folder + "**/**"
    digester.clean(folder, [], True, True)
    digester.compile(folder, folder, [], False, False)  # hashed copies and the manifest; compression below
    compressor = Compressor(quiet=True)
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.name != MANIFEST and compressor.should_compress(path.name):
            compressor.compress(str(path))  # writes .br and .gz when they are worth keeping
    return json.loads((Path(folder) / MANIFEST).read_text())


def init_app(app: Flask) -> None:
    """Serve static/ through WhiteNoise and make url_for('static', ...) give the hashed names of the manifest."""
    folder = Path(app.static_folder)
    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    @app.url_defaults
    def _hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(folder), prefix=app.static_url_path,
                              max_age=PLAIN_MAX_AGE, immutable_file_test=HASHED_NAME,
                              allow_all_origins=False,  # only this site's pages use them (no CDN)
                              add_headers_function=_add_security_headers)


def _add_security_headers(headers, _path: str, _url: str) -> None:
    # WhiteNoise answers before Flask, so Talisman's headers are not added: the one that matters for a file
    # is that the browser takes its declared type, never a sniffed one.
    headers["X-Content-Type-Options"] = "nosniff"
