"""Format rules for personal identifiers (used by the API serializers and the services)."""

import re
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
# 0 + area code (2–3 digits) + 7–8 digit number, optional extension: 0951-1234567, 01012345678.
LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


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
