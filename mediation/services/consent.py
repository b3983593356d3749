"""The parties' consent to mediation (人民调解法 art 17: a committee mediates on the
parties' application or on its own initiative, but not where a party expressly refuses).

`case_record_consent` records, for one party of a registered case, that it agrees to
mediation or refuses it. A refusal declines the case at once, in the same transaction, with
reason code `party_refuses` and the notice of the other routes, and sends the outcome back on
an inbound referral — as a director's decline would. Repeating the same answer changes
nothing; a party that consented may still refuse before acceptance.
"""

from django.db import transaction
from django.utils import timezone

from mediation import choices, workflow
from mediation.exceptions import InvalidInput
from mediation.models import Case, Party
from mediation.services import routing
from mediation.services.kernel import after_change, case_event_record, lock, require_member


def case_record_consent(*, actor, case: Case, party_id: int, consents: bool) -> Case:
    """Record a party's consent or refusal (member of the holding committee). Atomic."""
    require_member(actor, case.committee_id)
    if not isinstance(consents, bool):
        raise InvalidInput("请说明当事人是否同意调解。", code="invalid", field="consents")
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "consent")
        party = Party.objects.select_for_update().filter(pk=party_id, case=case).first()
        if party is None:
            raise InvalidInput("该当事人不属于本案。", code="invalid_party", field="party")
        if party.consents is consents:
            return case
        now = timezone.now()
        party.consents = consents
        party.consent_recorded_at = now
        party.save(update_fields=["consents", "consent_recorded_at"])
        case_event_record(
            case=case,
            kind="consent_recorded",
            actor=actor,
            from_status=case.status,
            data={"party": party.id, "role": party.role, "consents": consents},
        )
        if consents:
            case.save(update_fields=["updated_at"])
            return case
        before, after = workflow.move(case, "decline")
        case.closing_reason = f"当事人{party.name}明确拒绝调解（人民调解法第十七条）。"
        case.closed_as = "declined"
        case.concluded_at = now
        case.decline_reason_code = choices.DeclineReason.PARTY_REFUSES
        case.decline_notice = choices.OTHER_ROUTES_NOTICE
        case.save()
        case_event_record(
            case=case,
            kind="declined",
            actor=actor,
            from_status=before,
            to_status=after,
            data={
                "reason": case.closing_reason,
                "reason_code": choices.DeclineReason.PARTY_REFUSES,
                "party": party.id,
            },
        )
        after_change(case)
        routing.referral_record_outcome(case=case)
    return case
