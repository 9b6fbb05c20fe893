"""The rules every input follows, whether it comes through an API schema, a page form or a query string.

- Whole numbers: an int (never 1.5, "7" in a JSON body, or a boolean), within what the database's
  integer holds; ids are 1 or more.
- Dates: within a range that makes sense for what the date means (a birthday is not in year 1, an
  insurance policy does not expire in 9999), so no date arithmetic overflows later.
- Text: no longer than its column, and free of what no person types and PostgreSQL refuses or shows
  misleadingly: NUL and other control characters, lone surrogates, direction overrides in a name or a
  reference, and text made only of invisible characters.

The same rules come in three forms: `text_problem` / `Span` / `whole_number` (plain checks), the
marshmallow fields of the API schemas (`Text`, `WholeNumber`, `Id`, `Day`, `Moment`) and the WTForms
pieces of the page forms (`TextRules`, `InSpan`, `WholeNumberField`, `bounded_int`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from wtforms import IntegerField
from wtforms.validators import StopValidation

# The largest id or whole number any column or query takes: PostgreSQL's integer (SQLite's is larger).
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

# -- text ------------------------------------------------------------------------------------------

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; lone UTF-16 surrogates
# (JSON can carry them; PostgreSQL refuses them, as it refuses NUL).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("[\t\n\r]")
# Embeddings, overrides and isolates: they make a name or a reference read differently from what it holds.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"


def text_problem(value: str, *, multiline: bool = False):
    """Return why `value` is refused as text (a lazy message), or None when it is acceptable.

    One line (a name, a number, a reference, a search): no control characters, tabs or line breaks, no
    direction overrides. Several lines (notes): line breaks and tabs are fine. Never only invisible
    characters.
    """
    if _CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
        return _l("Control characters (such as NUL or line breaks) are not allowed here.")
    if not multiline and _BIDI.search(value):
        return _l("Text-direction override characters are not allowed here.")
    if value and any(c in _ZERO_WIDTH for c in value) and all(c.isspace() or c in _ZERO_WIDTH for c in value):
        return _l("Enter visible text, not only invisible characters.")
    return None


def too_long_message(maximum: int):
    return _l("At most %(n)d characters.", n=maximum)


def column_length(column) -> int:
    """The length of a model's String column (`Vehicle.brand` -> 40)."""
    length = column.property.columns[0].type.length
    if length is None:
        raise ValueError(f"{column} has no length")
    return length


def searchable(term: str, *, max_length: int = 100) -> bool:
    """Whether a search term can match anything stored: text that passes the one-line rules and fits."""
    return len(term) <= max_length and text_problem(term) is None


# -- whole numbers ---------------------------------------------------------------------------------

_DIGITS = re.compile(r"[+-]?[0-9]{1,19}")


def whole_number(text: str | None) -> int | None:
    """Parse ASCII digits (with a sign) into an int the database holds; None for anything else."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if MIN_INT <= number <= MAX_INT else None


def bounded_int(value) -> int:
    """A select's `coerce` for ids: a whole number the database holds, else ValueError (an invalid choice)."""
    if isinstance(value, int) and not isinstance(value, bool) and MIN_INT <= value <= MAX_INT:
        return value
    number = whole_number(value if isinstance(value, str) else None)
    if number is None:
        raise ValueError("not a whole number the database holds")
    return number


# -- dates -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """The dates that make sense for one meaning: from `earliest` to `latest`, or to today + `days_ahead`."""

    earliest: date
    latest: date | None = None
    days_ahead: int | None = None

    def bounds(self) -> tuple[date, date]:
        # The server's day, give or take the store's time zone: a day of slack either way.
        latest = self.latest or date.today() + timedelta(days=self.days_ahead + 1)
        return self.earliest, latest

    def problem(self, value: date | datetime):
        earliest, latest = self.bounds()
        day = value.replace(tzinfo=None).date() if isinstance(value, datetime) else value
        if earliest <= day <= latest:
            return None
        return _l("Enter a date between %(earliest)s and %(latest)s.", earliest=earliest.isoformat(),
                  latest=latest.isoformat())


BIRTHDAY = Span(date(1900, 1, 1), days_ahead=0)
# A day that has happened: a purchase, a registration, an inspection, a service, a reading.
PAST = Span(date(1950, 1, 1), days_ahead=0)
# The expiry of an insurance policy: the past (lapsed) or the next few years.
EXPIRY = Span(date(1990, 1, 1), days_ahead=366 * 5)
# A day or moment asked for in a list, a filter or a report, or promised to an owner.
CALENDAR = Span(date(2000, 1, 1), date(2099, 12, 31))


