"""The one pricing function of a repair order: line amounts, discounts, payers' totals, points and VAT.

Pure: no database, no clock. The membership and campaign modules plug in through `discount_rules`: a rule
registered there receives the lines to price and the order's customer and vehicle, and returns the
`Discount`s it offers (a rate for one line, or for every customer line of a kind); the rules here do not
change when they do, and with nothing registered every price stays as it was.

The rules, exactly (each amount integer fen, each rounding half up, once):
- labor line amount = hours x hourly rate; parts line amount = quantity x unit price;
- a customer line's discount = the largest of its member, campaign, registered-rule and manual discounts,
  each a percentage of the line's amount (a rule's may be an amount in fen instead), never their sum
  (ties go to the first: member, campaign, the rules in the order they were registered, manual);
  warranty, insurance and internal lines get none;
- customer total = customer lines' amounts - their discounts - redeemed points (never below zero);
- net = round(total / (1 + VAT rate)), VAT = total - net.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dealer import money

LABOR = "labor"
PARTS = "parts"
CUSTOMER = "customer"
PAYERS = ("customer", "warranty", "insurance", "internal")

MEMBER = "member"
CAMPAIGN = "campaign"
MANUAL = "manual"


@dataclass(frozen=True)
class LineInput:
    """A line to price. `amount_fen` is left out: it follows from hours x rate or quantity x price."""

    key: object  # the caller's handle for the line (its id)
    kind: str  # labor | parts
    payer: str
    hours: int = 0  # hundredths (labor)
    rate_fen: int = 0
    quantity: int = 0  # thousandths (parts)
    unit_price_fen: int = 0
    manual_discount_bp: int = 0
    campaign_discount_bp: int = 0  # the best running campaign that matches this line (campaign module)

    @property
    def amount_fen(self) -> int:
        if self.kind == LABOR:
            return money.labor_amount(self.hours, self.rate_fen)
        return money.parts_amount(self.quantity, self.unit_price_fen)


@dataclass(frozen=True)
class MemberRates:
    """The owner's membership tier: separate discount percentages for labor and for parts."""

    labor_bp: int = 0
    parts_bp: int = 0


@dataclass(frozen=True)
class PricedLine:
    key: object
    kind: str
    payer: str
    amount_fen: int
    discount_fen: int
    discount_source: str  # member | campaign | manual | "" (none)

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.discount_fen


@dataclass(frozen=True)
class PayerTotal:
    amount_fen: int = 0
    discount_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.discount_fen


@dataclass(frozen=True)
class OrderTotals:
    lines: tuple[PricedLine, ...]
    by_payer: dict[str, PayerTotal]
    labor_fen: int  # customer labor, after discounts
    parts_fen: int  # customer parts, after discounts
    points_fen: int  # points actually redeemed (at most what the customer owes)
    total_fen: int  # what the owner pays, VAT included
    net_fen: int
    vat_fen: int
    vat_rate_bp: int
    line_by_key: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def customer(self) -> PayerTotal:
        return self.by_payer[CUSTOMER]


@dataclass(frozen=True)
class Discount:
    """A discount a registered rule offers: `basis_points` off one customer line (`line_key`), or off every
    customer line (of `kind`, labor or parts, when given); or `amount_fen` off one line (a package price
    spread over its lines), at most the line's amount. `source` names it on the line (at most 12
    characters: 'member', 'campaign', ...)."""

    source: str
    basis_points: int
    line_key: object = None
    kind: str | None = None
    amount_fen: int | None = None

    def __post_init__(self):
        if not self.source or len(self.source) > 12:
            raise ValueError(f"a discount's source is 1 to 12 characters: {self!r}")
        if not 0 <= self.basis_points <= money.PERCENT_SCALE or self.kind not in (None, LABOR, PARTS):
            raise ValueError(f"discount out of range: {self!r}")
        if self.amount_fen is not None and (self.amount_fen < 0 or self.line_key is None or self.basis_points):
            raise ValueError(f"an amount off is not negative, names its line and has no rate: {self!r}")

    def applies_to(self, line: LineInput) -> bool:
        return (self.line_key is None or self.line_key == line.key) and self.kind in (None, line.kind)

    def off(self, amount_fen: int) -> int:
        """The discount on a line of `amount_fen`: the rate of it (rounded half up), or the amount, at most all."""
        if self.amount_fen is not None:
            return min(self.amount_fen, amount_fen)
        return money.percent_of(amount_fen, self.basis_points)


DiscountRule = Callable[..., Iterable[Discount]]


