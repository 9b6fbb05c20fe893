"""Mobile numbers, plates and VINs as the front desk types them (pure functions, no database)."""
import pytest

from dealer.customers.validators import (
    InvalidValue,
    mask_phone,
    normalize_mobile,
    normalize_phone,
    normalize_plate,
    normalize_vin,
    vin_check_digit,
)

# The classic ISO 3779 / North American example, check digit X.
ISO_EXAMPLE_VIN = "1M8GDM9AXKP042788"
# FAW-Volkswagen (WMI LFV), 2018 model year (J), Changchun plant (3); check digit computed below.
FAW_VW_VIN = "LFV3A23C9J3012345"


# -- mobile numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                   "+8613812345678", "008613812345678", "１３８１２３４５６７８", "＋８６13812345678"])
def test_normalize_mobile_accepts_the_ways_people_type_it(typed):
    assert normalize_mobile(typed) == "13812345678"


@pytest.mark.parametrize("number", ["19912345678", "16612345678", "15012345678"])
def test_normalize_mobile_accepts_every_carrier_range(number):
    assert normalize_mobile(number) == number


@pytest.mark.parametrize("typed", ["", "1381234567", "138123456789", "23812345678", "1381234567a",
                                   "12012345678", "10012345678", "8613812345678", "010-12345678"])
def test_normalize_mobile_refuses_what_is_not_a_mainland_mobile(typed):
    with pytest.raises(InvalidValue) as caught:
        normalize_mobile(typed)
    assert caught.value.code == "invalid_value"
    assert caught.value.field == "mobile"
    assert caught.value.status == 422


def test_normalize_mobile_names_the_field_it_was_given():
    with pytest.raises(InvalidValue) as caught:
        normalize_mobile("123", field="new_owner_mobile")
    assert caught.value.field == "new_owner_mobile"


def test_normalize_phone_accepts_a_mobile_or_a_landline_with_area_code():
    assert normalize_phone("+86 139 1234 5678") == "13912345678"
    assert normalize_phone("010-12345678") == "01012345678"
    assert normalize_phone("0755 8888 6666") == "075588886666"


def test_normalize_phone_refuses_garbage():
    with pytest.raises(InvalidValue) as caught:
        normalize_phone("12345")
    assert caught.value.field == "phone2"


@pytest.mark.parametrize("value, masked", [("13812345678", "138****5678"), ("01012345678", "010****5678"),
                                           ("", ""), (None, ""), ("1234567", "****")])
def test_mask_phone_keeps_the_first_3_and_last_4_digits(value, masked):
    assert mask_phone(value) == masked


# -- plates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, plate", [
    ("粤B12345", "粤B12345"),          # ordinary 7 characters
    ("京A8C6K9", "京A8C6K9"),          # letters in the serial
    ("粤B1234学", "粤B1234学"),        # driving-school car
    ("沪A1234挂", "沪A1234挂"),        # trailer
    ("粤BD12345", "粤BD12345"),        # new-energy small, pure electric (D)
    ("粤BFA1234", "粤BFA1234"),        # new-energy small, not pure electric (F), then a letter
    ("苏E12345D", "苏E12345D"),        # new-energy large: 5 digits then D/F
    ("浙A12345F", "浙A12345F"),
    ("粤b 12345", "粤B12345"),         # lowercase and a space
    ("粤B·123 45", "粤B12345"),        # the dot printed on the plate
    ("粤Ｂ１２３４５", "粤B12345"),     # full-width from a Chinese IME
    (" 京ad12345 ", "京AD12345"),
])
def test_normalize_plate_returns_the_canonical_form(typed, plate):
    assert normalize_plate(typed) == plate


@pytest.mark.parametrize("typed", [
    "",
    "粤B1234",        # 6 characters
    "粤B1234567",     # 9 characters
    "港A12345",       # not a province abbreviation
    "AB12345",        # no province
    "粤112345",       # issuing office must be a letter
    "粤I12345",       # letter I never used
    "粤O12345",       # letter O never used
    "粤B1O345",       # not in the serial either
    "粤B12I45",
    "粤BD1234A",      # new-energy small: last 4 are digits
    "粤BI12345",      # new-energy small: no I
    "粤B1234D5",      # neither shape
    "粤B12345X",      # new-energy large ends in D or F only
])
def test_normalize_plate_refuses_invalid_plates(typed):
    with pytest.raises(InvalidValue) as caught:
        normalize_plate(typed)
    assert caught.value.field == "plate"
    assert caught.value.code == "invalid_value"


# -- VINs --------------------------------------------------------------------------------------

def test_vin_check_digit_of_the_iso_3779_example_is_x():
    assert vin_check_digit(ISO_EXAMPLE_VIN) == "X"


def test_vin_check_digit_ignores_position_9():
    assert vin_check_digit(FAW_VW_VIN) == vin_check_digit(FAW_VW_VIN[:8] + "0" + FAW_VW_VIN[9:]) == "9"


@pytest.mark.parametrize("vin", [ISO_EXAMPLE_VIN, FAW_VW_VIN, "LFV2A21K8A3000001"])
def test_normalize_vin_accepts_real_vins(vin):
    assert normalize_vin(vin) == vin


def test_normalize_vin_folds_lowercase_spaces_and_full_width():
    assert normalize_vin(" lfv3a23c9j 301 2345 ") == FAW_VW_VIN
    assert normalize_vin("ＬＦＶ３Ａ２３Ｃ９Ｊ３０１２３４５") == FAW_VW_VIN


@pytest.mark.parametrize("vin", ["", "LFV3A23C9J301234", "LFV3A23C9J30123456"])
def test_normalize_vin_refuses_the_wrong_length(vin):
    with pytest.raises(InvalidValue) as caught:
        normalize_vin(vin)
    assert caught.value.field == "vin"
    assert "17" in str(caught.value.message)


@pytest.mark.parametrize("letter", "IOQ")
def test_normalize_vin_refuses_letters_i_o_q(letter):
    vin = FAW_VW_VIN[:11] + letter + FAW_VW_VIN[12:]
    with pytest.raises(InvalidValue) as caught:
        normalize_vin(vin)
    assert "I, O" in str(caught.value.message)


def test_normalize_vin_refuses_punctuation():
    with pytest.raises(InvalidValue):
        normalize_vin("LFV3A23C9J30123_5")


@pytest.mark.parametrize("position, typo", [(16, "6"), (3, "B"), (10, "8"), (8, "X")])
def test_normalize_vin_refuses_a_single_typo_through_the_check_digit(position, typo):
    vin = FAW_VW_VIN[:position] + typo + FAW_VW_VIN[position + 1:]
    assert vin != FAW_VW_VIN and len(vin) == 17
    with pytest.raises(InvalidValue) as caught:
        normalize_vin(vin)
    assert caught.value.field == "vin"
    assert "check digit" in str(caught.value.message)
