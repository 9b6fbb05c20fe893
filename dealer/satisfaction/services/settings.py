"""A store's follow-up and assessment settings (amounts and complaint bands of the month sheet)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import ADMIN, CS_SUPERVISOR, Actor
from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.satisfaction.errors import InvalidInput
from dealer.satisfaction.models import SatisfactionSettings
from dealer.satisfaction.services.follow_ups import settings_for
from dealer.stores.services import get_store

EDITABLE = ("follow_up_days", "link_valid_days", "verify_share_pct", "thin_month_minimum", "case_days", "case_words",
            "complaint_ack_hours", "complaint_days", "reward_fen", "penalty_fen", "extra_reward_fen",
            "extra_penalty_fen", "complaints_none_fen", "complaints_low_max", "complaints_low_fen",
            "complaints_mid_max", "complaints_mid_fen", "complaints_high_max", "complaints_high_fen",
            "complaints_top_fen", "complaints_action_at", "top_marks_min_forms", "on_the_spot_minutes",
            "on_the_spot_share_pct")


def save_settings(store_id: int, values: dict, *, actor: Actor, now: datetime) -> SatisfactionSettings:
    """Save the store's settings (CS or an administrator). Raises Forbidden, NotFound, InvalidInput."""
    if not actor.has_any({CS_SUPERVISOR, ADMIN}):
        raise Forbidden()
    get_store(store_id, actor=actor)
    if not values["complaints_low_max"] < values["complaints_mid_max"] < values["complaints_high_max"]:
        raise InvalidInput(_l("The complaint bands must rise: first < second < third."), field="complaints_mid_max")
    settings = settings_for(store_id)
    changes = audit.diff(settings, {key: values[key] for key in EDITABLE})
    for key in EDITABLE:
        setattr(settings, key, values[key])
    settings.updated_by_id = actor.user_id
    db.session.add(settings)
    db.session.flush()
    audit.record("satisfaction_settings_saved", settings, actor=actor, changes=changes)
    db.session.commit()
    return settings
