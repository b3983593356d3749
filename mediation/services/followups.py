"""What people do with follow-ups: record the outcome of one that asks for it (履行回访,
差评复核) and rate the service (a party, without a login)."""

from django.db import transaction
from django.utils import timezone

from mediation import agreement_rules, alerts, choices, schedule
from mediation.events import case_event_record
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotFound
from mediation.models import Agreement, Case, FollowUp, RatingLink
from mediation.services.checks import check_text
from mediation.services.kernel import require_member
from mediation.validators import SHORT_TEXT_MAX

Kind = FollowUp.Kind

BAD_RATING_MAX_STARS = 2
# The follow-ups whose completion may record the rating a party gave (履行回访).
RATED_KINDS = (Kind.PERFORMANCE_CHECK,)


# --- people completing follow-ups -----------------------------------------------------------


def followup_complete(
    *,
    actor,
    followup: FollowUp,
    performed: str = "",
    result: str = "",
    note: str = "",
    rating: int | None = None,
) -> FollowUp:
    """A person records the outcome of a follow-up that asks for one (履行回访, 差评复核).

    A performance check with `none` or `partial` schedules a second check in 15 days and
    records the routes still open for this agreement (mediation.agreement_rules: urge,
    re-mediation, a lawsuit, enforcement of a confirmed one, judicial confirmation only
    while its window is open), never a route that does not apply. A performance
    check may record the rating (1-5) the party gave during the visit, kept on its result;
    a bad-rating review takes none (the party's own rating came through the rating link)."""
    require_member(actor, followup.committee_id, "只有本调委会的调解员可以完成此事项。")
    if followup.kind not in (Kind.PERFORMANCE_CHECK, Kind.BAD_RATING_REVIEW):
        raise InvalidTransition("该事项由系统自动处理，无需手工完成。", action="complete")
    if followup.kind == Kind.PERFORMANCE_CHECK and performed not in choices.Performance.values:
        raise InvalidInput(
            "请填写履行情况（full / partial / none）。",
            code="performed_required",
            field="performed",
        )
    if rating is not None:
        if followup.kind not in RATED_KINDS:
            raise InvalidInput("该事项不接受评分。", code="rating_not_accepted", field="rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidInput("评分应为1至5分。", code="invalid_rating", field="rating")
    check_text(result, SHORT_TEXT_MAX, field="result", label="回访结果")
    check_text(note, SHORT_TEXT_MAX, field="note", label="备注")
    with transaction.atomic():
        # Lock order everywhere: case, then follow-up. The agreement's performance is
        # the case's state, written under its lock like every other change to it.
        case = Case.objects.select_for_update().filter(pk=followup.case_id).first()
        row = FollowUp.objects.select_for_update().get(pk=followup.pk)
        if row.status != FollowUp.Status.SCHEDULED:
            raise Conflict("该事项已处理。", follow_up_status=row.status)
        now = timezone.now()
        row.status = FollowUp.Status.DONE
        row.done_at = now
        row.completed_by = actor
        row.result = {"performed": performed, "result": result, "note": note}
        if rating is not None:
            row.result["rating"] = rating
        if row.kind == Kind.PERFORMANCE_CHECK:
            if case is not None and case.agreement_id:
                Agreement.objects.filter(pk=case.agreement_id).update(performance=performed)
                case.agreement.performance = performed
            if performed in (choices.Performance.NONE, choices.Performance.PARTIAL):
                if case is not None and case.agreement_id:
                    row.result["options"] = agreement_rules.performance_actions(case)
                    row.result["advice"] = agreement_rules.advice(case)
                schedule.performance_check_again(row)
        row.save()
        if case is not None:
            case_event_record(
                case=case,
                kind=f"{row.kind}_done",
                actor=actor,
                from_status=case.status,
                data={"follow_up": row.id, **row.result},
            )
    return row


# --- ratings (no login) ---------------------------------------------------------------------


def rating_submit(*, token: str, stars: int, comment: str = "") -> RatingLink:
    """A party rates the service once. ≤ 2 stars (差评, BAD_RATING_MAX_STARS) tells the
    directors at once (`bad_rating`) and opens a review for them, due in 5 working days."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput("评分应为1至5星。", code="invalid_stars", field="stars")
    check_text((comment or "").strip(), SHORT_TEXT_MAX, field="comment", label="评价内容")
    with transaction.atomic():
        link = RatingLink.objects.select_for_update().filter(token=token).first()
        if link is None or link.expires_at <= timezone.now():
            raise NotFound("评价链接无效或已过期。")
        if link.used_at is not None:
            raise Conflict("该评价链接已使用。")
        link.stars, link.comment, link.used_at = stars, (comment or "").strip(), timezone.now()
        link.save()
        if stars <= BAD_RATING_MAX_STARS:
            schedule.bad_rating_review(link.case, rating_id=link.id, stars=stars)
            alerts.bad_rating(link)
    return link
