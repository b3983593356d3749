"""What every document shows of a case: the committee, the case, its parties (masked for
anyone outside the holding committee), and the small formatting helpers the other context
builders share. Values are display strings; a value the system does not hold is a blank
line (BLANK) to fill in by hand, as on the Ministry's paper forms."""

import re
from datetime import date, datetime

from django.utils import timezone

from mediation import choices
from mediation.validators import mask_id_number, mask_phone

BLANK = "＿＿＿＿＿＿"
MASK = "＊＊"
_NUMBERING = re.compile(r"^\s*(?:\d+|[一二三四五六七八九十]+)\s*[.、．，,)）]\s*")


def chinese_date(value) -> str:
    """2026年11月30日 (a datetime in the project's time zone); BLANK for none."""
    if value is None:
        return BLANK
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_datetime(value) -> str:
    if value is None:
        return BLANK
    local = timezone.localtime(value)
    return f"{chinese_date(local)} {local.hour}时{local.minute:02d}分"


def or_blank(value) -> str:
    text = str(value).strip() if value is not None else ""
    return text or BLANK


def lines(text: str) -> list[str]:
    """A text field's non-empty lines without their own numbering (the template numbers)."""
    found = [_NUMBERING.sub("", line).strip() for line in (text or "").splitlines()]
    return [line for line in found if line] or [BLANK]


def mask_name(name: str) -> str:
    """张某某 → 张＊＊: the first character stays."""
    return name[:1] + "＊" * max(len(name) - 1, 1) if name else name


def mask_address(address: str) -> str:
    return address[:3] + "＊＊＊＊" if address else address


def _from_resident_id(number: str, today: date) -> tuple[str, str]:
    """(sex, age) read from an 18-digit resident ID number (GB 11643: birth date at 7-14,
    sex in the 17th digit, odd for men); blanks when it is not one."""
    if len(number) != 18 or not number[:17].isdigit():
        return BLANK, BLANK
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return BLANK, BLANK
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return ("男" if int(number[16]) % 2 else "女"), f"{age}岁"


def party_context(party, *, unmasked: bool, today: date) -> dict:
    number = party.id_number or ""
    if party.kind == choices.PartyKind.PERSON and party.id_type in ("", "resident_id"):
        sex, age = _from_resident_id(number, today)
    else:
        sex, age = "", ""
    if not unmasked:
        sex, age = (MASK if sex and sex != BLANK else sex), (MASK if age and age != BLANK else age)
    id_type = party.get_id_type_display() if party.id_type else "证件号码"
    return {
        "role": party.get_role_display(),
        "kind": party.get_kind_display(),
        "name": party.name if unmasked else mask_name(party.name),
        "sex": sex or "—",
        "age": age or "—",
        "ethnicity": BLANK,
        "occupation": BLANK,
        "id_type": id_type,
        "id_number": or_blank(number if unmasked else mask_id_number(number)),
        "phone": or_blank(party.phone if unmasked else mask_phone(party.phone or "")),
        "address": or_blank(party.address if unmasked else mask_address(party.address)),
    }


def _person_name(user) -> str:
    if user is None:
        return BLANK
    return user.get_full_name() or user.get_username()


def base_context(case, *, unmasked: bool) -> dict:
    """The committee, the case and its parties: what every template may use."""
    today = timezone.localdate()
    parties = [party_context(p, unmasked=unmasked, today=today) for p in case.parties.all()]
    applicants = [p for p in parties if p["role"] == choices.PartyRole.APPLICANT.label]
    others = [p for p in parties if p["role"] != choices.PartyRole.APPLICANT.label]
    names = "、".join(p["name"] for p in applicants)
    if others:
        names = (
            f"{names}与{'、'.join(p['name'] for p in others)}"
            if names
            else "、".join(p["name"] for p in others)
        )
    mediators = "、".join(m.name for m in case.mediators.all())
    return {
        "today": chinese_date(today),
        "committee": {"name": case.committee.name},
        "case": {
            "number": case.number,
            "title": case.title,
            "facts": or_blank(case.facts),
            "claims": or_blank(case.claims),
            "claim_lines": lines(case.claims),
            "dispute_type": case.get_dispute_type_display(),
            "source": case.get_source_display(),
            "received": chinese_date(case.received_at),
            "accepted": chinese_date(case.accepted_at),
            "concluded": chinese_date(case.concluded_at),
            "amount": f"{case.amount_involved}元" if case.amount_involved is not None else BLANK,
            "status": case.get_status_display(),
            "outcome": case.get_outcome_display() if case.outcome else BLANK,
            "mediators": mediators or BLANK,
            "registrar": _person_name(case.created_by),
            "party_names": names or BLANK,
            # The day the rights were explained (规定 art 30), once recorded; else today's
            # date, for a notice printed to be signed now.
            "rights_notified": chinese_date(case.rights_notified_at or today),
        },
        "parties": parties,
        "applicants": applicants or parties[:1],
        "others": others,
    }


def redact(value, replacements: dict[str, str]):
    """`value` (a context: dicts, lists, strings) with every party's name, ID number and
    phone replaced by its mask, free text (facts, terms, session notes) included."""
    if isinstance(value, str):
        for plain, masked in replacements.items():
            value = value.replace(plain, masked)
        return value
    if isinstance(value, dict):
        return {key: redact(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, replacements) for item in value]
    return value


def party_replacements(case) -> dict[str, str]:
    """What redact() replaces for `case`: longest first, so 张建国 goes before 张建."""
    found = {}
    for party in case.parties.all():
        if party.name:
            found[party.name] = mask_name(party.name)
        if party.id_number:
            found[party.id_number] = mask_id_number(party.id_number)
        if party.phone:
            found[party.phone] = mask_phone(party.phone)
    return dict(sorted(found.items(), key=lambda item: -len(item[0])))
