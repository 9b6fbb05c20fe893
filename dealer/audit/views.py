from flask import render_template

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, MANAGER
from dealer.audit import bp, services
from dealer.forms import page_arg


@bp.route("/")
@roles_required(ADMIN, MANAGER)
def index():
    actor = current_actor()
    store_ids = None if actor.store_id is None else [actor.store_id]
    return render_template("audit/index.html", pagination=services.list_entries(store_ids=store_ids,
                                                                                page=page_arg()))
