"""Opening balances (期初余额) from a previous system: validated row by row, every error by its row, all or nothing."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import ImportRefused
from dealer.members.models import Member, PointsEntry, PointsLot, StoredValueEntry
from tests.factories import CustomerFactory
from tests.helpers import NOW, count, login
from tests.isolation import isolated_client

HEADER = "会员号或手机号,积分,积分到期日,储值本金(元),赠送金额(元)\n"


def members(shop, n):
    made = []
    for _ in range(n):
        customer = CustomerFactory(store=shop.store)
        db.session.flush()
        made.append(services.join(customer.id, actor=shop.advisor, now=NOW))
    return made


def test_a_good_file_credits_points_with_their_expiry_and_the_card_apart(shop):
    first, second = members(shop, 2)
    csv = (HEADER + f"{first.number},1200,2027-06-30,1000,100\n"
           f"{second.customer.mobile},,,\"2,000.50\",\n").encode("utf-8-sig")
    assert services.import_opening_balances(shop.store.id, "old.csv", csv, actor=shop.manager, now=NOW) == 2
    one, two = db.session.get(Member, first.id), db.session.get(Member, second.id)
    assert (one.points_balance, one.card_paid_fen, one.card_bonus_fen) == (1200, 100_000, 10_000)
    assert (two.points_balance, two.card_paid_fen, two.card_bonus_fen) == (0, 200_050, 0)
    lot = db.session.scalar(sa.select(PointsLot).where(PointsLot.member_id == first.id))
    assert (lot.remaining, lot.expires_on) == (1200, date(2027, 6, 30))
    assert db.session.scalar(sa.select(StoredValueEntry.reference).where(StoredValueEntry.member_id == second.id)) == (
        "OPENING")
    assert services.ledger_drift(store_ids=[shop.store.id]) == []  # the balances are the ledgers' sums


def test_one_bad_row_imports_nothing_and_every_error_names_its_row(shop):
    first, second = members(shop, 2)
    csv = (HEADER + f"{first.number},100,2027-01-01,0,0\n"     # row 2: good
           "VIP99999999,10,2027-01-01,0,0\n"                   # row 3: no such member
           f"{second.number},ten,2027-01-01,0,0\n"             # row 4: points not a number
           f"{second.number},10,2026-01-01,0,0\n"              # row 5: expired
           f"{first.number},0,,5,0\n"                          # row 6: the same member as row 2
           f"{second.number},0,,-5,0\n").encode()              # row 7: a negative amount
    with pytest.raises(ImportRefused) as refused:
        services.import_opening_balances(shop.store.id, "old.csv", csv, actor=shop.manager, now=NOW)
    assert [row for row, _message in refused.value.rows] == [3, 4, 5, 6, 7]
    db.session.rollback()
    assert count(PointsEntry) == 0 and count(StoredValueEntry) == 0


def test_an_excel_file_is_read_and_an_unreadable_one_refused(shop):
    (member,) = members(shop, 1)
    book = Workbook()
    sheet = book.active
    sheet.append(["会员号", "积分", "到期", "本金", "赠送"])
    sheet.append([member.number, 300, date(2027, 12, 31), 50, 5])
    content = BytesIO()
    book.save(content)
    assert services.import_opening_balances(shop.store.id, "old.xlsx", content.getvalue(), actor=shop.manager,
                                            now=NOW) == 1
    assert db.session.get(Member, member.id).points_balance == 300
    with pytest.raises(ImportRefused):
        services.import_opening_balances(shop.store.id, "old.xlsx", b"not a workbook", actor=shop.manager, now=NOW)


def test_the_import_page_lists_the_bad_rows(app, shop, staff):
    (member,) = members(shop, 1)
    db.session.commit()
    client = isolated_client(app)
    login(client, staff["manager"])
    assert client.get("/members/import").status_code == 200
    bad = (HEADER + f"{member.number},abc,,0,0\n").encode()
    response = client.post("/members/import", data={"file": (BytesIO(bad), "old.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_data(as_text=True).count('data-testid="import-error"') == 1
    good = (HEADER + f"{member.number},5,2027-12-31,0,0\n").encode()
    response = client.post("/members/import", data={"file": (BytesIO(good), "old.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Member.points_balance).where(Member.id == member.id)) == 5
