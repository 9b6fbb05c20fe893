"""A test client whose every request gets its own application context, as in production.

The `db_session` fixture keeps an app context pushed for the whole test, and Flask reuses a
pushed app context for requests: `g` would then be shared by every request of the test
(Flask-Login's cached user, Flask-Babel's cached locale, the API user). Running each request
in an empty `contextvars.Context` makes Flask push a fresh app context, so `g` and the ORM
session are per request; the session still joins the test's transaction (conftest's
`join_transaction_mode="create_savepoint"`), so everything is rolled back at the end.
"""
from __future__ import annotations

import contextvars

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def isolated_client(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)
