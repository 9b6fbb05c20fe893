"""Opening balances (期初余额) from a previous system: points with their expiry and the stored-value card's paid and
bonus value, per member, from an Excel or CSV file; validated row by row, every error listed by its row, and
imported all or nothing (one transaction).

The columns, in this order, with a header row: member number or mobile, points, points' expiry (YYYY-MM-DD),
paid value (yuan), bonus value (yuan). Empty cells are 0 (and no expiry when there are no points).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from dealer import audit
from dealer.actors import Actor
from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.members import ledger
from dealer.members.errors import ImportRefused
from dealer.members.models import ADJUST, TOP_UP, Member
from dealer.members.services.common import lock_member, store_today
from dealer.money import parse_yuan

MOST_ROWS = 50_000
OPENING = "OPENING"  # the reference of an opening top-up (期初导入)


@dataclass
class OpeningRow:
    row: int  # the row number in the file (the header is row 1)
    who: str
    points: int
    expires_on: date | None
    paid_fen: int
    bonus_fen: int


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    """The file's rows after the header, as text cells (an .xlsx workbook's first sheet, or UTF-8 CSV).
    Raises ImportRefused when it is neither."""
    try:
        if filename.lower().endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
            rows = [["" if cell is None else (cell.date().isoformat() if isinstance(cell, datetime) else str(cell))
                     for cell in row] for row in sheet.iter_rows(values_only=True)]
        else:
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except Exception as error:  # noqa: BLE001 (any unreadable file is the same answer to the user)
        raise ImportRefused([], _l("The file could not be read: send an Excel (.xlsx) or UTF-8 CSV file.")) from error
    if len(rows) - 1 > MOST_ROWS:
        raise ImportRefused([], _l("At most %(most)s rows a file.", most=MOST_ROWS))
    return rows[1:]


def _whole(text: str) -> int:
    value = int(text.strip() or "0")
    if value < 0:
        raise ValueError(text)
    return value


def _yuan(text: str) -> int:
    value = parse_yuan(text.strip() or "0")
    if value < 0:
        raise ValueError(text)
    return value


def parse(rows: list[list[str]], today: date) -> tuple[list[OpeningRow], list[tuple[int, str]]]:
    """The rows as OpeningRows, and every error by its row number."""
    parsed, errors = [], []
    for number, cells in enumerate(rows, start=2):
        cells = [str(cell).strip() for cell in cells] + [""] * 5
        if not any(cells[:5]):
            continue
        who, points_text, expiry_text, paid_text, bonus_text = cells[:5]
        try:
            points = _whole(points_text)
        except ValueError:
            errors.append((number, _("Points are a whole number, 0 or more.")))
            continue
        try:
            paid, bonus = _yuan(paid_text), _yuan(bonus_text)
        except ValueError:
            errors.append((number, _("Amounts are in yuan, 0 or more, e.g. 1000.50.")))
            continue
        expires_on = None
        if points:
            try:
                expires_on = date.fromisoformat(expiry_text)
            except ValueError:
                errors.append((number, _("Points need their expiry as YYYY-MM-DD.")))
                continue
            if expires_on <= today:
                errors.append((number, _("These points expired on %(day)s.", day=expires_on.isoformat())))
                continue
        if not who:
            errors.append((number, _("Name the member by member number or mobile.")))
        elif not (points or paid or bonus):
            errors.append((number, _("The row carries no points and no value.")))
        else:
            parsed.append(OpeningRow(number, who, points, expires_on, paid, bonus))
    return parsed, errors


def _members_of(store_id: int, rows: list[OpeningRow]) -> dict[str, int]:
    """Member ids by member number and by mobile (two queries, whatever the rows)."""
    keys = list({row.who for row in rows})
    found = dict(db.session.execute(sa.select(Member.number, Member.id).where(
        Member.store_id == store_id, Member.number.in_(keys))).all())
    found.update(db.session.execute(sa.select(Customer.mobile, Member.id).join(
        Member, sa.and_(Member.store_id == Customer.store_id, Member.customer_id == Customer.id)).where(
        Customer.store_id == store_id, Customer.mobile.in_(keys))).all())
    return found


def import_opening_balances(store_id: int, filename: str, content: bytes, *, actor: Actor, now: datetime) -> int:
    """Import the file's opening balances, all or nothing; return the members credited. Raises ImportRefused with
    every bad row (nothing changes)."""
    today = store_today(store_id, now)
    rows, errors = parse(read_rows(filename, content), today)
    members = _members_of(store_id, rows)
    seen: dict[int, int] = {}
    for row in rows:
        member_id = members.get(row.who)
        if member_id is None:
            errors.append((row.row, _("No member %(who)s at this store.", who=row.who)))
        elif member_id in seen:
            errors.append((row.row, _("The same member as row %(row)s.", row=seen[member_id])))
        else:
            seen[member_id] = row.row
    if errors or not rows:
        raise ImportRefused(sorted(errors), _l("Nothing was imported: %(count)s rows have errors.", count=len(errors))
                            if errors else _l("The file holds no rows."))
    reason = str(_l("Opening balance from the previous system"))
    for row in sorted(rows, key=lambda r: members[r.who]):  # locks in one order
        member = lock_member(members[row.who])
        if row.points:
            ledger.open_lot(member, ADJUST, row.points, today=today, actor_id=actor.user_id, now=now, reason=reason,
                            expires_on=row.expires_on)
        if row.paid_fen or row.bonus_fen:
            ledger.card_entry(member, TOP_UP, row.paid_fen, row.bonus_fen, actor_id=actor.user_id, now=now,
                              method="transfer", reference=OPENING)
        audit.record("member_opening_imported", member, actor=actor, changes={
            "points": row.points, "paid_fen": row.paid_fen, "bonus_fen": row.bonus_fen, "file": filename[:100]})
    db.session.commit()
    return len(rows)
