"""Schemathesis hooks for tests/test_api_fuzz.py (loaded by the `st` process through SCHEMATHESIS_HOOKS).

KNOWN_H13_INPUTS drops the failures of input categories another branch (h13-inputs: issue 13, items 7-9) is
fixing in the modules' schemas and forms. Only failures whose request holds such an input are dropped, every
other failure (server errors included) still fails the run. The lead removes the list, and this filter, once
that branch is merged: from then on those inputs must pass every check like any other.
"""
from __future__ import annotations

import re
from functools import cache

import schemathesis
import sqlalchemy as sa

import dealer.app  # noqa: F401  (every module's tables are in the metadata)
from dealer.extensions import db

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL's integer, the type of every id
_DATE = re.compile(r"^(\d{4,})-\d\d-\d\d")

# Input categories fixed on branch h13-inputs (issue 13, items 7-9), with `coerced_type` (item 8: a body value
# of another JSON type where the document says boolean or integer) and `overlong_string` (item 7: a text longer
# than its column) below. Remove after merging it.
KNOWN_H13_INPUTS = {
    # item 9: ids (path, query string, body) and page numbers beyond PostgreSQL's integer: 500; a path id
    # beyond it gets 405 on PUT, PATCH and DELETE (Werkzeug settles the method of a rule whose pattern matched
    # before dealer.forms.BoundedIntConverter refuses the number), where GET gets 404.
    "integer_out_of_range": lambda value: (isinstance(value, int) and not isinstance(value, bool)
                                           and not INT_MIN <= value <= INT_MAX),
    # item 7: dates far from today (year 1, 9999): date arithmetic overflows, PostgreSQL refuses some.
    "extreme_date": lambda value: isinstance(value, str) and (match := _DATE.match(value)) is not None
                                  and not 1900 <= int(match.group(1)) <= 2100,
    # item 7: NUL bytes, which PostgreSQL's text refuses.
    "nul_byte": lambda value: isinstance(value, str) and "\x00" in value,
}


def _typed_properties(document: dict, schema: dict, seen: frozenset = frozenset()) -> dict[str, str]:
    """{name: "boolean" or "integer"} of a request body schema's properties, nested ones included."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {} if name in seen else _typed_properties(document, document["components"]["schemas"][name],
                                                         seen | {name})
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("type") in ("boolean", "integer"):
            found[name] = prop["type"]
        found.update(_typed_properties(document, prop, seen))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found.update(_typed_properties(document, schema[key], seen))
    return found


def _coerced(expected: str, value) -> bool:
    if expected == "boolean":
        return not isinstance(value, bool) and isinstance(value, (int, float, str))
    return isinstance(value, (float, str)) or isinstance(value, bool)


def coerced_type(case) -> bool:
    """Whether the body sends another JSON type where the document says boolean or integer.

    marshmallow's Boolean takes 0, 1 and "true", its Integer 2.5e-42 (as 0) and "7", where the document
    says boolean or integer.
    """
    document = case.operation.schema.raw_schema
    operation = document["paths"][case.operation.path][case.operation.method.lower()]
    body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if not body_schema or not isinstance(case.body, (dict, list)):
        return False
    typed = _typed_properties(document, body_schema)

    def walk(data):
        if isinstance(data, dict):
            return any((key in typed and _coerced(typed[key], value)) or walk(value) for key, value in data.items())
        if isinstance(data, list):
            return any(walk(value) for value in data)
        return False

    return walk(case.body)


@cache
def _column_lengths() -> dict[str, int]:
    """The shortest VARCHAR of each column name in the database."""
    lengths: dict[str, int] = {}
    for table in db.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.String) and column.type.length:
                lengths[column.name] = min(lengths.get(column.name, column.type.length), column.type.length)
    return lengths


def overlong_string(case) -> bool:
    """Whether the body holds a text longer than a database column of its name (PostgreSQL refuses it)."""

    def walk(data):
        if isinstance(data, dict):
            return any((isinstance(value, str) and len(value) > _column_lengths().get(key, len(value)))
                       or walk(value) for key, value in data.items())
        if isinstance(data, list):
            return any(walk(value) for value in data)
        return False

    return walk(case.body)


def _values(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _values(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _values(value)
    else:
        yield data


def known_category(case) -> str | None:
    """Return the KNOWN_H13_INPUTS category of an input of the request, or None."""
    if coerced_type(case):  # item 8: strict integers (and booleans)
        return "coerced_type"
    if overlong_string(case):  # item 7: over-long strings on PostgreSQL
        return "overlong_string"
    # The coverage phase sends some path ids as text; every integer in a path is an id (`<int:..._id>`).
    path = {name: int(value) if name.endswith("_id") and isinstance(value, str) and re.fullmatch(r"-?\d+", value)
            else value for name, value in (case.path_parameters or {}).items()}
    for part in (path, case.query, case.body):
        for value in _values(part or {}):
            for name, matches in KNOWN_H13_INPUTS.items():
                if matches(value):
                    return name
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    return known_category(case) is None
