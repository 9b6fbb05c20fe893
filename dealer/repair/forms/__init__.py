"""Repair forms, one module per desk: orders (the order page, approvals, workshop, settlement), inspection,
settings. The order desk's forms and labels are importable from here (templates read them as `labels`).
"""
from dealer.repair.forms.orders import (  # noqa: F401
    APPROVAL_METHOD_LABELS, APPROVAL_SUBJECT_LABELS, CATEGORY_LABELS, EVENT_LABELS, FUEL_LABELS,
    JOB_APPROVAL_LABELS, KIND_LABELS, PAYER_LABELS, PAYMENT_METHOD_LABELS, SOURCE_LABELS, WORK_LABELS,
    ApprovalForm, AssignForm, CancelForm, DeclineForm, FindingForm, HoursField, JobForm, LaborLineForm,
    LineEditForm, MultiCheckboxField, OrderEditForm, OrderForm, PartsLineForm, PaymentRow, PercentField,
    QualityCheckForm, QuantityField, ReverseForm, SettleForm, YuanField, store_zone, to_local, to_utc,
)
