"""Quick lane (快修区): the business rules. packages: express packages, lane settings and the shift;
lane: the queue, the quote and opening an order; stages: the stage machine; steps: the repair order's own
steps each tap takes; extra: extra work found in the bay and the owner's answer; day: closing the day; reminders: the reminder to
close it. Each public service commits once
(opening commits through repair's open_order)."""
from dealer.quicklane.services.day import carry_over, close_lane_order  # noqa: F401
from dealer.quicklane.services.extra import (  # noqa: F401
    CONSENT_LABELS,
    CONSENT_METHODS,
    Consent,
    ExtraInput,
    ExtraOffer,
    answer_extra_work,
    extra_offer,
    pieces_of,
    report_extra_work,
)
from dealer.quicklane.services.lane import (  # noqa: F401
    LaneInput,
    Quote,
    as_car,
    lane_of,
    lane_snapshot,
    open_lane_order,
    queue_of,
    quote,
    refresh_estimates,
)
from dealer.quicklane.services.packages import (  # noqa: F401
    PACKAGE_LOADS,
    CloseReminder,
    ItemInput,
    LoungeDisplay,
    PackageInput,
    catalogue_choices,
    get_package,
    lane_now,
    lane_settings,
    lane_technicians,
    package_choices,
    packages_of,
    save_package,
    save_settings,
    set_shift,
    store_managers,
    suggest_package,
    suggested_package,
)
from dealer.quicklane.services.reminders import remind_to_close_day, reminder_of  # noqa: F401
from dealer.quicklane.services.stages import (  # noqa: F401
    STAGE_LABELS,
    STAGE_ROLES,
    get_lane_order,
    move,
    next_stage,
)
