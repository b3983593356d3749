"""GB 11643 resident ID numbers, GB 32100 unified social credit codes, mainland phone
numbers, the plausibility rules (dates, amounts, text lengths), and the masks shown to
non-members.

The check digits here are computed by `gb11643_check_digit`, written from the standard
(weights 2^(17-i) mod 11, check characters "10X98765432"), independently of the code under
test; 11010519491231002X is the standard's own worked example.
"""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from committees.models import Mediator
from mediation import choices, routing, services
from mediation.exceptions import InvalidInput
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Party,
    ScreeningReport,
    Transfer,
)
from mediation.validators import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    amount_problem,
    id_number_problem,
    mask_id_number,
    mask_phone,
    past_date_problem,
    phone_problem,
    resident_id_problem,
    text_problem,
    uscc_problem,
)
from tests.builders import make_case
from tests.test_settings import ROOT, start_django

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


# --- plausible values (issue 12, item 3) ---------------------------------------------------
#
# The USCC check characters here are computed by `gb32100_check_character`, written from
# GB 32100-2015 (31 characters without I, O, S, V, Z; weights 3^(i) mod 31; check = 31 minus
# the weighted sum mod 31), independently of the code under test.

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_check_character(first_17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * (3**i % 31) for i, c in enumerate(first_17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(first_17: str) -> str:
    assert len(first_17) == 17
    return first_17 + gb32100_check_character(first_17)


def test_the_independent_uscc_check_matches_a_published_code():
    # 91110000600037341L: a company registered in Beijing (python-stdnum's example)
    assert gb32100_check_character("91110000600037341") == "L"


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",
        uscc("91640106MA75XK3Q1"),  # a company (9 工商, 1 企业) in 金凤区
        uscc("52640106MJ0000123"),  # a social organisation (5 民政)
        uscc("N2640106MF0000456"),  # a village economic cooperative (N 农业)
        uscc("12640100455000001"),  # a public institution (1 机构编制)
        uscc("Y1640106MA0000789"),  # 其他
        "91110000600037341l",  # lower case is read as upper case
    ],
)
def test_valid_unified_social_credit_codes_pass(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize(
    "first_17", ["91110000600037341", "91640106MA75XK3Q1", "N2640106MF0000456"]
)
def test_a_uscc_with_a_wrong_check_character_is_refused(first_17):
    right = gb32100_check_character(first_17)
    wrong = next(c for c in USCC_ALPHABET if c != right)
    assert uscc_problem(first_17 + wrong) == "统一社会信用代码校验位错误。"


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341",  # 17 characters
        "91110000600037341L0",  # 19 characters
        "",
        "9111000060003734IL",  # I is not in the alphabet
        "9111000060003734OL",  # nor O
        "91110000600037341Z",  # nor Z
        "911100A0600037341L",  # the region part is six digits
        "91-110000-600037341",
    ],
)
def test_a_malformed_uscc_is_refused(code):
    assert uscc_problem(code) == "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）。"


def test_a_resident_id_with_no_province_level_region_is_refused():
    # given: numbers right in every other way (date, check digit)
    for prefix in ("000000", "100000", "200000", "390000", "660000", "990000"):
        number = with_check_digit(prefix + "19800101123")

        # then
        assert id_number_problem(number, choices.IdType.RESIDENT_ID) == (
            "invalid_region",
            "身份证号码前两位不是有效的省级行政区划代码。",
        )


@pytest.mark.parametrize("prefix", ["11", "15", "23", "37", "46", "54", "65", "71", "81", "82"])
def test_every_province_level_region_passes(prefix):
    number = with_check_digit(prefix + "010519800101123")
    assert id_number_problem(number, choices.IdType.RESIDENT_ID) is None


def test_id_number_problem_gives_the_code_of_each_rule():
    assert id_number_problem("110105194912310021", choices.IdType.RESIDENT_ID) == (
        "invalid_id_number",
        BAD_CHECK_DIGIT,
    )
    assert id_number_problem("91110000600037341M", choices.IdType.CREDIT_CODE) == (
        "invalid_uscc",
        "统一社会信用代码校验位错误。",
    )
    # passports and other papers have no national format to check
    assert id_number_problem("E12345678", choices.IdType.PASSPORT) is None
    assert id_number_problem("港澳通行证 C1234567", choices.IdType.OTHER) is None


