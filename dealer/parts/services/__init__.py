"""Parts (配件): the business rules of the catalogue (catalogue.py) and of stock and its ledger (stock.py).

Everything public is importable from here: `from dealer.parts import services` then `services.receive_stock`,
the stock primitives the repair module builds on (`change_on_hand`, `change_reserved`, `record_move`; they
never commit), and the `parts.*` errors. Issuing to a repair line lives in `dealer.repair.services`.
"""
from dealer.parts.errors import InsufficientStock, InvalidInput, PartNumberTaken
from dealer.parts.services.catalogue import (
                                             MAX_FEN,
                                             MAX_QUANTITY,
                                             PartInput,
                                             create_part,
                                             get_part,
                                             list_parts,
                                             low_stock,
                                             normalize_part_number,
                                             qty,
                                             search_parts,
                                             update_part,
)
from dealer.parts.services.stock import (
                                             LedgerPage,
                                             adjust_stock,
                                             change_on_hand,
                                             change_reserved,
                                             check_quantity,
                                             forget_stock,
                                             insufficient_stock,
                                             ledger,
                                             receive_stock,
                                             record_move,
)

__all__ = [
    "MAX_FEN", "MAX_QUANTITY",
    "InsufficientStock", "InvalidInput", "PartNumberTaken",
    "LedgerPage", "PartInput",
    "adjust_stock", "change_on_hand", "change_reserved", "check_quantity", "create_part", "forget_stock",
    "get_part", "insufficient_stock", "ledger", "list_parts", "low_stock", "normalize_part_number", "qty",
    "receive_stock", "record_move", "search_parts", "update_part",
]
