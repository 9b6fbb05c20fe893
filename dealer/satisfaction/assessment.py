"""The monthly assessment (月度考核), exactly as seed 001 defines it: a pure function of the month's figures.

n = the month's feedback forms (one per serviced order); total = the sum of the three items over them;
average = total / n, shown with two decimals. Compared with the previous month: higher, the reward; lower,
the penalty; equal, neither. Every item of every form 2: an extra reward; every item -2: an extra penalty.
Complaints of the month fall in a band (0: +5000; 1-5: 0; 6-10: -3000; 11-15: -5000; 16+: -10000 yuan by
default); 30 or more also calls for administrative action (行政处分). Amounts are integer fen.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

HIGHER = "higher"
LOWER = "lower"
EQUAL = "equal"
NO_PREVIOUS = "no_previous"  # the previous month had no forms: nothing to compare with
NO_FORMS = "no_forms"  # this month has no forms: no average, no comparison


@dataclass(frozen=True)
class Rules:
    """The store's amounts (fen) and complaint bands; the defaults are the seed's."""

    reward_fen: int = 100_000
    penalty_fen: int = 100_000
    extra_reward_fen: int = 100_000
    extra_penalty_fen: int = 100_000
    complaints_none_fen: int = 500_000
    complaints_low_max: int = 5
    complaints_low_fen: int = 0
    complaints_mid_max: int = 10
    complaints_mid_fen: int = -300_000
    complaints_high_max: int = 15
    complaints_high_fen: int = -500_000
    complaints_top_fen: int = -1_000_000
    complaints_action_at: int = 30

    @classmethod
    def of(cls, settings) -> Rules:
        """The rules of a store's settings row (any object with these attributes)."""
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class MonthForms:
    """A month's forms, summed: n, the total of the three items, how many forms were all 2 / all -2."""

    n: int = 0
    total: int = 0
    all_top: int = 0
    all_bottom: int = 0


@dataclass(frozen=True)
class Assessment:
    n: int
    total: int
    average: Decimal | None  # two decimals; None when there are no forms
    previous_average: Decimal | None
    comparison: str
    score_fen: int  # reward (+) or penalty (-) from the comparison
    extra_fen: int  # the all-2 extra reward or all-minus-2 extra penalty
    complaints: int
    band: str  # "0", "1-5", "6-10", "11-15", "16+" (with the store's limits)
    complaints_fen: int
    administrative_action: bool
    net_fen: int

    def as_dict(self) -> dict:
        """JSON-safe figures (averages as text, two decimals), as a signed sheet keeps them."""
        data = asdict(self)
        for key in ("average", "previous_average"):
            data[key] = None if data[key] is None else str(data[key])
        return data


def two_decimals(value: Fraction) -> Decimal:
    """Round half up to two decimals (4.005 -> 4.01), the way the sheet shows an average."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def complaint_band(count: int, rules: Rules) -> tuple[str, int]:
    """The band a month's complaint count falls in, and its amount (fen)."""
    if count <= 0:
        return "0", rules.complaints_none_fen
    if count <= rules.complaints_low_max:
        return f"1-{rules.complaints_low_max}", rules.complaints_low_fen
    if count <= rules.complaints_mid_max:
        return f"{rules.complaints_low_max + 1}-{rules.complaints_mid_max}", rules.complaints_mid_fen
    if count <= rules.complaints_high_max:
        return f"{rules.complaints_mid_max + 1}-{rules.complaints_high_max}", rules.complaints_high_fen
    return f"{rules.complaints_high_max + 1}+", rules.complaints_top_fen


def assess(month: MonthForms, previous: MonthForms, complaints: int, rules: Rules = Rules()) -> Assessment:
    """Assess one month against the previous one. A month without forms says so: no average, no comparison.

    The averages are compared exactly (total / n as fractions), not as their rounded two decimals.
    """
    average = Fraction(month.total, month.n) if month.n else None
    previous_average = Fraction(previous.total, previous.n) if previous.n else None
    if average is None:
        comparison, score = NO_FORMS, 0
    elif previous_average is None:
        comparison, score = NO_PREVIOUS, 0
    elif average > previous_average:
        comparison, score = HIGHER, rules.reward_fen
    elif average < previous_average:
        comparison, score = LOWER, -rules.penalty_fen
    else:
        comparison, score = EQUAL, 0
    extra = 0
    if month.n and month.all_top == month.n:
        extra = rules.extra_reward_fen
    elif month.n and month.all_bottom == month.n:
        extra = -rules.extra_penalty_fen
    band, complaints_fen = complaint_band(complaints, rules)
    return Assessment(
        n=month.n, total=month.total, average=None if average is None else two_decimals(average),
        previous_average=None if previous_average is None else two_decimals(previous_average),
        comparison=comparison, score_fen=score, extra_fen=extra, complaints=complaints, band=band,
        complaints_fen=complaints_fen, administrative_action=complaints >= rules.complaints_action_at,
        net_fen=score + extra + complaints_fen)
