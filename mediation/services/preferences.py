"""The parties' choice of mediator (人民调解法 art 19: the parties may choose or accept
the mediators; art 23(1): a party may choose or accept the mediator) and its fate on
acceptance.

The chosen mediators (`Case.preferred_mediators`, set at registration or by an edit) must be
active mediators of the holding committee and not recused. On acceptance
(mediation.services.cases.case_accept) each one is assigned unless it is recused (回避),
unavailable (no longer an active member of the holding committee, e.g. after a transfer),
or declared unavailable by the director with a reason; every choice not honoured is
recorded with its reason in the `accepted` history entry.
"""

from committees.models import Mediator
from mediation.exceptions import InvalidInput
from mediation.models import Case
from mediation.services.checks import check_text
from mediation.validators import SHORT_TEXT_MAX

RECUSED = "recused"
UNAVAILABLE = "unavailable"
DECLARED_UNAVAILABLE = "declared_unavailable"


def clean_preferred(committee_id: int, mediator_ids, *, case: Case | None = None) -> list:
    """The chosen mediators as rows, checked (400 `invalid_mediator`, `mediator_recused`);
    None or [] for no choice."""
    if not mediator_ids:
        return []
    ids = list(dict.fromkeys(int(i) for i in mediator_ids))
    rows = list(Mediator.objects.filter(id__in=ids, committee_id=committee_id, is_active=True))
    if len(rows) != len(ids):
        raise InvalidInput(
            "当事人选定的调解员必须是本调委会在岗的调解员。",
            code="invalid_mediator",
            field="preferred_mediators",
        )
    if case is not None:
        recused = sorted(case.recused_mediators.filter(id__in=ids).values_list("id", flat=True))
        if recused:
            raise InvalidInput(
                "该调解员已回避，不能再被选定办理本案。",
                code="mediator_recused",
                field="preferred_mediators",
                mediators=recused,
            )
    return rows


def honour(case: Case, mediator_ids: list[int], unavailable_reason: str = "") -> tuple:
    """The mediators to assign on acceptance — the director's, plus every chosen one who is
    available — and the record of the choice: `{"honoured": [ids], "not_honoured":
    [{"mediator", "reason", "note"?}]}` ({} when the parties chose nobody).

    `unavailable_reason`: the director declares the chosen mediators left out of
    `mediator_ids` unavailable (on leave, a conflict the parties did not raise …)."""
    unavailable_reason = (unavailable_reason or "").strip()
    check_text(
        unavailable_reason, SHORT_TEXT_MAX, field="preferred_unavailable_reason", label="理由"
    )
    chosen = list(case.preferred_mediators.all())
    if not chosen:
        return list(mediator_ids), {}
    recused = set(case.recused_mediators.values_list("id", flat=True))
    ids = list(dict.fromkeys(mediator_ids))
    honoured, not_honoured = [], []
    for mediator in chosen:
        if mediator.id in recused:
            not_honoured.append({"mediator": mediator.id, "reason": RECUSED})
        elif not mediator.is_active or mediator.committee_id != case.committee_id:
            not_honoured.append({"mediator": mediator.id, "reason": UNAVAILABLE})
        elif mediator.id in ids or not unavailable_reason:
            honoured.append(mediator.id)
            if mediator.id not in ids:
                ids.append(mediator.id)
        else:
            not_honoured.append(
                {
                    "mediator": mediator.id,
                    "reason": DECLARED_UNAVAILABLE,
                    "note": unavailable_reason,
                }
            )
    return ids, {"honoured": honoured, "not_honoured": not_honoured}