class DiscountRules:
    """The registry of discount rules other modules add to (membership tiers, seasonal campaigns).

    A rule is called as `rule(lines, customer=..., vehicle=...)` with the `LineInput`s being priced (their
    keys are the repair lines' ids) and returns the `Discount`s it offers; an empty iterable offers none.
    """

    def __init__(self):
        self._rules: dict[str, DiscountRule] = {}

    def register(self, name: str, rule: DiscountRule) -> DiscountRule:
        """Add `rule` under `name` (a module registers it once, when it is imported). Raises ValueError on a
        name already taken."""
        if name in self._rules:
            raise ValueError(f"a discount rule named {name!r} is registered already")
        self._rules[name] = rule
        return rule

    def unregister(self, name: str) -> None:
        self._rules.pop(name, None)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def collect(self, lines, *, customer, vehicle, without: str | None = None) -> tuple[Discount, ...]:
        """Ask every rule, in the order they were registered, for the discounts it offers on `lines`.

        `without`: leave out the rule of that name; a rule that must weigh what the others offer (the quick
        lane's package price against a member's discount) asks them this way, not itself."""
        return tuple(discount for name, rule in self._rules.items() if name != without
                     for discount in rule(tuple(lines), customer=customer, vehicle=vehicle) or ())


def best_other_discount(line: LineInput, discounts: Iterable[Discount]) -> int:
    """The largest discount `line` would get from its own manual and campaign rates and from `discounts`,
    rounded as pricing rounds it (for a rule that weighs the others' offers against its own)."""
    amount = line.amount_fen
    offers = [money.percent_of(amount, line.manual_discount_bp), money.percent_of(amount, line.campaign_discount_bp)]
    offers += [discount.off(amount) for discount in discounts if discount.applies_to(line)]
    return max(offers)


discount_rules = DiscountRules()


def _check(line: LineInput) -> None:
    if line.kind not in (LABOR, PARTS) or line.payer not in PAYERS:
        raise ValueError(f"unknown kind or payer: {line!r}")
    for value in (line.hours, line.rate_fen, line.quantity, line.unit_price_fen):
        if value < 0:
            raise ValueError(f"negative input: {line!r}")
    for value in (line.manual_discount_bp, line.campaign_discount_bp):
        if not 0 <= value <= money.PERCENT_SCALE:
            raise ValueError(f"discount out of range: {line!r}")


def price_line(line: LineInput, member: MemberRates | None = None,
               discounts: Iterable[Discount] = ()) -> PricedLine:
    """Price one line: its amount and the largest discount that applies to it."""
    _check(line)
    amount = line.amount_fen
    discount, source = 0, ""
    if line.payer == CUSTOMER:
        member_bp = 0
        if member is not None:
            member_bp = member.labor_bp if line.kind == LABOR else member.parts_bp
        # Ties go to the first named: member, campaign, the registered rules, manual (the amount is the same).
        candidates = [(MEMBER, money.percent_of(amount, member_bp)),
                      (CAMPAIGN, money.percent_of(amount, line.campaign_discount_bp))]
        candidates += [(d.source, d.off(amount)) for d in discounts if d.applies_to(line)]
        candidates.append((MANUAL, money.percent_of(amount, line.manual_discount_bp)))
        for candidate_source, candidate in candidates:
            if candidate > discount:
                discount, source = candidate, candidate_source
    return PricedLine(line.key, line.kind, line.payer, amount, discount, source)


def price_order(lines: list[LineInput] | tuple[LineInput, ...], *, vat_rate_bp: int,
                member: MemberRates | None = None, points_fen: int = 0,
                discounts: Iterable[Discount] = ()) -> OrderTotals:
    """Price every line and total the order; `discounts` are what the registered rules offer.

    Raises ValueError on negative or unknown input.
    """
    if points_fen < 0 or not 0 <= vat_rate_bp <= money.PERCENT_SCALE:
        raise ValueError("points or VAT rate out of range")
    discounts = tuple(discounts)
    priced = tuple(price_line(line, member, discounts) for line in lines)
    sums = {payer: [0, 0] for payer in PAYERS}
    labor = parts = 0
    for line in priced:
        sums[line.payer][0] += line.amount_fen
        sums[line.payer][1] += line.discount_fen
        if line.payer == CUSTOMER:
            if line.kind == LABOR:
                labor += line.net_fen
            else:
                parts += line.net_fen
    by_payer = {payer: PayerTotal(amount, discount) for payer, (amount, discount) in sums.items()}
    owed = by_payer[CUSTOMER].net_fen
    points = min(points_fen, owed)
    total = owed - points
    net, vat = money.split_vat(total, vat_rate_bp)
    return OrderTotals(lines=priced, by_payer=by_payer, labor_fen=labor, parts_fen=parts, points_fen=points,
                       total_fen=total, net_fen=net, vat_fen=vat, vat_rate_bp=vat_rate_bp,
                       line_by_key={line.key: line for line in priced})


def negate(totals: OrderTotals) -> OrderTotals:
    """Return the totals of a reversing order (红冲): every figure of `totals` with its sign turned."""
    lines = tuple(PricedLine(line.key, line.kind, line.payer, -line.amount_fen, -line.discount_fen,
                             line.discount_source) for line in totals.lines)
    return OrderTotals(lines=lines, by_payer={payer: PayerTotal(-t.amount_fen, -t.discount_fen)
                                              for payer, t in totals.by_payer.items()},
                       labor_fen=-totals.labor_fen, parts_fen=-totals.parts_fen, points_fen=-totals.points_fen,
                       total_fen=-totals.total_fen, net_fen=-totals.net_fen, vat_fen=-totals.vat_fen,
                       vat_rate_bp=totals.vat_rate_bp, line_by_key={line.key: line for line in lines})