def test_past_event_dates_lie_between_1949_10_01_and_today():
    today = timezone.localdate()
    assert past_date_problem(date(1949, 10, 1)) is None
    assert past_date_problem(today) is None
    assert past_date_problem(today - timedelta(days=1)) is None
    for too_early in (date(1949, 9, 30), date(1800, 1, 1), date(1, 1, 1)):
        assert past_date_problem(too_early) == "不能早于1949年10月1日。"
    for future in (today + timedelta(days=1), date(2099, 12, 31), date(9999, 12, 31)):
        assert past_date_problem(future) == "不能晚于今天。"


def test_today_is_the_date_in_beijing(time_machine):
    # 23:30 UTC on 30 November is already 1 December in Asia/Shanghai
    time_machine.move_to(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), tick=False)

    assert past_date_problem(date(2026, 12, 1)) is None
    assert past_date_problem(date(2026, 12, 2)) == "不能晚于今天。"


def test_amounts_are_capped_at_ten_billion_yuan_by_default():
    assert settings.TIAOJIE_AMOUNT_CAP == 10_000_000_000
    assert amount_problem(Decimal("0")) is None
    assert amount_problem(Decimal("10000000000.00")) is None
    assert amount_problem(Decimal("10000000000.01")) == "金额不能超过10,000,000,000元。"
    assert amount_problem(Decimal("999999999999.99")) == "金额不能超过10,000,000,000元。"
    assert amount_problem(Decimal("-0.01")) == "金额不能为负数。"


def test_the_amount_cap_is_a_setting(settings):
    settings.TIAOJIE_AMOUNT_CAP = 5_000_000

    assert amount_problem(Decimal("5000000")) is None
    assert amount_problem(Decimal("5000000.01")) == "金额不能超过5,000,000元。"


def test_free_text_is_limited_in_characters_not_bytes():
    assert LONG_TEXT_MAX == 20_000
    assert text_problem("纠" * 20_000, LONG_TEXT_MAX) is None  # 60,000 bytes in UTF-8
    assert text_problem("纠" * 20_001, LONG_TEXT_MAX) == "不能超过20000个字（现有20001个）。"
    assert text_problem("", LONG_TEXT_MAX) is None
    assert text_problem("x" * 2_001, SHORT_TEXT_MAX) == "不能超过2000个字（现有2001个）。"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "TIAOJIE_AMOUNT_CAP=0 should be between 1 and 999999999999."),
        ("1000000000000", "TIAOJIE_AMOUNT_CAP=1000000000000 should be between 1 and 999999999999."),
        ("ten billion", "TIAOJIE_AMOUNT_CAP='ten billion' is not an integer."),
    ],
)
def test_a_malformed_amount_cap_stops_start_up(value, message):
    result = start_django(DEBUG="1", TIAOJIE_AMOUNT_CAP=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_amount_cap_is_read_from_the_environment():
    code = "from django.conf import settings; print(settings.TIAOJIE_AMOUNT_CAP)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "TIAOJIE_AMOUNT_CAP": "5000000"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5000000"


# --- the services apply them to every caller (API, pages, importers) ------------------------
#
# Called as an importer would call them: no serializer in front.

BAD_USCC = "91110000600037341M"  # the right check character is L
PERSON = {"role": "applicant", "name": "张某", "id_number": "11010519491231002X"}
OTHER = {"role": "respondent", "name": "李某"}


def register(actor, committee, **fields):
    return make_case(actor, committee, **{"parties": [PERSON, OTHER], **fields})


def written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        CaseNumberCounter.objects.count(),
    )


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"occurred_on": date(1800, 1, 1)}, "date_out_of_range", "occurred_on"),
        ({"occurred_on": "2099-12-31"}, "date_out_of_range", "occurred_on"),
        ({"occurred_on": "31/12/2020"}, "invalid", "occurred_on"),
        ({"amount_involved": Decimal("999999999999.99")}, "amount_too_large", "amount_involved"),
        ({"amount_involved": "a lot"}, "invalid", "amount_involved"),
        ({"amount_involved": Decimal("NaN")}, "invalid", "amount_involved"),
        ({"amount_involved": float("inf")}, "invalid", "amount_involved"),
        ({"amount_involved": Decimal("-1")}, "negative_amount", "amount_involved"),
        ({"facts": "纠" * 20_001}, "max_length", "facts"),
        ({"claims": "纠" * 20_001}, "max_length", "claims"),
        ({"title": "纠" * 201}, "max_length", "title"),
        (
            {"responsible_leader": {"name": "王" * 51, "phone": "13900001111"}},
            "max_length",
            "responsible_leader.name",
        ),
        (
            {"parties": [{**PERSON, "id_number": with_check_digit("99010519800101123")}, OTHER]},
            "invalid_region",
            "parties.0.id_number",
        ),
        (
            {"parties": [PERSON, {**OTHER, "kind": "organisation", "id_number": BAD_USCC}]},
            "invalid_uscc",
            "parties.1.id_number",
        ),
        (
            {"parties": [PERSON, {**OTHER, "id_number": " 11010519491231002x "}]},
            "duplicate_party",
            "parties.1.id_number",
        ),
        ({"parties": [{**PERSON, "name": "张" * 101}, OTHER]}, "max_length", "parties.0.name"),
        (
            {"parties": [PERSON, {**OTHER, "address": "路" * 201}]},
            "max_length",
            "parties.1.address",
        ),
    ],
)
def test_case_register_refuses_implausible_values_and_writes_nothing(
    mediator_a, committee_a, fields, code, field
):
    with pytest.raises(InvalidInput) as refused:
        register(mediator_a, committee_a, **fields)

    assert (refused.value.code, refused.value.extra["field"]) == (code, field)
    assert refused.value.status == 400
    assert written() == (0, 0, 0, 0)


