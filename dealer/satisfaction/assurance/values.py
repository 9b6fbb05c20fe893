"""The five assurances' figures of one store-month: the counts each figure is made of (its n beside it), and
what the pages print from them. What the monthly roll-up keeps is these counts, never a ratio."""
from __future__ import annotations

from dataclasses import dataclass, fields

from dealer.repair import measures

pct = measures.pct  # one definition of a share, repair's (the repair figures page prints the same)


@dataclass
class Figures:
    """One store's month: every assurance's counts (each figure's n beside it) and what follows from them."""

    ready: int = 0            # time: orders ready with a promised time
    on_time: int = 0
    late_seconds: float = 0.0  # summed over the late ones
    settled: int = 0          # cost and quality: orders settled
    within: int = 0           # bill within the approved amount
    came_back: int = 0        # a later confirmed comeback points at it
    comebacks: int = 0        # it is itself a confirmed comeback
    checked: int = 0          # QC checked
    first_pass: int = 0       # and no check failed
    follow_ups: int = 0       # after repair
    done_in_time: int = 0
    forms: int = 0
    points: int = 0
    open_cases: int = 0
    rescues: int = 0          # emergency
    dispatched_in_target: int = 0
    arrived: int = 0
    arrived_in_target: int = 0
    arrival_median: float | None = None  # minutes
    arrival_p90: float | None = None

    @property
    def on_time_pct(self):
        return pct(self.on_time, self.ready)

    @property
    def late(self) -> int:
        return self.ready - self.on_time

    @property
    def average_lateness_minutes(self):
        return measures.average_minutes(self.late_seconds, self.late)

    @property
    def within_pct(self):
        return pct(self.within, self.settled)

    @property
    def cost_defect(self) -> bool:
        return self.within < self.settled

    @property
    def first_time_fix_pct(self):
        return pct(self.settled - self.came_back, self.settled)

    @property
    def comeback_pct(self):
        return pct(self.comebacks, self.settled)

    @property
    def first_pass_pct(self):
        return pct(self.first_pass, self.checked)

    @property
    def done_in_time_pct(self):
        return pct(self.done_in_time, self.follow_ups)

    @property
    def average_score(self):
        return round(self.points / self.forms, 2) if self.forms else None

    @property
    def dispatched_pct(self):
        return pct(self.dispatched_in_target, self.rescues)

    @property
    def arrived_pct(self):
        return pct(self.arrived_in_target, self.rescues)


MEASURES = tuple(field.name for field in fields(Figures))  # what the roll-up keeps, one row each
# What a partial month keeps (the orders' counts, `counting.orders`): each order's part is fixed once its time has passed
# (ready only from a passed QC check, a bill fixed at settlement, a comeback confirmed only before its own
# settlement, a reversal an order of its own), but for a comeback confirmed later against it, which marks its
# month stale. A sum over orders, so the night's part and the part since add up.
ORDER_MEASURES = ("ready", "on_time", "late_seconds", "settled", "within", "came_back", "comebacks", "checked",
                  "first_pass")


def counts(figure: Figures) -> dict[str, float | None]:
    """What the roll-up keeps of a store-month: every field of its Figures (counts and sums, never a ratio)."""
    return {name: getattr(figure, name) for name in MEASURES}


def from_counts(values: dict[str, float | None]) -> Figures:
    """The Figures of a rolled-up store-month (counts come back as whole numbers, sums as they were)."""
    kept = {}
    for field in fields(Figures):
        value = values.get(field.name)
        if field.type == "int":
            kept[field.name] = int(value or 0)
        elif field.type == "float":
            kept[field.name] = float(value or 0)
        else:
            kept[field.name] = None if value is None else float(value)
    return Figures(**kept)
