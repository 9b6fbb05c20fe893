"""The month sheet and the operations dashboard as Excel workbooks (XlsxWriter: it writes a workbook three to four
times faster than openpyxl, which the module's imports still read with). What people typed stays text: no string
is ever written as a formula, a number or a link."""
from __future__ import annotations

from io import BytesIO

import xlsxwriter
from flask_babel import gettext as _

from dealer import money
from dealer.satisfaction.forms import COMPARISON_LABELS, GRADE_LETTERS, SOURCE_LABELS
from dealer.timezones import store_zone


def _yuan(fen: int) -> str:
    return ("+" if fen > 0 else "") + money.yuan(fen)


class _Sheet:
    """A worksheet written row after row (XlsxWriter writes by position)."""

    def __init__(self, book, title: str):
        self.sheet, self.row = book.add_worksheet(title), 0

    def append(self, values, style=None, *, first=None) -> None:
        """Write a row; `first`: the first cell's own format (a title)."""
        for column, value in enumerate(values):
            value, cell_style = _cell(value), first if column == 0 and first is not None else style
            if isinstance(value, str):
                self.sheet.write_string(self.row, column, value, cell_style)
            elif value is not None:
                self.sheet.write_number(self.row, column, value, cell_style)
        self.row += 1


def _book(buffer: BytesIO):
    return xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})


def _done(book, buffer: BytesIO) -> BytesIO:
    book.close()
    buffer.seek(0)
    return buffer


def month_workbook(sheet, follow_ups) -> BytesIO:
    """Return the workbook of a month sheet (`services.Sheet`) and its answered follow-ups
    (`queries.MonthForm`), ready to send."""
    buffer = BytesIO()
    book = _book(buffer)
    bold = book.add_format({"bold": True})
    summary = _Sheet(book, _("Assessment"))
    a = sheet.assessment
    summary.append([_("Monthly assessment"), sheet.store.name, f"{sheet.month:%Y-%m}"],
                   first=book.add_format({"bold": True, "font_size": 14}))
    rows = [
        (_("Feedback forms (n)"), a.n),
        (_("Follow-ups of the month"), sheet.follow_ups),
        (_("Response rate"), f"{sheet.response_rate_pct}%" if sheet.response_rate_pct is not None else "-"),
        (_("Thin month (n under %(minimum)d)", minimum=sheet.minimum), _("yes") if sheet.thin else _("no")),
        (_("Total score"), a.total),
        (_("Average score"), str(a.average) if a.average is not None else _("No feedback forms this month")),
        (_("Previous month's average"), str(a.previous_average) if a.previous_average is not None else "-"),
        (_("Comparison"), str(COMPARISON_LABELS[a.comparison])),
        (_("Reward or penalty (yuan)"), _yuan(a.score_fen)),
        (_("Extra for all 2 / all -2 (yuan)"), _yuan(a.extra_fen)),
        (_("Complaints"), a.complaints),
        (_("Complaint band"), a.band),
        (_("Complaints reward or penalty (yuan)"), _yuan(a.complaints_fen)),
        (_("Administrative action"), _("yes") if a.administrative_action else _("no")),
        (_("Net (yuan)"), _yuan(a.net_fen)),
    ]
    for row in rows:
        summary.append(list(row))
    summary.append([])
    summary.append([_("By kind of service"), _("Follow-ups"), _("Forms (n)"), _("Unreachable"), _("Average score")])
    for source in sheet.sources:
        summary.append([str(SOURCE_LABELS[source.kind]), source.follow_ups, source.n, source.unreachable,
                        str(source.average) if source.average is not None else "-"])
    if sheet.versions:
        latest = sheet.versions[0]
        summary.append([_("Signed off"), f"v{latest.version}",
                        latest.signed_at.astimezone(store_zone(sheet.store)).strftime("%Y-%m-%d %H:%M")])
    summary.sheet.set_column(0, 0, 36)
    summary.sheet.set_column(1, 1, 24)
    detail = _Sheet(book, _("Forms"))
    detail.append([_("Order"), _("Plate"), _("Owner"), _("Timeliness"), _("Repair quality"), _("Attitude"),
                   _("Score"), _("Comment"), _("Filled by"), _("Submitted"), _("Kind")], bold)
    zone = store_zone(sheet.store)
    by_phone, by_link = _("CS, by phone"), _("Owner, by the SMS link")  # translated once, not per row
    sources = {kind: str(label) for kind, label in SOURCE_LABELS.items()}
    for form in follow_ups:
        detail.append([form.source_number, form.plate or "", form.owner, GRADE_LETTERS[form.timeliness],
                       GRADE_LETTERS[form.quality], GRADE_LETTERS[form.attitude], form.points, form.comment,
                       by_phone if form.channel == "phone" else by_link,
                       form.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), sources[form.source_kind]])
    return _done(book, buffer)


def _cell(value):
    """A value as the workbook takes it: numbers stay numbers, anything else (a lazy translated label) is text."""
    return value if isinstance(value, int | float) or value is None else str(value)


def operations_workbook(figures, labels: dict, panels=()) -> BytesIO:
    """The operations dashboard (`operations.Operations`) as a workbook: one sheet per table, amounts in yuan;
    then the sheets of the sections the modules above contributed (`Panel.sheets`: bookings, members, campaigns)."""
    sheets = [
        (_("Revenue"), [_("Kind"), _("Payer"), _("Amount (yuan)"), _("Discount (yuan)"), _("Net (yuan)")],
         [[str(labels["lines"].get(kind, kind)), str(labels["payers"].get(payer, payer)), money.yuan(amount),
           money.yuan(discount), money.yuan(amount - discount)] for kind, payer, amount, discount in figures.revenue]),
        (_("Cars per day"), [_("Day"), _("Cars (台次)")],
         [[day.isoformat(), cars] for day, cars in figures.days]),
        (_("Orders by kind"), [_("Kind"), _("Orders"), _("Owners paid (yuan)")],
         [[str(labels["kinds"].get(kind, kind)), n, money.yuan(total)] for kind, n, total in figures.by_kind]),
        (_("Technicians"), [_("Technician"), _("Hours sold"), _("Hours clocked")],
         [[name, sold, clocked] for name, sold, clocked in figures.technicians]),
        (_("Parts stock"), [_("Parts in stock"), _("Stock value at cost (yuan)")],
         [[figures.stock_parts, money.yuan(figures.stock_value_fen)]]),
    ]
    sheets += [section for panel in panels for section in panel.sheets]
    buffer = BytesIO()
    book = _book(buffer)
    bold, taken = book.add_format({"bold": True}), []
    for title, header, rows in sheets:
        taken.append(_sheet_title(str(title), taken))
        sheet = _Sheet(book, taken[-1])
        sheet.append([f"{figures.store.name} · {figures.month:%Y-%m}"])
        sheet.append(header, bold)
        for row in rows:
            sheet.append(row)
        sheet.sheet.set_column(0, 0, 24)
    return _done(book, buffer)


def _sheet_title(title: str, taken: list[str]) -> str:
    """A sheet title Excel accepts (31 characters, none of []:*?/\\) and unique in the workbook."""
    clean = "".join(" " if char in "[]:*?/\\" else char for char in title)[:31] or "-"
    name, n = clean, 2
    while name in taken:
        name = f"{clean[:28]} {n}"
        n += 1
    return name
