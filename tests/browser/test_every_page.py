"""Every page a person of each role reaches by links opens, with nothing in the browser's console.

Each demo user of each role signs in and follows the links of the pages they reach from their home page: the
app's GET pages that person can click to. Every page must open (status under 400, still signed in), and the
page fixture fails the test on any console error: an inline style or script the Content-Security-Policy
refused, a script error, a file that did not load. One page of each kind is visited (the same path with
another id, or the same query with other values, is the same kind).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pytest

from dealer.demo.cli import GROUP_STAFF, STORE_STAFF
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

USERS = [username for username, _roles, _name in GROUP_STAFF] + [f"sz01-{suffix}" for suffix, _roles, _name in
                                                                 STORE_STAFF]
NOT_PAGES = ("/static/", "/api/", "/bootstrap/")
MOST_PAGES = 120  # more kinds of page than any role has: a link loop would show here


def kind_of_page(url: str) -> str:
    """The path with its ids left out, and the names of its query parameters."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


def links_of(page, origin: str) -> list[str]:
    found = []
    # A link to a file (the audit log's CSV: `download`) is not a page to open.
    for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(link => link.href)"):
        parts = urlsplit(href)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        if url.startswith(origin + "/") and not parts.path.startswith(NOT_PAGES):
            found.append(url)
    return found


@pytest.mark.parametrize("username", USERS)
def test_every_page_a_role_reaches_by_links_opens_with_a_clean_console(page, live_server, username):
    sign_in(page, username)
    to_visit, kinds, visited = [page.url], {kind_of_page(page.url)}, []
    while to_visit:
        url = to_visit.pop(0)
        response = page.goto(url)
        assert response is not None and response.status < 400, f"{username} opened {url}: {response.status}"
        assert urlsplit(page.url).path != "/login", f"{username} was signed out by {url}"
        visited.append(url)
        for link in links_of(page, live_server):
            if kind_of_page(link) not in kinds:
                kinds.add(kind_of_page(link))
                to_visit.append(link)
        assert len(visited) <= MOST_PAGES, visited
    assert len(visited) >= 3, visited  # the home page and at least the menu's pages
