"""Lighthouse's mobile audit of the pages issue 12 measured: performance at least 95, accessibility 100.

`scripts/lighthouse.py` serves the app with demo data and runs Lighthouse (npm, package.json's devDependencies)
in Debian's Chromium on a mid-range phone over simulated slow 4G. The suite audits the three pages the issue
timed, the desk, an open order and my-jobs, and the owner's booking and progress pages (issue 16; the progress page
of a member too, with the member view; about three minutes); `make lighthouse` audits every role's main pages
(docs/frontend.md).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.helpers import chromium_path
from tests.config import missing

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = ("desk", "order", "my-jobs", "booking", "progress", "progress-member")


def test_the_desk_an_order_my_jobs_and_the_booking_page_pass_lighthouses_mobile_audit():
    if not (ROOT / "node_modules" / ".bin" / "lighthouse").exists():
        missing("Lighthouse (`npm ci`: package.json's devDependencies)")
    chromium = chromium_path()
    if chromium is None:
        missing("Chromium (Debian package 'chromium')")

    done = subprocess.run([sys.executable, "scripts/lighthouse.py", *PAGES], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env={**os.environ, "CHROME_PATH": chromium}, check=False)

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    scored = [line.split()[0] for line in done.stdout.splitlines()[1:] if not line.startswith(" ")]
    assert scored == list(PAGES), done.stdout
