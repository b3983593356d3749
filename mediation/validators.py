"""Format and plausibility rules: personal identifiers, dates of past events, amounts,
free-text lengths. One copy of each rule, shared by the services (so the API, the web
pages and importers all get it) and the API serializers. Each `*_problem` function says
in Chinese why a value is refused, or returns None."""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from stdnum.cn import uscc

from mediation import choices

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
# 0 + area code (2–3 digits) + 7–8 digit number, optional extension: 0951-1234567, 01012345678.
LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")

# The province-level codes of GB/T 2260 (the first two digits of a resident ID number):
# 22 provinces, 5 autonomous regions, 4 municipalities, Taiwan (71), Hong Kong (81) and
# Macao (82); 83 is the code of the residence permits of Taiwan residents, which follow
# GB 11643 too.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
# GB 32100-2015: registering authority and entity type (digits or letters: N 农业 for
# village collectives, Y 其他, ...), six-digit region, nine-character organisation code,
# check character; the alphabet has no I, O, S, V or Z. (python-stdnum's validate() wants
# the first eight to be digits, which refuses the village collectives' N codes, so only its
# check-character arithmetic is used.)
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")

# Dates of past events (a dispute occurring, an agreement taking effect) are not before
# the founding of the People's Republic, nor in the future.
EARLIEST_EVENT_DATE = date(1949, 10, 1)

# Free text: the long fields (facts, claims, agreement terms, session summaries) and the
# short ones (reasons, notes).
LONG_TEXT_MAX = 20_000
SHORT_TEXT_MAX = 2_000


def resident_id_problem(value: str) -> str | None:
    """Why `value` is not a valid 18-digit resident ID number (GB 11643), or None."""
    value = value.strip().upper()
    if not ID_PATTERN.match(value):
        return "身份证号码应为18位，前17位为数字，最后一位为数字或X。"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效。"
    if born > date.today() or born.year < 1890:
        return "身份证号码中的出生日期无效。"
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK_CHARS[total % 11] != value[17]:
        return "身份证号码校验位错误。"
    return None


def uscc_problem(value: str) -> str | None:
    """Why `value` is not a unified social credit code (GB 32100-2015), or None."""
    value = value.strip().upper()
    if not USCC_PATTERN.match(value):
        return "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）。"
    if uscc.calc_check_digit(value[:17]) != value[17]:
        return "统一社会信用代码校验位错误。"
    return None


def default_id_type(kind: str, id_number: str) -> str:
    """The paper an ID number given without its type is read as: a person's resident ID,
    an organisation's credit code."""
    if not id_number:
        return ""
    if kind == choices.PartyKind.PERSON:
        return choices.IdType.RESIDENT_ID
    return choices.IdType.CREDIT_CODE


def id_number_problem(value: str, id_type: str) -> tuple[str, str] | None:
    """(code, why) if `value` is not a valid number of its type, else None. Resident IDs:
    format, date of birth and check digit (invalid_id_number), a province-level region
    (invalid_region); credit codes: GB 32100 (invalid_uscc). Other papers have no national
    format to check."""
    value = value.strip().upper()
    if id_type == choices.IdType.RESIDENT_ID:
        if ID_PATTERN.match(value) and value[:2] not in PROVINCE_CODES:
            return "invalid_region", "身份证号码前两位不是有效的省级行政区划代码。"
        problem = resident_id_problem(value)
        return ("invalid_id_number", problem) if problem else None
    if id_type == choices.IdType.CREDIT_CODE:
        problem = uscc_problem(value)
        return ("invalid_uscc", problem) if problem else None
    return None


def past_date_problem(value: date) -> str | None:
    """Why `value` cannot be the date of a past event (before 1949-10-01, or after today
    in Beijing), or None. The reason is a predicate: the caller puts the field's name in
    front (纠纷发生日期不能晚于今天。)."""
    if value < EARLIEST_EVENT_DATE:
        return "不能早于1949年10月1日。"
    if value > timezone.localdate():
        return "不能晚于今天。"
    return None


def amount_problem(value: Decimal) -> str | None:
    """Why `value` is not a plausible amount in yuan (negative, or over the
    TIAOJIE_AMOUNT_CAP setting), or None."""
    if value < 0:
        return "金额不能为负数。"
    cap = settings.TIAOJIE_AMOUNT_CAP
    if value > cap:
        return f"金额不能超过{cap:,}元。"
    return None


def text_problem(value: str, limit: int) -> str | None:
    """Why `value` is too long for a free-text field of `limit` characters, or None."""
    if len(value) > limit:
        return f"不能超过{limit}个字（现有{len(value)}个）。"
    return None


def phone_problem(value: str) -> str | None:
    """Why `value` is not a mainland mobile or landline number, or None."""
    value = value.strip().replace(" ", "")
    if MOBILE_PATTERN.match(value) or LANDLINE_PATTERN.match(value):
        return None
    return "电话号码应为11位手机号（1[3-9]开头）或带区号的固定电话。"


def mask_id_number(value: str) -> str:
    """6401**********1234: the first four and last four characters stay."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****0000 for a mobile; landlines keep the area code and the last four digits
    (0951-***4567)."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    if value.startswith("0"):
        if "-" in value:
            area, number = value.split("-", 1)
        else:
            # 010 and 02x are three-digit area codes; the rest have four.
            size = 3 if value[1] in "12" else 4
            area, number = value[:size], value[size:]
            return area + "*" * (len(number) - 4) + number[-4:]
        return f"{area}-" + "*" * (len(number) - 4) + number[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
