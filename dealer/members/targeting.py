"""A campaign's target (目标客户) as SQL sets: the owners of a store matching every rule of the campaign.

One statement per question, never a loop over owners: the preview counts, the launch inserts the eligible
owners with INSERT ... SELECT, and the results join the target to the repair orders of the window.
Also the months arithmetic shared with customer loss (客户流失).
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.members.models import Campaign, Member, MemberTier, OwnerSeen, OwnerSeenRun
from dealer.repair.models import DELIVERED, JOB_DECLINED, SETTLED, RepairJob, RepairOrder
from dealer.sms.kinds import MARKETING
from dealer.sms.models import CANCELLED, SmsMessage

PAID = (SETTLED, DELIVERED)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def local_midnight(day: date, zone) -> datetime:
    """The start of a local day, as an aware datetime (compared with UTC columns)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def paid_visit(store_id, customer_id, since: datetime | None = None):
    """A settled order of the owner (not a reversal), settled at or after `since` when given."""
    conditions = [RepairOrder.store_id == store_id, RepairOrder.customer_id == customer_id,
                  RepairOrder.state.in_(PAID), RepairOrder.reversal_of_id.is_(None)]
    if since is not None:
        conditions.append(RepairOrder.settled_at >= since)
    return sa.exists().where(*conditions)


def _owners_paid_visit(store_id: int, since: datetime | None = None):
    """`paid_visit` of the owner (`Customer`, of the store `store_id`), the store given as a value rather than
    as the owner's column: PostgreSQL runs an EXISTS under OR as one hashed sub-plan over every row it could
    match, and without the value that is every store's orders (0.6 s at 1,000,000 orders, not 10 ms)."""
    return paid_visit(store_id, Customer.id, since)


def _owners_car(*conditions):
    """One of the owner's cars matches `conditions` (probed per owner through (store_id, owner_id): a hashed
    sub-plan would read every car of the store, a wider table than the orders)."""
    return sa.exists().where(Vehicle.store_id == Customer.store_id, Vehicle.owner_id == Customer.id, *conditions)


def _owners_car_maintained_since(store_id: int, day: date):
    """One of the owner's cars (of the store `store_id`) was maintained on or after `day`, as a set of owners: a
    range of ix_vehicles_store_id_last_maintenance read once, not one probe per owner (50,000 probes were most
    of a campaign preview's 140 ms)."""
    return Customer.id.in_(sa.select(Vehicle.owner_id).where(Vehicle.store_id == store_id,
                                                             Vehicle.last_maintenance_date >= day))


def seen_since(day: date, zone, *, store_id: int):
    """The owner (`Customer`, of the store `store_id`) was seen on or after `day`: a paid visit, or a car's
    maintenance as recorded or imported from the previous system."""
    return sa.or_(_owners_paid_visit(store_id, local_midnight(day, zone)),
                  _owners_car_maintained_since(store_id, day))


# A settlement under way while the night counted may commit after it with an earlier time: the visits of this long
# before the count are read live too (a visit months after the cut-off is a visit either way).
SETTLING = timedelta(hours=1)


def seen_counted_at(store_id: int, *, today: date, zone) -> datetime | None:
    """When tonight's `member_owner_seen` rows of the store were counted; None before the store's night ran today
    (then the lists count live)."""
    counted = db.session.scalar(sa.select(OwnerSeenRun.computed_at).where(OwnerSeenRun.store_id == store_id))
    return counted if counted is not None and counted >= local_midnight(today, zone) else None


def not_seen_for(months: int, *, today: date, zone, store_id: int):
    """The owner (of the store `store_id`) was not seen for `months` (customer loss, 客户流失): nothing since the
    cut-off, and either some history before it or a file older than it (a new file with no history is not a
    lost owner)."""
    cutoff = months_before(today, months)
    history = sa.or_(_owners_paid_visit(store_id), _owners_car(Vehicle.last_maintenance_date.is_not(None)))
    return sa.and_(~seen_since(cutoff, zone, store_id=store_id),
                   sa.or_(history, Customer.created_at < local_midnight(cutoff, zone)))


def unseen(store_id: int, *, today: date, zone, not_seen_months: int | None = None,
           seen_within_months: int | None = None, seen_at: datetime | None = None):
    """Not seen for `not_seen_months` and (or only) seen within `seen_within_months` (the at-risk owners: not yet
    the lost ones), as `not_seen_for` defines them live.

    With `seen_at` (when tonight's `member_owner_seen` was counted, `seen_counted_at`): the owners last seen between
    the two cut-offs as counted tonight (one index range, whose size the planner knows), less those with a paid
    visit since (live); a car's maintenance recorded or imported since counts from the next night. An owner filed
    since the night is not counted yet: nobody's loss, seen within any months, as live."""
    if seen_at is None:
        conditions = []
        if not_seen_months:
            conditions.append(not_seen_for(not_seen_months, today=today, zone=zone, store_id=store_id))
        if seen_within_months:
            conditions.append(~not_seen_for(seen_within_months, today=today, zone=zone, store_id=store_id))
        return sa.and_(*conditions)
    if not not_seen_months:  # seen within only: all but the owners not seen for those months
        return Customer.id.not_in(unseen_counted(store_id, today=today, zone=zone, not_seen_months=seen_within_months,
                                                 seen_at=seen_at).with_only_columns(OwnerSeen.customer_id))
    return Customer.id.in_(unseen_counted(store_id, today=today, zone=zone, not_seen_months=not_seen_months,
                                          seen_within_months=seen_within_months, seen_at=seen_at)
                           .with_only_columns(OwnerSeen.customer_id))