# -- marshmallow fields (API schemas) --------------------------------------------------------------

class _Length(validate.Length):
    """marshmallow's Length (the OpenAPI document shows it), saying "too long" in the user's language."""

    def __call__(self, value):
        if self.max is not None and len(value) > self.max:
            raise ValidationError(str(too_long_message(self.max)))
        return super().__call__(value)


class Text(fields.String):
    """A string input with its length (given, or the column's) and the text rules of `text_problem`."""

    def __init__(self, *, max_length: int | None = None, column=None, min_length: int | None = None,
                 multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length if max_length is not None else column_length(column)
        self.multiline = multiline
        self.validators.insert(0, _Length(min=min_length, max=self.max_length))
        self.validators.append(self._check_characters)

    def _check_characters(self, value: str) -> None:
        problem = text_problem(value, multiline=self.multiline)
        if problem is not None:
            raise ValidationError(str(problem))


class WholeNumber(fields.Integer):
    """An int within the database's integer (and `minimum`/`maximum`): 1.5, "7" and true are refused.

    `in_query`: the value comes from a query string, where "7" is how 7 is written (digits only).
    """

    default_error_messages = {"invalid": "Enter a whole number.", "too_large": "The number is too large."}

    def __init__(self, *, minimum: int = MIN_INT, maximum: int = MAX_INT, in_query: bool = False, **kwargs):
        self.in_query = in_query
        super().__init__(strict=True, **kwargs)
        self.validators.insert(0, validate.Range(min=max(minimum, MIN_INT), max=min(maximum, MAX_INT)))

    def _validated(self, value):
        if self.in_query and isinstance(value, str) and _DIGITS.fullmatch(value):
            value = int(value)
        if value is True or value is False or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return value


class Flag(fields.Boolean):
    """true or false: 0, 1 and "true" in a JSON body are refused (marshmallow's Boolean takes them).

    `in_query`: the value comes from a query string, where "true" and "false" are how they are written.
    """

    default_error_messages = {"invalid": "Enter true or false."}

    def __init__(self, *, in_query: bool = False, **kwargs):
        self.in_query = in_query
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.in_query and value in ("true", "false"):
            return value == "true"
        if value is not True and value is not False:
            raise self.make_error("invalid", input=value)
        return value


class Id(WholeNumber):
    """The id of a row: 1 to the database's largest integer."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, **kwargs)


class _WithinSpan:
    """A date or moment field refusing values outside `span` (the check Day and Moment share)."""

    def __init__(self, span: Span, **kwargs):
        super().__init__(**kwargs)
        self.span = span
        self.validators.append(self._check_span)

    def _check_span(self, value) -> None:
        problem = self.span.problem(value)
        if problem is not None:
            raise ValidationError(str(problem))


class Day(_WithinSpan, fields.Date):
    """A date within the `Span` of its meaning."""


class Moment(_WithinSpan, fields.AwareDateTime):
    """A moment with its time zone, its wall-clock day within `span`: its UTC conversion cannot overflow."""

    def __init__(self, span: Span = CALENDAR, **kwargs):
        super().__init__(span, **kwargs)


# -- WTForms pieces (page forms) -------------------------------------------------------------------

class TextRules:
    """A form field's text: at most `max` characters (or the column's), and the rules of `text_problem`."""

    def __init__(self, max: int | None = None, *, column=None, multiline: bool = False):  # noqa: A002
        self.max = max if max is not None else column_length(column)
        self.multiline = multiline
        self.field_flags = {"maxlength": self.max}

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if not isinstance(value, str):
            return
        if len(value) > self.max:
            raise StopValidation(str(too_long_message(self.max)))
        problem = text_problem(value, multiline=self.multiline)
        if problem is not None:
            raise StopValidation(str(problem))


class InSpan:
    """A date (or date and time) field's value within the `Span` of its meaning."""

    def __init__(self, span: Span):
        self.span = span

    def __call__(self, form, field) -> None:
        if field.data is not None:
            problem = self.span.problem(field.data)
            if problem is not None:
                raise StopValidation(str(problem))


class WholeNumberField(IntegerField):
    """An integer form field: ASCII digits (with a sign) the database holds; 12345.7 or ١٢ are refused."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if text == "":
            self.data = None
            return
        number = whole_number(text)
        if number is None:
            self.data = None
            raise ValueError(_l("Enter a whole number."))
        self.data = number
