"""Helpers shared by every module's forms and views."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, request, url_for
from werkzeug.exceptions import NotFound as NoSuchPage
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from dealer.access import current_actor
from dealer.errors import DomainError, NotFound, causes
from dealer.inputs import MAX_INT, whole_number


def choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def put_error_on_form(form, error: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a DomainError beside its field, or above the form when it names none on this form.

    A ValidationFailed shows each of its errors, all at once. `aliases` maps the service's field names to
    the form's, where they differ.
    """
    for cause in causes(error):
        name = (aliases or {}).get(cause.field, cause.field)
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = list(field.errors) + [str(cause.message)]
        else:
            flash(str(cause.message), "danger")


def safe_next(target: str | None, default_endpoint: str = "auth.home") -> str:
    """Return `target` only if it leads inside this site (a path, no scheme or host); else the default."""
    if target:
        target = target.strip().replace("\\", "/")
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
                and "\n" not in target and "\r" not in target):
            return target
    return url_for(default_endpoint)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in a route: a whole number the database can hold, else 404 whatever the method.

    Werkzeug's own refusal (ValidationError) only makes the rule not match, and a path that another method's
    rule matched by its pattern then answered 405 to PUT, PATCH and DELETE where GET got 404.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NoSuchPage() from None


def page_arg() -> int:
    """The ?page= of a list: 1 for anything that is not a page number the database can count to."""
    page = whole_number(request.args.get("page"))
    return page if page is not None and page >= 1 else 1


def managed_store_id() -> int:
    """The store a store-level manager manages; a group-level one picks it with ?store=. Raises NotFound."""
    actor = current_actor()
    if actor.store_id is not None:
        return actor.store_id
    store_id = whole_number(request.values.get("store"))
    if store_id is None or store_id < 1:
        raise NotFound()
    return store_id


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
