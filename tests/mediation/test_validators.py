"""GB 11643 resident ID numbers, mainland phone numbers, and the masks shown to
non-members.

The check digits here are computed by `gb11643_check_digit`, written from the standard
(weights 2^(17-i) mod 11, check characters "10X98765432"), independently of the code under
test; 11010519491231002X is the standard's own worked example.
"""

import pytest

from mediation.validators import mask_id_number, mask_phone, phone_problem, resident_id_problem

BAD_CHECK_DIGIT = "身份证号码校验位错误。"
BAD_BIRTH_DATE = "身份证号码中的出生日期无效。"
BAD_FORMAT = "身份证号码应为18位，前17位为数字，最后一位为数字或X。"


def gb11643_check_digit(first_17: str) -> str:
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first_17))
    return "10X98765432"[total % 11]


def with_check_digit(first_17: str) -> str:
    assert len(first_17) == 17
    return first_17 + gb11643_check_digit(first_17)


def wrong_check_digit(first_17: str) -> str:
    right = gb11643_check_digit(first_17)
    return first_17 + next(c for c in "0123456789X" if c != right)


def test_the_independent_check_digit_matches_the_standards_example():
    assert gb11643_check_digit("11010519491231002") == "X"


# --- GB 11643 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the standard's example; check digit X
        with_check_digit("11010119900307013"),
        with_check_digit("64010419800101123"),  # 宁夏银川 (the district's own prefix)
        with_check_digit("44030419851010001"),
        with_check_digit("11010520000229002"),  # 29 February of a leap year
        with_check_digit("32010619701231009"),
    ],
)
def test_valid_resident_id_numbers_pass(number):
    assert resident_id_problem(number) is None


def test_the_computed_numbers_include_the_known_ones():
    assert with_check_digit("11010119900307013") == "110101199003070134"
    assert with_check_digit("11010520000229002") == "110105200002290021"


@pytest.mark.parametrize(
    "first_17",
    ["11010519491231002", "11010119900307013", "64010419800101123", "11010520000229002"],
)
def test_a_wrong_check_digit_is_refused(first_17):
    assert resident_id_problem(wrong_check_digit(first_17)) == BAD_CHECK_DIGIT


@pytest.mark.parametrize(
    "first_17",
    [
        "11010519491331002",  # month 13
        "11010519490031002",  # month 00
        "11010519490230002",  # 30 February
        "11010519490229002",  # 29 February of a common year
        "11010519490431002",  # 31 April
        "11010519491200002",  # day 00
        "11010519491232002",  # day 32
        "11010520900101002",  # born in the future
        "11010518800101002",  # before 1890
    ],
)
def test_an_impossible_birth_date_is_refused_even_with_a_right_check_digit(first_17):
    assert resident_id_problem(with_check_digit(first_17)) == BAD_BIRTH_DATE


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002",  # 17 characters
        "11010519491231002X0",  # 19 characters
        "110105491231002",  # the old 15-digit form
        "",
        "11010519491231002A",  # a letter other than X
        "1101051949123100X2",  # X not in last place
        "A1010519491231002X",
        "11010519491231002Y",
        "ABCDEFGHIJKLMNOPQR",
        "110105-1949123100",
    ],
)
def test_wrong_length_or_letters_are_refused(number):
    assert resident_id_problem(number) == BAD_FORMAT


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13800000000",
        "19912345678",
        "15012345678",
        "0951-1234567",
        "01012345678",
        "010-12345678",
        "0951-1234567-801",  # with an extension
        "138 0000 0000",
    ],
)
def test_valid_phone_numbers_pass(phone):
    assert phone_problem(phone) is None


@pytest.mark.parametrize(
    "phone",
    [
        "12800000000",  # no mobile starts with 12
        "10012345678",
        "1380000000",  # 10 digits
        "138000000000",  # 12 digits
        "abc",
        "1380000000a",
        "951-1234567",  # no leading 0
        "0951-123456",  # 6-digit local number
        "",
    ],
)
def test_invalid_phone_numbers_are_refused(phone):
    assert phone_problem(phone) == "电话号码应为11位手机号（1[3-9]开头）或带区号的固定电话。"


# --- masks --------------------------------------------------------------------------------


def test_an_id_number_keeps_its_first_and_last_four_characters():
    assert mask_id_number("640104198001011234") == "6401**********1234"
    assert mask_id_number("11010519491231002X") == "1101**********002X"


def test_a_mobile_keeps_its_first_three_and_last_four_digits():
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone("19912345678") == "199****5678"


def test_a_landline_keeps_its_area_code_and_last_four_digits():
    # mask_phone's own promise: "landlines keep the area code and the last four digits"
    assert mask_phone("0951-1234567") == "0951-***4567"


def test_short_or_empty_values_are_masked_whole():
    assert mask_id_number("") == ""
    assert mask_phone("") == ""
    assert mask_id_number("A1234567") == "********"
    assert mask_phone("1234567") == "*******"
