"""The 4S dealership after-sales service center application."""
from __future__ import annotations


def create_app(config: dict | None = None):
    """Build the application (see `dealer.app`)."""
    # The package root imports none of its modules: every `import dealer.x` runs this file first, and the
    # composition root imports them all.
    from dealer.app import create_app as build  # noqa: PLC0415 (see above)

    return build(config)
