"""Membership's set jobs at scale (issue 17): targeting a campaign over 300,000 owners and writing its
invitations (target: under 10 s), and the nightly tier review of every member (target: under 30 s).

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.members_jobs [--scale 0.1] [--keep]

It builds its own data in a store of its own (code BENCH-M, made once; --scale 1 is 300,000 owners, each with a
car; two in three consent to marketing; half are members, joined on days spread over three years; a third have a
settled order in the last two years), with set-based SQL (generate_series), then times:
1. the preview of a campaign targeting every owner not seen for 6 months (one COUNT: the draft's page);
2. the launch: the target inserted, the holdout drawn, the invitations written into the outbox (one transaction);
3. the nightly tier review of every member of the store (`member_tier_review`, for today's anniversaries and
   warnings) on the first three nights after an import (every review and warning forgotten first, the tiers as
   built): at most `MEMBERS_PER_NIGHT` members a night (warnings first), the rest the next nights.
Each run launches a new campaign on the same data (the invitations of the earlier ones count against the monthly
limit of marketing messages, which the bench sets high). Run it on a PostgreSQL the benchmark may fill, not the HTTP
bench's database; --drop removes the bench store's rows afterwards is not offered: use a database of its own.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

import dealer.app  # noqa: F401 (every model mapped before the membership services build their loads)
from dealer import create_app
from dealer.actors import MANAGER, Actor
from dealer.database import utcnow
from dealer.extensions import db
from dealer.members import services
from dealer.members.models import Member, MemberSettings
from dealer.members.services import membership
from dealer.stores.models import Store

OWNERS = 300_000
CODE = "BENCH-M"


def _build(store_id: int, owners: int) -> None:
    """The owners, their cars, the members and a third's settled orders, in a few INSERT ... SELECT."""
    params = {"s": store_id, "n": owners}
    db.session.execute(sa.text("""
        INSERT INTO customers (store_id, name, mobile, mobile_last4, phone2, marketing_consent, notes, created_at,
                               updated_at, service_sms_opt_out)
        SELECT :s, '车主' || g, '139' || lpad(g::text, 8, '0'), right(lpad(g::text, 8, '0'), 4), '', g % 3 <> 0, '',
               now() - interval '4 years', now(), false
        FROM generate_series(1, :n) AS g"""), params)
    db.session.execute(sa.text("""
        INSERT INTO vehicles (store_id, owner_id, plate, plate_reversed, vin, vin_reversed, brand, model, colour,
                              engine_number, use, created_at, updated_at, model_family, registration_date,
                              next_maintenance_due)
        SELECT c.store_id, c.id, 'M' || c.id, reverse('M' || c.id), 'BENCHVIN' || lpad(c.id::text, 9, '0'),
               reverse('BENCHVIN' || lpad(c.id::text, 9, '0')), '一汽-大众', '速腾', '', '', 'private', now(), now(),
               CASE c.id % 3 WHEN 0 THEN 'compact' WHEN 1 THEN 'midsize' ELSE 'suv' END,
               date '2015-01-01' + (c.id % 3650), current_date + (c.id % 400) - 200
        FROM customers c WHERE c.store_id = :s"""), params)
    tiers = services.tiers_of(store_id)
    db.session.execute(sa.text("""
        INSERT INTO members (store_id, customer_id, number, joined_on, tier_id, override_reason, points_balance,
                             card_paid_fen, card_bonus_fen, created_at, updated_at)
        SELECT c.store_id, c.id, 'VIP' || lpad(c.id::text, 8, '0'), current_date - (c.id % 1095) - 1,
               CASE c.id % 4 WHEN 0 THEN :t1 WHEN 1 THEN :t2 WHEN 2 THEN :t3 ELSE :t4 END, '', 0, 0, 0, now(), now()
        FROM customers c WHERE c.store_id = :s AND c.id % 2 = 0"""),
        {**params, "t1": tiers[0].id, "t2": tiers[1].id, "t3": tiers[2].id, "t4": tiers[3].id})
    db.session.execute(sa.text("""
        INSERT INTO repair_orders (store_id, number, vehicle_id, customer_id, kind, state, damage_notes, valuables,
                                   notes, opened_at, settled_at, cancel_reason, approved_total_fen, points_fen,
                                   customer_total_fen, created_at, updated_at, source_kind)
        SELECT v.store_id, 'BM' || v.id, v.id, v.owner_id, 'maintenance', 'delivered', '', '', '',
               now() - ((v.id % 730) || ' days')::interval, now() - ((v.id % 730) || ' days')::interval, '',
               50000 + (v.id % 7) * 100000, 0, 50000 + (v.id % 7) * 100000, now(), now(), 'front_desk'
        FROM vehicles v WHERE v.store_id = :s AND v.owner_id % 3 = 0"""), params)
    db.session.execute(sa.text("ANALYZE customers; ANALYZE vehicles; ANALYZE members; ANALYZE repair_orders"))
    db.session.commit()


