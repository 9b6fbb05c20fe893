"""The rescue module's business rules; each public function commits once (or, for a tow-in, once per step)."""
from dealer.rescue.services.claims import (  # noqa: F401
    ClaimInput,
    claim_of,
    move_claim,
    open_claims_by_state,
    save_claim,
)
from dealer.rescue.services.common import CALL_LOADS, get_call, lock_call, responders  # noqa: F401
from dealer.rescue.services.crew import crew_call, crew_position, crew_step, photo_path  # noqa: F401
from dealer.rescue.services.dispatch import (  # noqa: F401
    advance_call,
    cancel_call,
    check_guards,
    dispatch_call,
    token_hash,
)
from dealer.rescue.services.handover import acknowledge_handover, write_handover  # noqa: F401
from dealer.rescue.services.intake import (  # noqa: F401
    IntakeInput,
    clean_phone,
    ensure_customer,
    priority_of,
    record_guard,
    save_intake,
)
from dealer.rescue.services.settings import (  # noqa: F401
    CoverageInput,
    coverage_of,
    eta_model,
    learn_eta,
    set_map_source,
    set_station_coverage,
    settings_by_store,
    settings_of,
    update_settings,
)
from dealer.rescue.services.tow_in import link_vehicle, open_tow_in_order  # noqa: F401
from dealer.rescue.services.units import UnitInput, create_unit, list_units, report_unit  # noqa: F401
