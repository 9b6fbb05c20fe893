"""Membership pages: joining from the customer file, the member page with both ledgers, the cashier's top-ups
and refunds, the manager's tier settings."""
from __future__ import annotations

from flask import render_template

from dealer.access import current_actor, roles_required
from dealer.actors import CUSTOMER_READERS
from dealer.members import bp, queries, services


@bp.route("/<int:member_id>")
@roles_required(*CUSTOMER_READERS)
def show(member_id):
    member = services.get_member(member_id, actor=current_actor())
    return render_template("members/show.html", member=member, summary=queries.summary_of(member),
                           points=queries.points_ledger(member), card=queries.card_ledger(member),
                           lots=queries.points_lots(member))
