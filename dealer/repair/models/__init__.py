"""Repair tables (维修工单/委托书): orders, jobs, lines, approvals, events, payments, QC; the store's repair
settings and labor catalogue; the multi-point inspection. Everything is importable from here.

Hours are integers in hundredths (1.5 h = 150), part quantities in thousandths, percentages in basis
points (13% = 1300); money is integer fen. `guard` refuses any flush that would change a settled order.
"""
from dealer.repair.models.inspection import InspectionItem, InspectionPhoto, InspectionResult
from dealer.repair.models.orders import (
    ACCIDENT, APPROVAL_METHODS, APPROVED, BODY_PAINT, BOOKING, BY_PHONE, BY_SIGNATURE, CANCELLED,
    COMEBACK_CONFIRMED, COMEBACK_DISMISSED, COMEBACK_PROPOSED, CUSTOMER, DELIVERED, ESTIMATED, FRONT_DESK,
    GENERAL_REPAIR, GREEN, INSPECTION_STATUSES, INSURANCE, INTERNAL, IN_PROGRESS, JOB_APPROVALS, JOB_APPROVED,
    JOB_DECLINED, JOB_ESTIMATE, JOB_PENDING, LABOR, LABOR_CATEGORIES, LINE_KINDS, MAINTENANCE, ONLINE, OPEN,
    ORDER_KINDS, PARTS, PAYERS, PAYMENT_METHODS, QUALITY_CHECK, QUICK_LANE, READY, RED, RESCUE, SETTLED,
    SOURCE_KINDS, STATES, WARRANTY, WARRANTY_PAYER, WORK_DONE, WORK_STARTED, WORK_STATES, WORK_WAITING,
    YELLOW, Approval, JobAssignment, OrderEvent, Payment, QualityCheck, RepairJob, RepairLine, RepairOrder,
    TimeEntry,
)
from dealer.repair.models.settings import (
    LaborOperation, LaborOperationHours, LaborRate, OrderCounter, RepairSettings,
)
from dealer.repair.models.guard import LOCKED_STATES  # noqa: E402  (registers the guard once the tables exist)

__all__ = [
    "ACCIDENT", "APPROVAL_METHODS", "APPROVED", "BODY_PAINT", "BOOKING", "FRONT_DESK", "QUICK_LANE", "RESCUE",
    "SOURCE_KINDS", "BY_PHONE", "BY_SIGNATURE", "CANCELLED",
    "COMEBACK_CONFIRMED", "COMEBACK_DISMISSED", "COMEBACK_PROPOSED", "CUSTOMER", "DELIVERED", "ESTIMATED",
    "GENERAL_REPAIR", "GREEN", "IN_PROGRESS", "INSPECTION_STATUSES", "INSURANCE", "INTERNAL", "JOB_APPROVALS",
    "JOB_APPROVED", "JOB_DECLINED", "JOB_ESTIMATE", "JOB_PENDING", "LABOR", "LABOR_CATEGORIES", "LINE_KINDS",
    "LOCKED_STATES", "MAINTENANCE", "ONLINE", "OPEN", "ORDER_KINDS", "PARTS", "PAYERS", "PAYMENT_METHODS",
    "QUALITY_CHECK", "READY", "RED", "SETTLED", "STATES", "WARRANTY", "WARRANTY_PAYER", "WORK_DONE",
    "WORK_STARTED", "WORK_STATES", "WORK_WAITING", "YELLOW",
    "Approval", "InspectionItem", "InspectionPhoto", "InspectionResult", "JobAssignment", "LaborOperation",
    "LaborOperationHours", "LaborRate", "OrderCounter", "OrderEvent", "Payment", "QualityCheck", "RepairJob",
    "RepairLine", "RepairOrder", "RepairSettings", "TimeEntry",
]
