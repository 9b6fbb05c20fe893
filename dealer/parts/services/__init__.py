"""Parts (配件): the business rules of the catalogue (catalogue.py) and of stock and its ledger (stock.py).

Everything public is importable from here: `from dealer.parts import services` then `services.issue_to_line`,
`services.reserve_line` (the repair module's helpers, which never commit), and the `parts.*` errors.
"""
from dealer.parts.services.catalogue import (MAX_FEN, MAX_QUANTITY, InvalidInput, PartInput, PartNumberTaken,
                                             create_part, get_part, list_parts, low_stock,
                                             normalize_part_number, qty, search_parts, update_part)
from dealer.parts.services.stock import (CLOSED_STATES, ISSUE_STATES, ExceedsIssued, ExceedsLine,
                                         InsufficientStock, JobNotApproved, LedgerPage, LineView,
                                         NotAPartsLine, OrderClosed, OrderNotInWorkshop, adjust_stock,
                                         issue_queue, issue_to_line, ledger, open_lines, receive_stock,
                                         release_line, reserve_line, return_from_line)

__all__ = [
    "CLOSED_STATES", "ISSUE_STATES", "MAX_FEN", "MAX_QUANTITY",
    "ExceedsIssued", "ExceedsLine", "InsufficientStock", "InvalidInput", "JobNotApproved", "NotAPartsLine",
    "OrderClosed", "OrderNotInWorkshop", "PartNumberTaken",
    "LedgerPage", "LineView", "PartInput",
    "adjust_stock", "create_part", "get_part", "issue_queue", "issue_to_line", "ledger", "list_parts",
    "low_stock", "normalize_part_number", "open_lines", "qty", "receive_stock", "release_line",
    "reserve_line", "return_from_line", "search_parts", "update_part",
]
