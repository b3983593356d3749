"""The committees' roster (人民调解法 arts 8–9, 14): who sits on a committee, their gender,
ethnicity and term of office, the trainings they took, and the warnings a committee's
composition raises.

- Art 8: a committee has three to nine members (委员: the director, deputy directors and
  members), among them a woman, and in a multi-ethnic area a member of a smaller ethnic
  group (setting TIAOJIE_MULTI_ETHNIC, true by default: Ningxia is multi-ethnic).
- Art 9: members serve a term of three years (setting TIAOJIE_TERM_YEARS) and may be
  re-elected.
- Art 14: the judicial administration trains mediators; the training records, like the
  roster details, are written by the judicial office over the committee and the district
  office (`may_edit_roster`), read by whoever sees the committee.

Writes run in one transaction each; a refusal raises Django's PermissionDenied (403) or
ValidationError with a stable code (400), which the API shows as `{"detail", "code"}`.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from committees.models import Mediator, Training
from committees.scope import scope_for, visible_committees

# The 56 nationalities (GB 3304); 汉族 is the majority, every other one a smaller group.
MAJORITY_ETHNICITY = "汉族"
ETHNIC_GROUPS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
    "哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 "
    "柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 "
    "塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 "
    "鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()

# Committee members in the sense of art 8 (委员), as opposed to mediators it engages.
MEMBER_ROLES = (Mediator.Role.DIRECTOR, Mediator.Role.DEPUTY_DIRECTOR, Mediator.Role.MEMBER)
MIN_MEMBERS, MAX_MEMBERS = 3, 9  # art 8

WARNING_CODES = ("too_few_members", "too_many_members", "no_woman_member", "no_minority_member")


def term_years() -> int:
    return settings.TIAOJIE_TERM_YEARS


def multi_ethnic() -> bool:
    return settings.TIAOJIE_MULTI_ETHNIC


# --- who may write ---------------------------------------------------------------------------


def may_edit_roster(user, committee_id: int) -> bool:
    """The judicial office supervising the committee, or the district office (art 14:
    the judicial administration keeps and trains the roster)."""
    scope = scope_for(user)
    return scope.sees_everything or committee_id in scope.supervised


def may_read_roster(user, committee_id: int) -> bool:
    return scope_for(user).sees_committee(committee_id)


def _require_editor(user, mediator: Mediator) -> None:
    if not may_edit_roster(user, mediator.committee_id):
        raise PermissionDenied("只有指导该调委会的司法所或区司法局可以维护调解员名册。")


# --- checks (shared by the API's serializers and the services) -------------------------------


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_end_for(start: date) -> date:
    """The last day of a term starting on `start` (art 9: three years)."""
    return _add_years(start, term_years()) - timedelta(days=1)


def check_term(start: date | None, end: date | None) -> None:
    """A term ends after it starts and lasts at most TIAOJIE_TERM_YEARS years (art 9)."""
    for name, day in (("term_start", start), ("term_end", end)):
        if day is not None and day < EARLIEST_DATE:
            raise ValidationError(
                {name: ValidationError("不能早于1949年10月1日。", code="date_out_of_range")}
            )
    if start is None or end is None:
        return
    if end <= start:
        raise ValidationError(
            {"term_end": ValidationError("任期届满日期应晚于任期开始日期。", code="invalid_term")}
        )
    if end > term_end_for(start):
        raise ValidationError(
            {
                "term_end": ValidationError(
                    f"人民调解委员会委员每届任期{term_years()}年（人民调解法第九条）。",
                    code="term_too_long",
                )
            }
        )


EARLIEST_DATE = date(1949, 10, 1)


def check_training_date(value: date) -> None:
    """A training took place: 1949-10-01 to today (400 `date_out_of_range`)."""
    if value < EARLIEST_DATE or value > timezone.localdate():
        raise ValidationError("培训日期应在1949年10月1日至今天之间。", code="date_out_of_range")


def check_ethnicity(value: str) -> None:
    if value and value not in ETHNIC_GROUPS:
        raise ValidationError("请填写民族全称，如“回族”。", code="invalid_ethnicity")


# --- writes ----------------------------------------------------------------------------------

ROSTER_FIELDS = ("gender", "ethnicity", "term_start", "term_end")


def mediator_roster_update(*, actor, mediator: Mediator, **values) -> Mediator:
    """Set a mediator's gender, ethnicity and term of office (the judicial office over the
    committee, or the district office). A term start without an end gets the full term.
    Atomic: the row is locked, checked and saved, or nothing changes."""
    _require_editor(actor, mediator)
    unknown = set(values) - set(ROSTER_FIELDS)
    if unknown:
        raise ValidationError(f"不可修改的字段：{', '.join(sorted(unknown))}", code="invalid")
    with transaction.atomic():
        mediator = Mediator.objects.select_for_update().get(pk=mediator.pk)
        for name, value in values.items():
            setattr(mediator, name, "" if value is None and not name.startswith("term_") else value)
        if "term_end" not in values and "term_start" in values and mediator.term_start:
            mediator.term_end = term_end_for(mediator.term_start)
        if mediator.gender not in ("", *Mediator.Gender.values):
            raise ValidationError(
                {"gender": ValidationError("未知的性别。", code="invalid_choice")}
            )
        check_ethnicity(mediator.ethnicity)
        check_term(mediator.term_start, mediator.term_end)
        mediator.save(update_fields=list(ROSTER_FIELDS))
    return mediator


def training_record(
    *, actor, mediator: Mediator, on: date, hours: Decimal, topic: str, certificate: str = ""
) -> Training:
    """Record a training a mediator took (the judicial office over the committee, or the
    district office; art 14). One row, in one transaction."""
    _require_editor(actor, mediator)
    topic = (topic or "").strip()
    if not topic:
        raise ValidationError({"topic": ValidationError("请填写培训内容。", code="required")})
    check_training_date(on)
    if hours is None or hours <= 0:
        raise ValidationError({"hours": ValidationError("学时应大于0。", code="invalid_hours")})
    with transaction.atomic():
        return Training.objects.create(
            mediator=mediator,
            on=on,
            hours=hours,
            topic=topic,
            certificate=(certificate or "").strip(),
            recorded_by=actor,
        )


# --- reads -----------------------------------------------------------------------------------


def trainings_of(mediator: Mediator):
    return Training.objects.filter(mediator=mediator).order_by("-on", "-id")


def composition_warnings(user) -> list[dict]:
    """What art 8 asks of each active committee in the caller's scope that it lacks:
    `too_few_members` (< 3 members), `too_many_members` (> 9), `no_woman_member`, and where
    the area is multi-ethnic (TIAOJIE_MULTI_ETHNIC) `no_minority_member`. Members are the
    active director, deputy directors and members (委员); an unknown gender or ethnicity
    does not count as a woman or a minority member. One query."""
    members = Q(mediators__is_active=True, mediators__role__in=MEMBER_ROLES)
    committees = (
        visible_committees(user)
        .filter(is_active=True)
        .annotate(
            members=Count("mediators", filter=members),
            women=Count("mediators", filter=members & Q(mediators__gender="female")),
            minority=Count(
                "mediators",
                filter=members
                & ~Q(mediators__ethnicity="")
                & ~Q(mediators__ethnicity=MAJORITY_ETHNICITY),
            ),
        )
        .order_by("code")
        .values("id", "code", "name", "members", "women", "minority")
    )
    check_minority = multi_ethnic()
    warnings = []
    for row in committees:
        codes = []
        if row["members"] < MIN_MEMBERS:
            codes.append("too_few_members")
        if row["members"] > MAX_MEMBERS:
            codes.append("too_many_members")
        if not row["women"]:
            codes.append("no_woman_member")
        if check_minority and not row["minority"]:
            codes.append("no_minority_member")
        for code in codes:
            warnings.append(
                {
                    "committee": row["id"],
                    "committee_code": row["code"],
                    "committee_name": row["name"],
                    "code": code,
                    "members": row["members"],
                }
            )
    return warnings


def mediator_counts(mediators) -> dict:
    """The statistics footer's mediator counts (issue 15 item 15): total, full-time, and by
    gender (an unknown gender is counted apart), in one query."""
    return mediators.aggregate(
        mediators=Count("id"),
        full_time_mediators=Count("id", filter=Q(is_full_time=True)),
        female_mediators=Count("id", filter=Q(gender=Mediator.Gender.FEMALE)),
        male_mediators=Count("id", filter=Q(gender=Mediator.Gender.MALE)),
        gender_unknown_mediators=Count("id", filter=Q(gender="")),
    )


__all__ = [
    "ETHNIC_GROUPS",
    "WARNING_CODES",
    "check_ethnicity",
    "check_term",
    "composition_warnings",
    "may_edit_roster",
    "may_read_roster",
    "mediator_counts",
    "mediator_roster_update",
    "term_end_for",
    "training_record",
    "trainings_of",
]
