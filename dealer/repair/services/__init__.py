"""Repair (维修): the business rules, one module per desk; everything public is importable from here.

common: loading and locking an order, recording a step; orders: opening an order (接车), its jobs and lines;
pricing: an order's price and the owner's approved limit (费用安心); workflow: the state machine, who may do
what now (`allowed_actions`), the estimate and the owner's approvals; workshop: dispatch (派工), the clock,
quality check (质检); settlement: settle (结算), deliver (交车), cancel, reverse (红冲); parts_counter:
issuing parts to repair lines and reserving them; quality: comebacks (返修) and the month's figures;
settings: the store's repair settings and labor catalogue; inspection and photos: the multi-point
inspection (多项检查). Reads for pages live in `dealer.repair.queries`.

Each public service commits once; helpers flush, never commit.
"""
from dealer.repair.errors import (  # noqa: F401
    ApprovalWouldBeExceeded,
    ComebackError,
    DiscountNeedsManager,
    ExceedsIssued,
    ExceedsLine,
    FindingAlreadyProposed,
    FindingProposed,
    IllegalTransition,
    InspectionError,
    InvalidPhoto,
    InvalidSetting,
    ItemCodeTaken,
    JobLocked,
    JobNotApproved,
    NotAPartsLine,
    NotAssigned,
    OperationCodeTaken,
    OrderClosed,
    OrderLocked,
    OrderNotInWorkshop,
    PhotoNotStored,
    PhotoTooLarge,
    RepairError,
    WorkflowError,
)
from dealer.repair.services.common import (  # noqa: F401
    BILLED,
    EDITABLE_STATES,
    PROPOSED,
    QUOTED,
    get_job,
    get_line,
    get_order,
    get_order_row,
    jobs_of,  # for the modules built on repair (quicklane's extra work): an order's jobs with their lines
    lock_order,
    record_event,
    require_state,
)
from dealer.repair.services.orders import (  # noqa: F401
    LineInput,
    OrderInput,
    OrderSource,
    add_job,
    add_line,
    new_job,
    new_line,
    open_order,
    remove_job,
    remove_line,
    update_line,
    update_order,
)
from dealer.repair.services.parts_counter import (  # noqa: F401
    CLOSED_STATES,
    ISSUE_STATES,
    issue_line,
    issue_to_line,
    release_line,
    reserve_line,
    return_from_line,
)
from dealer.repair.services.pricing import (  # noqa: F401
    lines_of,
    pending_prices,
    price,
    reprice,
    reprice_without_limit,
)
from dealer.repair.services.quality import (  # noqa: F401
    confirm_comeback,
    dismiss_comeback,
    quality_figures,
    time_figures,
)
from dealer.repair.services.settings import (  # noqa: F401
    labor_rate,
    settings_for,
)
from dealer.repair.services.settlement import (  # noqa: F401
    PaymentInput,
    cancel,
    deliver,
    hand_over,
    reverse,
    settle,
)
from dealer.repair.services.workflow import (  # noqa: F401
    ACTION_LABELS,
    ACTION_ROLES,
    ACTIONS,
    ADVISORS,
    ASSIGN_STATES,
    EXTRA_WORK_STATES,
    INSPECTORS,
    ORDER_ACTIONS,
    REPAIR_STAFF,
    REVERSERS,
    SETTLERS,
    STATE_LABELS,
    TECHNICIANS,
    TRANSITIONS,
    ApprovalInput,
    accept_estimate,
    accept_extra_work,
    allowed_actions,
    approve_estimate,
    approve_extra_work,
    decline_extra_work,
    decode_signature,
    in_order,
    may,
    refuse_extra_work,
    require_transition,
    submit_estimate,
    transition,
)
from dealer.repair.services.workshop import (  # noqa: F401
    QC_ITEMS,
    QualityCheckInput,
    assign_job,
    assign_technicians,
    clock_off,
    clock_on,
    dispatch,
    finish_job,
    mark_job_done,
    record_quality_check,
    request_quality_check,
    send_to_quality_check,
    send_to_workshop,
    sign_quality_check,
)
