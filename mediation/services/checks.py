"""The checks a service makes on its input before it writes (400 with a stable code)."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from mediation import choices
from mediation.exceptions import InvalidInput
from mediation.validators import (
    LONG_TEXT_MAX,
    amount_problem,
    default_id_type,
    id_number_problem,
    past_date_problem,
    phone_problem,
    text_problem,
)

# --- validation helpers ------------------------------------------------------------------


def check_text(value: str | None, limit: int, *, field: str, label: str) -> None:
    """Free text longer than its field's limit is refused (400 `max_length`, the code DRF
    gives the same rule where a serializer declares the limit)."""
    problem = text_problem(value or "", limit)
    if problem:
        raise InvalidInput(f"{label}{problem}", code="max_length", field=field, limit=limit)


def check_past_date(value, *, field: str, label: str) -> None:
    """The date of a past event: 1949-10-01 to today (400 `date_out_of_range`)."""
    if value is None:
        return
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            detail = f"{label}格式应为 YYYY-MM-DD。"
            raise InvalidInput(detail, code="invalid", field=field) from None
    problem = past_date_problem(value)
    if problem:
        raise InvalidInput(f"{label}{problem}", code="date_out_of_range", field=field)


def check_amount(value, *, field: str) -> None:
    """Not negative (400 `negative_amount`), not over TIAOJIE_AMOUNT_CAP (400
    `amount_too_large`)."""
    if value is None:
        return
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput("金额格式无效。", code="invalid", field=field)
    problem = amount_problem(amount)
    if problem:
        code = "negative_amount" if amount < 0 else "amount_too_large"
        raise InvalidInput(problem, code=code, field=field)


def clean_parties(parties: list[dict]) -> list[dict]:
    """Each party's papers checked by their type (resident ID: GB 11643 and a province-level
    region; credit code: GB 32100), phone, name and address lengths, and one person once
    per case: no ID number twice, whatever the roles (`duplicate_party`)."""
    roles = {p.get("role") for p in parties}
    if choices.PartyRole.APPLICANT not in roles or choices.PartyRole.RESPONDENT not in roles:
        raise InvalidInput(
            "至少需要一名申请人和一名被申请人。", code="parties_incomplete", field="parties"
        )
    cleaned = []
    seen_id_numbers = set()
    for index, party in enumerate(parties):
        party = dict(party)
        field = f"parties.{index}"
        id_number = (party.get("id_number") or "").strip().upper()
        kind = party.get("kind") or choices.PartyKind.PERSON
        id_type = party.get("id_type") or default_id_type(kind, id_number)
        if id_number:
            problem = id_number_problem(id_number, id_type)
            if problem:
                code, detail = problem
                raise InvalidInput(detail, code=code, field=f"{field}.id_number")
            if id_number in seen_id_numbers:
                raise InvalidInput(
                    "同一当事人不能在一个案件中出现两次（证件号码重复）。",
                    code="duplicate_party",
                    field=f"{field}.id_number",
                )
            seen_id_numbers.add(id_number)
        phone = (party.get("phone") or "").strip().replace(" ", "")
        if phone:
            problem = phone_problem(phone)
            if problem:
                raise InvalidInput(problem, code="invalid_phone", field=f"{field}.phone")
        check_text(party.get("name"), 100, field=f"{field}.name", label="当事人姓名/名称")
        check_text(party.get("address"), 200, field=f"{field}.address", label="住址")
        party.update(id_number=id_number, id_type=id_type, phone=phone)
        cleaned.append(party)
    return cleaned


def check_codes(values: dict) -> None:
    """The descriptive fields of a case (registration, edit): known codes, a plausible
    amount and date of occurrence, text within its limits."""
    if "dispute_type" in values and values["dispute_type"] not in choices.DisputeType.values:
        raise InvalidInput("未知的纠纷类型。", code="invalid_choice", field="dispute_type")
    for flag in values.get("risk_flags") or []:
        if flag not in choices.RiskFlag.values:
            raise InvalidInput(f"未知的风险标记：{flag}", code="invalid_choice", field="risk_flags")
    check_amount(values.get("amount_involved"), field="amount_involved")
    check_past_date(values.get("occurred_on"), field="occurred_on", label="纠纷发生日期")
    check_text(values.get("title"), 200, field="title", label="纠纷名称")
    check_text(values.get("facts"), LONG_TEXT_MAX, field="facts", label="纠纷事实")
    check_text(values.get("claims"), LONG_TEXT_MAX, field="claims", label="当事人请求")


def difficulty(values: dict) -> str:
    """重大疑难 when ≥ 10 people, ≥ ¥100,000 or a major risk flag; else what was given."""
    amount = values.get("amount_involved") or 0
    if (
        (values.get("people_involved") or 0) >= 10
        or Decimal(amount) >= 100_000
        or set(values.get("risk_flags") or []) & choices.MAJOR_RISK_FLAGS
    ):
        return choices.Difficulty.MAJOR
    return values.get("difficulty") or choices.Difficulty.ORDINARY


def clean_leader_phone(leader: dict) -> str:
    check_text(leader.get("name"), 50, field="responsible_leader.name", label="包案领导")
    check_text(leader.get("post"), 100, field="responsible_leader.post", label="包案领导职务")
    phone = (leader.get("phone") or "").strip().replace(" ", "")
    if phone and phone_problem(phone):
        raise InvalidInput(
            phone_problem(phone), code="invalid_phone", field="responsible_leader.phone"
        )
    return phone


def jsonable(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, Decimal | date | datetime):
            value = str(value)
        out[key] = value
    return out


def clean_case_fields(fields: dict, parties: list[dict]) -> tuple[dict, list[dict]]:
    """A new case's descriptive fields and parties, checked and completed as every intake
    stores them (a registration, a referral received, an imported ledger row): the codes and
    limits, the parties' papers, the responsible leader's three columns, the people involved
    (at least the parties), 重大疑难 where it applies, risk flags once each."""
    check_codes(fields)
    parties = clean_parties(parties)
    fields = dict(fields)
    leader = fields.pop("responsible_leader", None) or {}
    fields["responsible_leader_name"] = (leader.get("name") or "").strip()
    fields["responsible_leader_post"] = (leader.get("post") or "").strip()
    fields["responsible_leader_phone"] = clean_leader_phone(leader)
    if not fields.get("people_involved"):
        fields["people_involved"] = len(parties)
    fields["difficulty"] = difficulty(fields)
    fields["risk_flags"] = list(dict.fromkeys(fields.get("risk_flags") or []))
    return fields, parties