def test_case_register_keeps_plausible_values(mediator_a, committee_a):
    case = register(
        mediator_a,
        committee_a,
        occurred_on=date(1949, 10, 1),
        amount_involved=Decimal("10000000000.00"),
        facts="纠" * 20_000,
        parties=[PERSON, {**OTHER, "kind": "organisation", "id_number": "91110000600037341l"}],
    )

    case = Case.objects.get(pk=case.pk)
    assert (case.occurred_on, case.amount_involved) == (date(1949, 10, 1), Decimal("1e10"))
    assert len(case.facts) == 20_000
    organisation = case.parties.get(role="respondent")
    assert (organisation.id_type, organisation.id_number) == ("credit_code", "91110000600037341L")


def test_case_update_refuses_a_future_date_of_occurrence(mediator_a, committee_a):
    case = register(mediator_a, committee_a)

    with pytest.raises(InvalidInput) as refused:
        services.case_update(
            actor=mediator_a, case=case, occurred_on=timezone.localdate() + timedelta(days=1)
        )

    assert refused.value.code == "date_out_of_range"
    assert Case.objects.get(pk=case.pk).occurred_on is None


def test_a_judicial_confirmation_cannot_be_applied_for_in_the_future(
    mediator_a, director_a, committee_a
):
    # given: a written agreement that took effect today (the window runs 30 days ahead)
    case = register(mediator_a, committee_a)
    mediator = Mediator.objects.get(user=mediator_a)
    case = services.case_accept(actor=director_a, case=case, mediator_ids=[mediator.id])
    case = services.case_conclude(
        actor=mediator_a,
        case=case,
        outcome="success",
        agreement={"form": "written", "terms": "赔偿8000元。"},
    )

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_record_judicial_confirmation(
            actor=mediator_a,
            case=case,
            applied_on=timezone.localdate() + timedelta(days=5),
            court="金凤区人民法院",
            result="pending",
            joint=True,
        )

    # then
    assert (refused.value.code, refused.value.extra["field"]) == ("date_out_of_range", "applied_on")
    assert Agreement.objects.get(case=case).judicial_applied_on is None


def test_reasons_and_notes_are_limited_too(mediator_a, director_a, committee_a):
    case = register(mediator_a, committee_a)

    with pytest.raises(InvalidInput) as declined:
        services.case_decline(actor=director_a, case=case, reason="理" * 2_001)
    with pytest.raises(InvalidInput) as withdrawn:
        services.case_withdraw(actor=mediator_a, case=case, reason="理" * 2_001)

    assert declined.value.code == withdrawn.value.code == "max_length"
    assert Case.objects.get(pk=case.pk).status == "registered"


def test_a_transfer_reason_and_a_screening_note_are_limited_too(
    mediator_a, director_a, committee_a, committee_b
):
    case = register(mediator_a, committee_a)

    with pytest.raises(InvalidInput) as transfer:
        routing.transfer_request(
            actor=director_a, case=case, to_committee=committee_b, kind="reassign",
            reason="理" * 2_001,
        )  # fmt: skip
    with pytest.raises(InvalidInput) as report:
        services.screening_report_file(
            actor=mediator_a,
            committee=committee_a,
            period=f"{timezone.localdate():%Y-%m}",
            disputes_found=1,
            notes="说" * 2_001,
        )

    assert (transfer.value.code, transfer.value.extra["field"]) == ("max_length", "reason")
    assert (report.value.code, report.value.extra["field"]) == ("max_length", "notes")
    assert not Transfer.objects.exists()
    assert not ScreeningReport.objects.exists()
