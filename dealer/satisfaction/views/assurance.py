"""The five assurances (五个安心): a store's month with 12-month trends, the records behind each figure, and the
group's stores ranked side by side."""
from __future__ import annotations

from flask import abort, render_template, request

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, CS_SUPERVISOR, MANAGER
from dealer.satisfaction import assurance, bp, drill, forms
from dealer.satisfaction.views.common import store_and_month
from dealer.stores.services import get_store

# Managers read the assurances (their store's or, group level, every store's); CS measures them.
VIEWERS = (CS_SUPERVISOR, MANAGER, ADMIN)


@bp.route("/assurance")
@roles_required(*VIEWERS)
def assurances():
    scope, store_id, month_start = store_and_month()
    store = get_store(store_id, actor=current_actor())
    rank_by = request.args.get("rank", assurance.RANK_BY[0])
    several = len(scope.stores) > 1
    trend, side_by_side = assurance.overview(store, scope.stores if several else [store], month_start)
    rows = assurance.ranked(side_by_side, rank_by) if several else []
    return render_template("satisfaction/assurance.html", scope=scope, store=store, store_id=store_id,
                           month=month_start, m=f"{month_start:%Y-%m}", trend=trend, series=trend.series(),
                           f=trend.current, ranking=rows,
                           rank_by=rank_by if rank_by in assurance.RANK_BY else assurance.RANK_BY[0],
                           rank_labels=forms.RANK_LABELS)


@bp.route("/assurance/<what>")
@roles_required(*VIEWERS)
def assurance_records(what):
    if what not in drill.DRILLS:
        abort(404)
    scope, store_id, month_start = store_and_month()
    store = get_store(store_id, actor=current_actor())
    rows = drill.drill(store, month_start, what)
    return render_template("satisfaction/assurance_records.html", scope=scope, store=store, store_id=store_id,
                           month=month_start, what=what, rows=rows, titles=forms.ASSURANCE_LABELS,
                           flag_labels={flag: str(label) for flag, label in forms.DRILL_FLAG_LABELS.items()},
                           limit=200)  # labels translated once, not per row