def unseen_counted(store_id: int, *, today: date, zone, not_seen_months: int, seen_within_months: int | None = None,
                   seen_at: datetime):
    """(customer_id, seen_at) of the owners last seen between the cut-offs as counted tonight, without a paid visit
    since: one range of ix_member_owner_seen_store_id_seen_at, in its order."""
    return sa.select(OwnerSeen.customer_id, OwnerSeen.seen_at).where(*counted_range(
        store_id, seen_before=local_midnight(months_before(today, not_seen_months), zone),
        seen_from=local_midnight(months_before(today, seen_within_months), zone) if seen_within_months else None,
        since=seen_at - SETTLING))


def counted_range(store_id, *, seen_before, seen_from=None, since):
    """The conditions on `OwnerSeen` of `unseen_counted`: last seen before `seen_before` (and from `seen_from`) as
    counted, without a paid visit settled since `since` (the night's cut). Values or bound parameters."""
    return [OwnerSeen.store_id == store_id, OwnerSeen.seen_at < seen_before,
            *([OwnerSeen.seen_at >= seen_from] if seen_from is not None else []),
            ~paid_visit(store_id, OwnerSeen.customer_id, since)]


def declined_work(since: date, zone):
    """The owner (`Customer`) declined recommended work (a job of theirs whose approval is `declined`, 未做的建议项目)
    on an order opened on or after `since`. Read from repair's tables (repair has no query of its own for it): the
    order by the owner (the store's key), its jobs by the order."""
    return sa.exists().where(RepairOrder.store_id == Customer.store_id, RepairOrder.customer_id == Customer.id,
                             RepairOrder.opened_at >= local_midnight(since, zone),
                             sa.exists().where(RepairJob.store_id == RepairOrder.store_id,
                                               RepairJob.order_id == RepairOrder.id,
                                               RepairJob.approval == JOB_DECLINED))


def rule_conditions(campaign: Campaign, *, today: date, zone, seen_at: datetime | None = None) -> list:
    """The WHERE conditions on `Customer` that the campaign's rules make (the store's own customers); `seen_at`:
    the not-seen rules from tonight's counts (`not_seen_for`)."""
    conditions = [Customer.store_id == campaign.store_id]
    if campaign.members_only or campaign.tier_ranks:
        earned, given = aliased(MemberTier), aliased(MemberTier)
        member = sa.select(Member.id).where(Member.store_id == Customer.store_id, Member.customer_id == Customer.id)
        if campaign.tier_ranks:
            overridden = sa.and_(Member.override_until >= today, given.id.is_not(None))
            rank = sa.case((overridden, given.rank), else_=earned.rank)
            member = (member.join(earned, earned.id == Member.tier_id)
                      .outerjoin(given, given.id == Member.override_tier_id)
                      .where(rank.in_([int(value) for value in campaign.tier_ranks])))
        conditions.append(member.exists())
    vehicle = []
    if campaign.model_families:
        vehicle.append(Vehicle.model_family.in_(list(campaign.model_families)))
    if campaign.min_vehicle_age is not None:
        vehicle.append(Vehicle.registration_date <= months_before(today, 12 * campaign.min_vehicle_age))
    if campaign.max_vehicle_age is not None:
        vehicle.append(Vehicle.registration_date > months_before(today, 12 * (campaign.max_vehicle_age + 1)))
    if campaign.maintenance_due:
        vehicle.append(Vehicle.next_maintenance_due <= campaign.ends_on)
    if vehicle:
        conditions.append(sa.exists().where(Vehicle.store_id == Customer.store_id, Vehicle.owner_id == Customer.id,
                                            *vehicle))
    if campaign.declined_within_months:
        conditions.append(declined_work(months_before(today, campaign.declined_within_months), zone))
    if campaign.not_seen_months or campaign.seen_within_months:  # customer loss's rules (seen within: at risk)
        conditions.append(unseen(campaign.store_id, today=today, zone=zone, not_seen_months=campaign.not_seen_months,
                                 seen_within_months=campaign.seen_within_months, seen_at=seen_at))
    return conditions


def capped_customers(store_id: int, *, month_start: datetime, cap: int):
    """The owners who got `cap` marketing messages this month already (a subquery of customer ids)."""
    return (sa.select(SmsMessage.customer_id)
            .where(SmsMessage.store_id == store_id, SmsMessage.category == MARKETING,
                   SmsMessage.created_at >= month_start, SmsMessage.state != CANCELLED,
                   SmsMessage.customer_id.is_not(None))
            .group_by(SmsMessage.customer_id).having(sa.func.count() >= cap))


def eligibility(campaign: Campaign, *, today: date, zone, cap: int, seen_at: datetime | None = None):
    """(matching conditions, eligible conditions): who matches the rules, and who of them may be invited (marketing
    consent, under the month's cap of marketing messages)."""
    matching = rule_conditions(campaign, today=today, zone=zone, seen_at=seen_at)
    month_start = local_midnight(today.replace(day=1), zone)
    under_cap = (Customer.id.not_in(capped_customers(campaign.store_id, month_start=month_start, cap=cap))
                 if cap > 0 else sa.false())
    return matching, [*matching, Customer.marketing_consent.is_(True), under_cap]


def target_counts(campaign: Campaign, *, today: date, zone, cap: int,
                  seen_at: datetime | None = None) -> tuple[int, int, int]:
    """(matching, without marketing consent, at the month's cap) in one query."""
    matching, _eligible = eligibility(campaign, today=today, zone=zone, cap=cap, seen_at=seen_at)
    month_start = local_midnight(today.replace(day=1), zone)
    capped = (Customer.id.in_(capped_customers(campaign.store_id, month_start=month_start, cap=cap))
              if cap > 0 else sa.true())
    consent = Customer.marketing_consent.is_(True)
    row = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((~consent, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(consent, capped), 1), else_=0)), 0)).where(*matching)).one()
    return int(row[0]), int(row[1]), int(row[2])
