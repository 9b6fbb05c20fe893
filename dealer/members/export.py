"""A campaign's results as an Excel workbook (openpyxl, write-only: rows streamed, never all in memory).

Money is written as yuan text from `dealer.money` (no float touches money)."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook

from dealer.members import queries
from dealer.members.models import INVITED
from dealer.money import yuan


def _rate(value: float) -> str:
    return f"{value * 100:.1f}%"


def _interval(interval, *, money: bool = False) -> str:
    if interval is None:
        return ""
    if money:
        return f"{yuan(round(interval.difference))} ({yuan(round(interval.low))} ~ {yuan(round(interval.high))})"
    return f"{_rate(interval.difference)} ({_rate(interval.low)} ~ {_rate(interval.high)})"


def _last_year(summary, name: str, last) -> None:
    """The campaign of the same season last year, as the page shows it beside this one's results."""
    summary.append([])
    summary.append([_("Same season last year"), name])
    summary.append(["", _("Invited"), _("Held out")])
    summary.append([_("Number of owners"), last.invited.owners, last.held_out.owners])
    summary.append([_("Visit rate"), _rate(last.invited.rate), _rate(last.held_out.rate)])
    summary.append([_("Uplift in response rate (%(level)s interval)", level="95%"), _interval(last.visit_uplift)])
    summary.append([_("Uplift in revenue per owner, yuan (%(level)s interval)", level="95%"),
                    _interval(last.revenue_uplift, money=True)])
    summary.append([_("Extra visits"), round(last.extra_visits, 1)])
    summary.append([_("Extra revenue"), yuan(last.extra_revenue_fen)])


def campaign_workbook(results: queries.CampaignResults) -> bytes:
    """Two sheets: the summary (both groups, uplift with its 95% interval, per advisor; the same season last year)
    and one row per owner."""
    campaign = results.campaign
    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Summary"))
    summary.append([_("Campaign"), campaign.name])
    summary.append([_("Days"), f"{campaign.starts_on.isoformat()} ~ {campaign.ends_on.isoformat()}"])
    summary.append([])
    summary.append(["", _("Invited"), _("Held out")])
    for label, attribute in ((_("Number of owners"), "owners"), (_("Came in"), "came")):
        summary.append([label, getattr(results.invited, attribute), getattr(results.held_out, attribute)])
    summary.append([_("Visit rate"), _rate(results.invited.rate), _rate(results.held_out.rate)])
    summary.append([_("Revenue (yuan)"), yuan(results.invited.revenue_fen), yuan(results.held_out.revenue_fen)])
    summary.append([])
    summary.append([_("Uplift in response rate (%(level)s interval)", level="95%"), _interval(results.visit_uplift)])
    summary.append([_("Uplift in revenue per owner, yuan (%(level)s interval)", level="95%"),
                    _interval(results.revenue_uplift, money=True)])
    summary.append([_("Extra visits"), round(results.extra_visits, 1)])
    summary.append([_("Extra revenue"), yuan(results.extra_revenue_fen)])
    summary.append([_("Discounts given"), yuan(results.discounts_fen)])
    if campaign.gift_name:
        summary.append([_("Gifts handed over"), f"{campaign.gifts_given} / {campaign.gift_stock}", campaign.gift_name])
    summary.append([])
    summary.append([_("Advisor"), _("Orders of the invited"), _("Their revenue (yuan)"), _("Orders of the held out"),
                    _("Their revenue (yuan)")])
    for name, orders, revenue, held_orders, held_revenue in results.by_advisor:
        summary.append([name or "-", orders, yuan(revenue), held_orders, yuan(held_revenue)])
    if results.last_year is not None:
        _last_year(summary, results.last_year.campaign.name, results.last_year)
    owners = book.create_sheet(_("Target owners"))
    owners.append([_("Name"), _("Mobile"), _("Group"), _("Came in"), _("Revenue (yuan)"), _("Gift handed over")])
    for name, mobile, group, came, revenue, gift_at in queries.export_rows(campaign):
        owners.append([name, mobile, _("Invited") if group == INVITED else _("Held out"), _("Yes") if came else _("No"),
                       yuan(int(revenue)), _("Yes") if gift_at else ""])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def group_workbook(results: queries.GroupResults) -> bytes:
    """A campaign over several stores: the summary (a row per store and the stores together; the same season last
    year) and one row per owner of every store (streamed store by store)."""
    group = results.group
    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Summary"))
    summary.append([_("Campaign"), group.name])
    summary.append([_("Days"), f"{group.starts_on.isoformat()} ~ {group.ends_on.isoformat()}"])
    summary.append([])
    summary.append([_("Store"), _("Invited"), _("Held out"), f"{_('Came in')}: {_('Invited')}",
                    f"{_('Came in')}: {_('Held out')}", f"{_('Visit rate')}: {_('Invited')}",
                    f"{_('Visit rate')}: {_('Held out')}",
                    _("Uplift in response rate (%(level)s interval)", level="95%"),
                    _("Uplift in revenue per owner, yuan (%(level)s interval)", level="95%"),
                    f"{_('Revenue (yuan)')}: {_('Invited')}", f"{_('Revenue (yuan)')}: {_('Held out')}",
                    _("Discounts given"), _("Gifts handed over")])
    rows = [(code, r, r.campaign.gifts_given) for code, r in results.stores] + [(_("Together"), results,
                                                                                  results.gifts_given)]
    for label, r, gifts in rows:
        summary.append([label, r.invited.owners, r.held_out.owners, r.invited.came, r.held_out.came,
                        _rate(r.invited.rate), _rate(r.held_out.rate), _interval(r.visit_uplift),
                        _interval(r.revenue_uplift, money=True), yuan(r.invited.revenue_fen),
                        yuan(r.held_out.revenue_fen), yuan(r.discounts_fen), gifts])
    if results.last_year is not None:
        _last_year(summary, results.last_year.group.name, results.last_year)
    owners = book.create_sheet(_("Target owners"))
    owners.append([_("Store"), _("Name"), _("Mobile"), _("Group"), _("Came in"), _("Revenue (yuan)"),
                   _("Gift handed over")])
    for code, r in results.stores:
        for name, mobile, target_group, came, revenue, gift_at in queries.export_rows(r.campaign):
            owners.append([code, name, mobile, _("Invited") if target_group == INVITED else _("Held out"),
                           _("Yes") if came else _("No"), yuan(int(revenue)), _("Yes") if gift_at else ""])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
