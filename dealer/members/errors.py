"""Errors of the membership module: each with a code and a message the user can read."""
from dealer.errors import DomainError


class MembershipError(DomainError):
    code = "members.invalid"
    status = 422


class AlreadyMember(DomainError):
    code = "members.already_member"
    status = 409


class NotAMember(DomainError):
    code = "members.not_a_member"
    status = 409


class NotEnoughPoints(DomainError):
    code = "members.not_enough_points"
    status = 409


class NotEnoughStoredValue(DomainError):
    code = "members.not_enough_stored_value"
    status = 409


class NoFreeItemsLeft(DomainError):
    code = "members.no_free_items_left"
    status = 409


class CampaignError(DomainError):
    code = "members.campaign_invalid"
    status = 422


class EmptyTarget(DomainError):
    code = "members.campaign_target_empty"
    status = 409


class CampaignLaunched(DomainError):
    code = "members.campaign_launched"
    status = 409


class ImportRefused(DomainError):
    """An opening-balance file with bad rows: nothing was imported; `rows` lists (row number, message)."""

    code = "members.import_refused"
    status = 422

    def __init__(self, rows: list[tuple[int, str]], message=None):
        self.rows = rows
        super().__init__(message)


class GiftRefused(DomainError):
    code = "members.gift_refused"
    status = 409


class GiftAlreadyGiven(DomainError):
    code = "members.gift_already_given"
    status = 409


class GiftOutOfStock(DomainError):
    code = "members.gift_out_of_stock"
    status = 409
