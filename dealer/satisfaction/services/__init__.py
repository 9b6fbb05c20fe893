"""The satisfaction module's services: follow-ups and their forms and calls, complaints, the month sheet."""
from dealer.satisfaction.services.complaints import (  # noqa: F401  (the module's public services)
    STEPS,
    ComplaintInput,
    PublicComplaintInput,
    StepInput,
    complaint_step,
    get_complaint,
    name_technician,
    public_store,
    receive_complaint,
    submit_public_complaint,
)
from dealer.satisfaction.services.follow_ups import (  # noqa: F401
    VERIFY_DONE,
    VERIFY_NONE,
    VERIFY_PENDING,
    VERIFY_UNREACHABLE,
    CallInput,
    FormInput,
    Grades,
    case_reason,
    close_case,
    follow_up_by_token,
    get_follow_up,
    open_follow_up,
    record_call,
    settings_for,
    submit_feedback,
)
from dealer.satisfaction.services.month import Sheet, month_sheet, next_month, previous_month, sign_month  # noqa: F401
from dealer.satisfaction.services.notes import NoteInput, record_note  # noqa: F401, E402
from dealer.satisfaction.services.settings import EDITABLE, save_settings  # noqa: F401, E402
