"""Validate and normalise what the front desk types: mobile numbers, plates, VINs.

Each function returns the normalised value or raises InvalidValue with a message for the user.
"""
from __future__ import annotations

import re
import unicodedata

import phonenumbers
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class InvalidValue(DomainError):
    code = "invalid_value"
    status = 422


def _fold(value: str) -> str:
    # Full-width letters and digits (common from Chinese IMEs) to ASCII; drop spaces and separators.
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-·•.]", "", value).upper()


def normalize_mobile(value: str, field: str = "mobile") -> str:
    """Return an 11-digit mainland China mobile number. Raises InvalidValue."""
    digits = _fold(value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not re.fullmatch(r"1\d{10}", digits):
        raise InvalidValue(_l("Enter an 11-digit mainland mobile number, e.g. 13812345678."), field=field)
    number = phonenumbers.parse(digits, "CN")
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidValue(_l("%(number)s is not a valid mainland mobile number.", number=digits), field=field)
    return digits


def normalize_phone(value: str, field: str = "phone2") -> str:
    """Return a mainland mobile or landline number (digits, landlines with their area code)."""
    folded = _fold(value)
    if re.fullmatch(r"(\+86|0086)?1\d{10}", folded):
        return normalize_mobile(folded, field)
    number = None
    try:
        number = phonenumbers.parse(folded, "CN")
    except phonenumbers.NumberParseException:
        pass
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidValue(_l("Enter a mobile number or a landline with its area code, e.g. 010-12345678."),
                           field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "")


def mask_phone(value: str | None) -> str:
    """138****5678: the first 3 and last 4 digits of a phone number."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"


# Province abbreviations on civil plates (GA 36-2018).
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"        # I and O are not used on plates
_ALNUM = "A-HJ-NP-Z0-9"
_PLATE_PATTERNS = (
    # Ordinary 7-character plate: 京A12345, 粤B1234学, 沪A1234挂, 粤Z1234港
    re.compile(rf"[{PROVINCES}][{_LETTER}][{_ALNUM}]{{4}}[{_ALNUM}挂学警港澳领试超]"),
    # New-energy small car: D/F (or A-K for newer series), a letter or digit, then 4 digits,
    # e.g. 京AD12345, 沪AFA1234
    re.compile(rf"[{PROVINCES}][{_LETTER}][A-HJK][{_ALNUM}]\d{{4}}"),
    # New-energy large vehicle: 5 digits then D/F, e.g. 粤B12345D
    re.compile(rf"[{PROVINCES}][{_LETTER}]\d{{5}}[DF]"),
)


def normalize_plate(value: str, field: str = "plate") -> str:
    """Return a plate in canonical form (upper case, no separators). Raises InvalidValue."""
    plate = _fold(value)
    if not any(p.fullmatch(plate) for p in _PLATE_PATTERNS):
        raise InvalidValue(
            _l("%(plate)s is not a valid plate: 7 characters (e.g. 京A12345) or 8 for new-energy vehicles "
               "(e.g. 京AD12345).", plate=plate or "-"), field=field)
    return plate


# VIN check digit (GB 16735 / ISO 3779, position 9): letter values and position weights.
_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """Return the check digit ('0'-'9' or 'X') for a 17-character VIN (position 9 is ignored)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(value: str, field: str = "vin") -> str:
    """Return a valid VIN in upper case. Raises InvalidValue (length, letters I/O/Q, check digit)."""
    vin = _fold(value)
    if len(vin) != 17:
        raise InvalidValue(_l("A VIN has 17 characters; %(n)d given.", n=len(vin)), field=field)
    if re.search("[IOQ]", vin):
        raise InvalidValue(_l("A VIN never contains the letters I, O or Q."), field=field)
    if not re.fullmatch("[A-HJ-NPR-Z0-9]{17}", vin):
        raise InvalidValue(_l("A VIN has only letters and digits."), field=field)
    expected = vin_check_digit(vin)
    if vin[8] != expected:
        raise InvalidValue(_l("The VIN's check digit (9th character) does not match: please check for a typo."),
                           field=field)
    return vin