def _store(owners: int) -> tuple[int, int]:
    store = db.session.scalar(sa.select(Store).where(Store.code == CODE))
    if store is None:
        store = Store(code=CODE, name="会员基准店", brand="一汽-大众", timezone="Asia/Shanghai", active=True)
        db.session.add(store)
        db.session.commit()
    have = db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("customers")).where(
        sa.text("store_id = :s")).params(s=store.id))
    if have < owners:
        if have:
            raise SystemExit(f"the bench store holds {have:,} owners, fewer than {owners:,}: use a fresh database")
        started = time.perf_counter()
        _build(store.id, owners)
        print(f"built {owners:,} owners, their cars, members and orders in {time.perf_counter() - started:.1f} s")
    settings = db.session.get(MemberSettings, store.id) or MemberSettings(store_id=store.id, points_per_yuan=100,
                                                                          max_points_share_bp=5000, at_risk_months=6,
                                                                          lost_months=12)
    settings.holdout_bp, settings.marketing_per_month = 1000, 31
    db.session.add(settings)
    db.session.commit()
    return store.id, db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("customers")).where(
        sa.text("store_id = :s")).params(s=store.id))


def _never_reviewed(store_id: int) -> None:
    """Forget every review and warning, and give back the tiers the build gave (the state an import leaves)."""
    tiers = services.tiers_of(store_id)
    db.session.execute(sa.text("""
        UPDATE members SET reviewed_for = NULL, downgrade_warned_for = NULL,
               tier_id = CASE customer_id % 4 WHEN 0 THEN :t1 WHEN 1 THEN :t2 WHEN 2 THEN :t3 ELSE :t4 END
        WHERE store_id = :s"""), {"s": store_id, "t1": tiers[0].id, "t2": tiers[1].id, "t3": tiers[2].id,
                                  "t4": tiers[3].id})
    db.session.commit()


def _waiting(store_id: int, today) -> int:
    return sum(1 for joined_on, reviewed_for, warned_for in db.session.execute(
        sa.select(Member.joined_on, Member.reviewed_for, Member.downgrade_warned_for).where(
            Member.store_id == store_id)) if membership._due(joined_on, reviewed_for, warned_for, today)[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="a share of 300,000 owners (0.1: 30,000)")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database the benchmark may fill")
    app = create_app({"SECRET_KEY": "bench"})  # the app reads DATABASE_URL (postgresql:// means psycopg 3)
    owners = max(int(OWNERS * args.scale), 100)
    with app.app_context():
        upgrade()
        store_id, total = _store(owners)
        manager = Actor(user_id=None, store_id=store_id, roles=frozenset({MANAGER}), name="bench")
        now = utcnow()
        today = db.session.get(Store, store_id).local_date(now)
        campaign = services.create_campaign(store_id, services.CampaignInput(
            name="春季基准活动", season="spring", starts_on=today, ends_on=today + timedelta(days=30),
            not_seen_months=6), actor=manager, now=now)
        started = time.perf_counter()
        matched, no_consent, capped = services.preview(campaign, now=now)
        preview_s = time.perf_counter() - started
        started = time.perf_counter()
        launched = services.launch_campaign(campaign.id, actor=manager, now=now, seed=2026)
        launch_s = time.perf_counter() - started
        members = db.session.scalar(sa.select(sa.func.count()).select_from(Member).where(Member.store_id == store_id))
        _never_reviewed(store_id)  # as after an import: every past anniversary unreviewed
        nights = []
        for night in range(3):  # the first nights after an import, at most MEMBERS_PER_NIGHT members each
            started = time.perf_counter()
            reviewed = services.review_tiers(now=now, day=today + timedelta(days=night), store_ids=[store_id])
            nights.append((reviewed, time.perf_counter() - started))
        print(f"owners {total:,} (scale {args.scale}); members {members:,}")
        print(f"campaign preview: {matched:,} match, {no_consent:,} without consent, {capped:,} at the limit: "
              f"{preview_s:.2f} s")
        print(f"campaign launch: {launched.invited:,} invited, {launched.held_out:,} held out: {launch_s:.2f} s "
              f"(target < 10 s at 300,000 owners)")
        for night, (reviewed, review_s) in enumerate(nights, start=1):
            print(f"nightly tier review, night {night} after an import: {members:,} members, {reviewed:,} changed or "
                  f"warned: {review_s:.2f} s (target < 30 s at 300,000 owners; at most "
                  f"{membership.MEMBERS_PER_NIGHT:,} members a night)")
        print(f"reviews still waiting after {len(nights)} nights: {_waiting(store_id, today + timedelta(days=2)):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
