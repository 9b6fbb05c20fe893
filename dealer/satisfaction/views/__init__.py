"""Customer satisfaction pages (HTML), a module per desk; the routes attach themselves to the blueprints.

calls: CS's board, follow-ups, calls and cases; complaints: intake and the clock; month: the month sheet, its
export and sign-off; feedback: the owner's public form, opened from the SMS link.
"""
from dealer.satisfaction.views import (  # noqa: F401
    assurance,
    calls,
    complaints,
    feedback,
    month,
    notes,
    operations,
    settings,
)
