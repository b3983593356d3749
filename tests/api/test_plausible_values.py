"""Plausible values only (issue 12, item 3; docs/api.md "Added in v1.1", errors and plausibility).

Values that used to be stored and pollute the statistics: a dispute in 1800 or 2099, an
amount of a trillion yuan, a credit code with a wrong check character, an ID number of no
province, one person as both applicant and respondent, megabytes of facts. Each answers
400 with a stable code and a Chinese `detail`, and writes nothing: no case, no party, no
history, no number taken. The rules live in the domain (mediation.validators, called by
the services), so a referral from a partner and an edit meet them too.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from committees.models import Mediator
from mediation import services
from mediation.models import Agreement, Case, CaseEvent, CaseNumberCounter, Party

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
REFERRALS = "/api/v1/referrals/"
ID_NUMBER = "11010519491231002X"  # valid under GB 11643 (the standard's own example)
OTHER_ID_NUMBER = "640104198001011235"
CREDIT_CODE = "91110000600037341L"  # valid under GB 32100
CREDIT_CODE_WRONG_CHECK = "91110000600037341M"
# 000000 19800101 123 + the right GB 11643 check digit: right in every way but the region.
NO_PROVINCE_ID_NUMBER = "000000198001011235"

APPLICANT = {"role": "applicant", "kind": "person", "name": "张某", "id_number": ID_NUMBER}
RESPONDENT = {"role": "respondent", "kind": "person", "name": "李某"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def today() -> date:
    return timezone.localdate()


def body(committee, **overrides) -> dict:
    data = {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "楼上漏水纠纷",
        "facts": "楼上卫生间漏水，楼下天花板受损。",
        "claims": "赔偿维修费用",
        "amount_involved": "8000.00",
        "occurred_on": str(today() - timedelta(days=3)),
        "parties": [dict(APPLICANT), dict(RESPONDENT)],
    }
    data.update(overrides)
    return data


def written_rows() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        CaseNumberCounter.objects.count(),
    )


def organisation(id_number: str, **extra) -> dict:
    return {"role": "respondent", "kind": "organisation", "name": "宏达建筑公司",
            "id_number": id_number, **extra}  # fmt: skip


REFUSED = [
    pytest.param({"occurred_on": "1800-01-01"}, "date_out_of_range", id="occurred-1800"),
    pytest.param({"occurred_on": "1949-09-30"}, "date_out_of_range", id="occurred-before-prc"),
    pytest.param({"occurred_on": "2099-12-31"}, "date_out_of_range", id="occurred-2099"),
    pytest.param(
        {"amount_involved": "999999999999.99"}, "amount_too_large", id="amount-a-trillion"
    ),
    pytest.param(
        {"amount_involved": "10000000000.01"}, "amount_too_large", id="amount-over-the-cap"
    ),
    pytest.param(
        {"parties": [APPLICANT, organisation(CREDIT_CODE_WRONG_CHECK)]},
        "invalid_uscc",
        id="uscc-check-character",
    ),
    pytest.param(
        {"parties": [APPLICANT, organisation(CREDIT_CODE_WRONG_CHECK, id_type="credit_code")]},
        "invalid_uscc",
        id="uscc-check-character-typed",
    ),
    pytest.param(
        {"parties": [APPLICANT, organisation("9111000060003734")]},
        "invalid_uscc",
        id="uscc-too-short",
    ),
    pytest.param(
        {"parties": [{**APPLICANT, "id_number": NO_PROVINCE_ID_NUMBER}, RESPONDENT]},
        "invalid_region",
        id="id-number-no-province",
    ),
    pytest.param(
        {"parties": [APPLICANT, {**RESPONDENT, "id_number": ID_NUMBER}]},
        "duplicate_party",
        id="same-person-both-sides",
    ),
    pytest.param(
        {"parties": [APPLICANT, {**RESPONDENT, "id_number": ID_NUMBER.lower()}]},
        "duplicate_party",
        id="same-person-lower-case-x",
    ),
    pytest.param(
        {"parties": [APPLICANT, {**APPLICANT, "name": "张某某"}, RESPONDENT]},
        "duplicate_party",
        id="same-applicant-twice",
    ),
    pytest.param({"facts": "纠" * 20_001}, "max_length", id="facts-too-long"),
    pytest.param({"claims": "x" * 20_001}, "max_length", id="claims-too-long"),
]


@pytest.mark.parametrize(("override", "code"), REFUSED)
def test_an_implausible_registration_is_400_with_a_stable_code_and_writes_nothing(
    client_for, mediator_a, committee_a, override, code
):
    client = client_for(mediator_a)

    # when
    response = client.post(CASES, body(committee_a, **override), format="json")

    # then
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert CHINESE.search(response.json()["detail"]), response.json()["detail"]
    assert written_rows() == (0, 0, 0, 0)
    # and the number it would have taken is still free
    good = client.post(CASES, body(committee_a), format="json")
    assert good.status_code == 201, good.content
    assert good.json()["number"].endswith("第00001号")


def test_the_details_say_what_is_wrong_in_chinese(client_for, mediator_a, committee_a):
    client = client_for(mediator_a)

    def detail(**override) -> dict:
        response = client.post(CASES, body(committee_a, **override), format="json")
        assert response.status_code == 400, response.content
        return {k: v for k, v in response.json().items() if k in ("detail", "field", "limit")}

    assert detail(occurred_on="2099-12-31") == {
        "detail": "纠纷发生日期不能晚于今天。",
        "field": "occurred_on",
    }
    assert detail(occurred_on="1800-01-01")["detail"] == "纠纷发生日期不能早于1949年10月1日。"
    assert detail(amount_involved="999999999999.99") == {
        "detail": "金额不能超过10,000,000,000元。",
        "field": "amount_involved",
    }
    assert detail(facts="纠" * 20_001) == {
        "detail": "纠纷事实不能超过20000个字（现有20001个）。",
        "field": "facts",
        "limit": 20_000,
    }
    assert detail(parties=[APPLICANT, {**RESPONDENT, "id_number": ID_NUMBER}]) == {
        "detail": "同一当事人不能在一个案件中出现两次（证件号码重复）。",
        "field": "parties.1.id_number",
    }
    region = client.post(
        CASES,
        body(committee_a, parties=[{**APPLICANT, "id_number": NO_PROVINCE_ID_NUMBER}, RESPONDENT]),
        format="json",
    ).json()
    # (the service answers for the party's papers, naming the field a form shows it beside)
    assert region == {
        "detail": "身份证号码前两位不是有效的省级行政区划代码。",
        "code": "invalid_region",
        "field": "parties.0.id_number",
    }


ACCEPTED = [
    pytest.param({"occurred_on": "1949-10-01"}, id="occurred-on-the-founding-day"),
    pytest.param({"amount_involved": "10000000000.00"}, id="amount-at-the-cap"),
    pytest.param({"amount_involved": "0.00"}, id="amount-zero"),
    pytest.param({"parties": [APPLICANT, organisation(CREDIT_CODE)]}, id="valid-uscc"),
    pytest.param(
        {"parties": [APPLICANT, organisation(CREDIT_CODE.lower())]}, id="valid-uscc-lower-case"
    ),
    pytest.param(
        {"parties": [APPLICANT, {**RESPONDENT, "id_number": OTHER_ID_NUMBER}]},
        id="two-people-two-numbers",
    ),
    pytest.param(
        {"parties": [APPLICANT, RESPONDENT, {**RESPONDENT, "name": "王某"}]},
        id="parties-without-numbers-are-not-compared",
    ),
    pytest.param({"facts": "纠" * 20_000, "claims": "x" * 20_000}, id="texts-at-the-limit"),
]


@pytest.mark.parametrize("override", ACCEPTED)
def test_plausible_values_at_the_edges_are_accepted(client_for, mediator_a, committee_a, override):
    response = client_for(mediator_a).post(CASES, body(committee_a, **override), format="json")

    assert response.status_code == 201, response.content


def test_today_is_a_plausible_date_of_occurrence(client_for, mediator_a, committee_a):
    response = client_for(mediator_a).post(
        CASES, body(committee_a, occurred_on=str(today())), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["occurred_on"] == str(today())
    tomorrow = client_for(mediator_a).post(
        CASES, body(committee_a, occurred_on=str(today() + timedelta(days=1))), format="json"
    )
    assert tomorrow.status_code == 400
    assert tomorrow.json()["code"] == "date_out_of_range"


def test_the_amount_cap_is_a_setting(client_for, mediator_a, committee_a, settings):
    settings.TIAOJIE_AMOUNT_CAP = 1_000_000
    client = client_for(mediator_a)

    over = client.post(CASES, body(committee_a, amount_involved="1000000.01"), format="json")
    at = client.post(CASES, body(committee_a, amount_involved="1000000.00"), format="json")

    assert over.status_code == 400
    assert over.json()["code"] == "amount_too_large"
    assert over.json()["detail"] == "金额不能超过1,000,000元。"
    assert at.status_code == 201, at.content


# --- an edit meets the same rules -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"occurred_on": "2099-12-31"}, "date_out_of_range"),
        ({"occurred_on": "1800-01-01"}, "date_out_of_range"),
        ({"amount_involved": "999999999999.99"}, "amount_too_large"),
        ({"facts": "纠" * 20_001}, "max_length"),
        ({"claims": "纠" * 20_001}, "max_length"),
    ],
)
def test_an_implausible_edit_is_400_and_changes_nothing(
    client_for, mediator_a, committee_a, change, code
):
    # given
    case = services.case_register(
        actor=mediator_a,
        committee=committee_a,
        source="party_application",
        parties=[APPLICANT, RESPONDENT],
        dispute_type="neighbourhood",
        title="楼上漏水纠纷",
        facts="漏水",
        amount_involved=Decimal("8000.00"),
    )
    before = Case.objects.filter(pk=case.pk).values().get()
    events = CaseEvent.objects.filter(case=case).count()

    # when
    response = client_for(mediator_a).patch(f"{CASES}{case.id}/", change, format="json")

    # then
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert CHINESE.search(response.json()["detail"])
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert CaseEvent.objects.filter(case=case).count() == events


# --- a partner's referral meets the same rules ---------------------------------------------


@pytest.mark.parametrize(
    ("case_override", "code"),
    [
        ({"parties": [APPLICANT, {**RESPONDENT, "id_number": ID_NUMBER}]}, "duplicate_party"),
        ({"occurred_on": "2099-12-31"}, "date_out_of_range"),
        ({"amount_involved": "999999999999.99"}, "amount_too_large"),
        ({"parties": [APPLICANT, organisation(CREDIT_CODE_WRONG_CHECK)]}, "invalid_uscc"),
    ],
)
def test_an_implausible_referral_is_400_and_writes_nothing(
    client_for, court_liaison, committee_a, case_override, code
):
    case = {
        "dispute_type": "contract",
        "title": "货款纠纷",
        "facts": "拖欠货款",
        "claims": "支付货款",
        "amount_involved": "12000.00",
        "parties": [APPLICANT, RESPONDENT],
        **case_override,
    }
    referral = {"mechanism": "court", "committee": committee_a.id, "case": case}

    response = client_for(court_liaison).post(REFERRALS, referral, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert written_rows() == (0, 0, 0, 0)


# --- an agreement's amount and date -------------------------------------------------------


@pytest.fixture
def mediating_case(committee_a, mediator_a, director_a):
    case = services.case_register(
        actor=mediator_a,
        committee=committee_a,
        source="party_application",
        parties=[APPLICANT, RESPONDENT],
        dispute_type="neighbourhood",
        title="楼上漏水纠纷",
    )
    mediator = Mediator.objects.get(user=mediator_a)
    return services.case_accept(actor=director_a, case=case, mediator_ids=[mediator.id])


def waived(at: str) -> dict:
    return {"by": "张某、李某", "at": at, "statement": "双方认为无需制作书面协议"}


@pytest.mark.parametrize(
    ("agreement", "code"),
    [
        ({"amount": "999999999999.99"}, "amount_too_large"),
        # effective_on is derived now (人民调解法 arts 29/30); the waiver's time is checked.
        (
            {"form": "oral", "document_waived": waived("2099-12-31T10:00:00+08:00")},
            "date_out_of_range",
        ),
        (
            {"form": "oral", "document_waived": waived("1800-01-01T10:00:00+08:00")},
            "date_out_of_range",
        ),
        ({"terms": "纠" * 20_001}, "max_length"),
    ],
)
def test_an_implausible_agreement_is_400_and_the_case_stays_open(
    client_for, mediator_a, mediating_case, agreement, code
):
    response = client_for(mediator_a).post(
        f"{CASES}{mediating_case.id}/conclude/",
        {"outcome": "success", "agreement": {"form": "written", "terms": "赔偿", **agreement}},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert Case.objects.get(pk=mediating_case.pk).status == "mediating"
    assert not Agreement.objects.filter(case=mediating_case).exists()


def test_a_long_session_summary_is_400(client_for, mediator_a, mediating_case):
    response = client_for(mediator_a).post(
        f"{CASES}{mediating_case.id}/sessions/",
        {"held_at": timezone.now().isoformat(), "summary": "纠" * 20_001},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "max_length"
    assert mediating_case.sessions.count() == 0
