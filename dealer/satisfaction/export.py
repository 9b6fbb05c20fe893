"""The month sheet as an Excel workbook (openpyxl): the assessment, then every form of the month."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dealer import money
from dealer.satisfaction.forms import COMPARISON_LABELS, GRADE_LETTERS, SOURCE_LABELS
from dealer.timezones import store_zone


def _yuan(fen: int) -> str:
    return ("+" if fen > 0 else "") + money.yuan(fen)


def month_workbook(sheet, follow_ups) -> BytesIO:
    """Return the workbook of a month sheet (`services.Sheet`) and its answered follow-ups
    (`queries.MonthForm`), ready to send."""
    book = Workbook()
    summary = book.active
    summary.title = _("Assessment")
    a = sheet.assessment
    summary.append([_("Monthly assessment"), sheet.store.name, f"{sheet.month:%Y-%m}"])
    summary["A1"].font = Font(bold=True, size=14)
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
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 24
    detail = book.create_sheet(_("Forms"))
    detail.append([_("Order"), _("Plate"), _("Owner"), _("Timeliness"), _("Repair quality"), _("Attitude"),
                   _("Score"), _("Comment"), _("Filled by"), _("Submitted"), _("Kind")])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    zone = store_zone(sheet.store)
    by_phone, by_link = _("CS, by phone"), _("Owner, by the SMS link")  # translated once, not per row
    sources = {kind: str(label) for kind, label in SOURCE_LABELS.items()}
    for row_number, form in enumerate(follow_ups, start=2):
        values = [form.source_number, form.plate or "", form.owner, GRADE_LETTERS[form.timeliness],
                  GRADE_LETTERS[form.quality], GRADE_LETTERS[form.attitude], form.points, form.comment,
                  by_phone if form.channel == "phone" else by_link,
                  form.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), sources[form.source_kind]]
        detail.append(values)
        # By position: detail[row] and detail.max_row measure every cell written so far (quadratic in the rows).
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                # What people typed stays text: openpyxl would take "=..." for a formula (formula injection).
                detail.cell(row=row_number, column=column).data_type = "s"
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _cell(value):
    """A value as openpyxl takes it: numbers stay numbers, anything else (a lazy translated label) is text."""
    return value if isinstance(value, int | float) or value is None else str(value)


def operations_workbook(figures, labels: dict, panels=()) -> BytesIO:
    """The operations dashboard (`operations.Operations`) as a workbook: one sheet per table, amounts in yuan;
    then the sheets of the sections the modules above contributed (`Panel.sheets`: bookings, members, campaigns)."""
    book = Workbook()
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
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(str(title), book.sheetnames))
        sheet.append([f"{figures.store.name} · {figures.month:%Y-%m}"])
        sheet.append([_cell(value) for value in header])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row_number, row in enumerate(rows, start=3):
            values = [_cell(value) for value in row]
            sheet.append(values)
            for column, value in enumerate(values, start=1):  # by position, as the month's forms
                if isinstance(value, str):
                    # a name someone typed (a campaign's) stays text, never a formula
                    sheet.cell(row=row_number, column=column).data_type = "s"
        sheet.column_dimensions["A"].width = 24
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _sheet_title(title: str, taken: list[str]) -> str:
    """A sheet title Excel accepts (31 characters, none of []:*?/\\) and unique in the workbook."""
    clean = "".join(" " if char in "[]:*?/\\" else char for char in title)[:31] or "-"
    name, n = clean, 2
    while name in taken:
        name = f"{clean[:28]} {n}"
        n += 1
    return name
