"""Helpers for the modules' signals (each module declares its own in `<module>/signals.py`, with blinker).

A signal that asks rather than tells collects its receivers' answers: `values_from` for values, and
`collect_panels` for the sections other modules add to a page they do not own (the customer file, the
vehicle page, a part's page), so the lower module shows what the higher ones contribute without knowing them.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


def values_from(signal, sender, **kwargs) -> list:
    """Send `signal` and return its receivers' answers, in the order they were connected."""
    return [value for _receiver, value in signal.send(sender, **kwargs)]


@dataclass(frozen=True)
class Sheet:
    """A panel's table as rows, for a page that also exports to Excel: its title, header and rows (plain values)."""

    title: str
    header: tuple
    rows: tuple


@dataclass(frozen=True)
class Panel:
    """Rendered HTML and where it goes: panels show in ascending `position`. `sheets`: the same tables as rows,
    for a page that exports them (the operations dashboard's workbook); a panel without them exports nothing."""

    position: int
    html: Markup
    sheets: tuple[Sheet, ...] = ()


def collect_panels(signal, sender, **kwargs) -> list[Panel]:
    """Send `signal` and return the panels its receivers returned (None: nothing to show), in position order."""
    panels = [value for value in values_from(signal, sender, **kwargs) if value is not None]
    return sorted(panels, key=lambda panel: panel.position)
