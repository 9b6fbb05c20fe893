"""The month's rescue figures as an Excel workbook (openpyxl): the summary, then each breakdown."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dealer.rescue.figures import Figures


def _header():
    return [_("Rows"), _("Calls"), _("Completed"), _("Cancelled"), _("Dispatch: median (min)"),
            _("Dispatch: 90th percentile (min)"), _("Dispatched within target"), _("Arrival: median (min)"),
            _("Arrival: 90th percentile (min)"), _("Arrived within target")]


def _line(row) -> list:
    def pct(value):
        return f"{value}%" if value is not None else "-"

    def minutes(value):
        return value if value is not None else "-"

    return [row.label, row.calls, row.completed, row.cancelled, minutes(row.dispatch_median),
            minutes(row.dispatch_p90), pct(row.dispatch_within_pct), minutes(row.arrival_median),
            minutes(row.arrival_p90), pct(row.arrival_within_pct)]


def figures_workbook(figures: Figures, store_name: str, trend: list = ()) -> BytesIO:
    """Return the workbook of a month's figures, ready to send."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")
    sheet.append([_("Rescue figures"), store_name, f"{figures.month:%Y-%m}"])
    sheet["A1"].font = Font(bold=True, size=14)
    for title, rows in ((_("Whole month"), [figures.total]), (_("By unit"), figures.by_unit),
                        (_("By partner station"), figures.by_station), (_("By fault type"), figures.by_fault)):
        sheet.append([])
        sheet.append([title])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.append(_header())
        for row in rows:
            sheet.append(_line(row))
    sheet.append([])
    sheet.append([_("Estimate error: median (min)"),
                  figures.estimate_error if figures.estimate_error is not None else "-", figures.estimates])
    sheet.column_dimensions["A"].width = 28
    days = book.create_sheet(_("Calls per day"))
    days.append([_("Day"), _("Calls")])
    for day, calls in figures.per_day.items():
        days.append([day.isoformat(), calls])
    hours = book.create_sheet(_("Calls per hour"))
    hours.append([_("Hour"), _("Calls")])
    for hour, calls in enumerate(figures.per_hour):
        hours.append([f"{hour:02d}:00", calls])
    errors = book.create_sheet(_("Estimate error by month"))
    errors.append([_("Month"), _("Estimate error: median (min)"), _("Estimate error: 90th percentile (min)"),
                   _("Estimates")])
    for point in trend:
        errors.append([f"{point.month:%Y-%m}", point.median if point.median is not None else "-",
                       point.p90 if point.p90 is not None else "-", point.estimates])
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
