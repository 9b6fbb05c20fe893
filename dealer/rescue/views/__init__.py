"""The rescue pages: the dispatcher's desk (board, intake, call) and the crew's page (public, by link)."""
from dealer.rescue.views import claims, crew, desk, figures, handover, settings  # noqa: F401  (the routes attach themselves to dealer.rescue.bp)
