"""A section another module adds to a page it does not own (the customer file, the vehicle page)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    """Rendered HTML and where it goes: panels show in ascending `position`."""

    position: int
    html: Markup


def collect_panels(signal, sender, **kwargs) -> list[Panel]:
    """Send `signal` and return the panels its receivers returned, in position order."""
    panels = [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]
    return sorted(panels, key=lambda panel: panel.position)
