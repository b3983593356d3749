"""Issue 15 item 10: the parties' rights (the rights-notified record is the `files` branch's).

- 人民调解法 art 17: mediation needs the parties' consent; where a party refuses, there is no
  mediation — the case is declined with reason `party_refuses`.
- arts 19 and 23(1): the parties may choose the mediators; the choice is honoured on
  acceptance unless the mediator is recused or unavailable, and the reason is recorded.
- art 23(3): the parties may ask for public or closed mediation.
"""

import pytest
from django.db import transaction

from committees.models import Mediator
from mediation import services
from mediation.choices import Status
from mediation.exceptions import InvalidInput, InvalidTransition, NotAllowed
from mediation.models import Case, Party, Referral
from tests.builders import (
    accept,
    case_state,
    fresh,
    make_case,
    membership,
    referral_in,
)

pytestmark = pytest.mark.django_db


def respondent(case) -> Party:
    return case.parties.get(role="respondent")


# --- consent (art 17) ----------------------------------------------------------------------


def test_art17_a_party_consenting_is_recorded_and_the_case_stays_registered(
    committee_a, mediator_a
):
    case = make_case(mediator_a, committee_a)

    case = services.case_record_consent(
        actor=mediator_a, case=case, party_id=respondent(case).id, consents=True
    )

    party = respondent(case)
    assert (party.consents, case.status) == (True, Status.REGISTERED)
    assert party.consent_recorded_at is not None
    [event] = case.events.filter(kind="consent_recorded")
    assert event.data == {"party": party.id, "role": "respondent", "consents": True}


def test_art17_a_party_refusing_declines_the_case_with_party_refuses(committee_a, mediator_a):
    case = make_case(mediator_a, committee_a)

    case = services.case_record_consent(
        actor=mediator_a, case=case, party_id=respondent(case).id, consents=False
    )

    case = fresh(case)
    assert case.status == Status.DECLINED
    assert case.decline_reason_code == "party_refuses"
    assert "第十七条" in case.closing_reason
    assert case.decline_notice  # the other routes are told, as on any decline
    assert list(case.events.values_list("kind", flat=True))[-2:] == [
        "consent_recorded",
        "declined",
    ]


def test_art17_a_refusal_on_a_referred_case_sends_the_outcome_back(
    committee_a, mediator_a, court_liaison
):
    referral = referral_in(court_liaison, "court", committee_a)
    case = referral.case

    services.case_record_consent(
        actor=mediator_a, case=case, party_id=respondent(case).id, consents=False
    )

    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.status, referral.result) == ("closed", "declined")


def test_art17_consent_repeated_changes_nothing(committee_a, mediator_a):
    case = make_case(mediator_a, committee_a)
    party = respondent(case)
    services.case_record_consent(actor=mediator_a, case=case, party_id=party.id, consents=True)
    before = case_state(case)

    services.case_record_consent(
        actor=mediator_a, case=fresh(case), party_id=party.id, consents=True
    )

    assert case_state(case) == before


def test_art17_consent_is_refused_for_another_case_party_an_outsider_or_after_acceptance(
    committee_a, mediator_a, director_a, outsider
):
    case = make_case(mediator_a, committee_a)
    other = make_case(mediator_a, committee_a)
    before = case_state(case)

    with pytest.raises(InvalidInput) as wrong_party:
        services.case_record_consent(
            actor=mediator_a, case=case, party_id=respondent(other).id, consents=False
        )
    with pytest.raises(NotAllowed):
        services.case_record_consent(
            actor=outsider, case=case, party_id=respondent(case).id, consents=False
        )
    assert wrong_party.value.code == "invalid_party"
    assert case_state(case) == before

    accepted = accept(director_a, case, mediator_a)
    with pytest.raises(InvalidTransition):
        services.case_record_consent(
            actor=mediator_a, case=accepted, party_id=respondent(case).id, consents=False
        )
    assert fresh(case).status == Status.MEDIATING


# --- the parties' choice of mediator (arts 19, 23(1)) ----------------------------------------


def test_art19_chosen_mediators_are_assigned_on_acceptance(
    committee_a, mediator_a, mediator_a2, director_a
):
    chosen = membership(mediator_a2)
    case = make_case(mediator_a, committee_a, preferred_mediators=[chosen.id])

    case = services.case_accept(
        actor=director_a, case=case, mediator_ids=[membership(mediator_a).id]
    )

    assert set(case.mediators.values_list("id", flat=True)) == {
        membership(mediator_a).id,
        chosen.id,
    }
    event = case.events.get(kind="accepted")
    assert event.data["preferred"] == {"honoured": [chosen.id], "not_honoured": []}


def test_art23_a_recused_choice_is_not_honoured_and_the_reason_recorded(
    committee_a, mediator_a, mediator_a2, director_a
):
    chosen = membership(mediator_a2)
    case = make_case(mediator_a, committee_a, preferred_mediators=[chosen.id])
    case.recused_mediators.add(chosen)  # a party objected to them (回避)

    case = services.case_accept(
        actor=director_a, case=fresh(case), mediator_ids=[membership(mediator_a).id]
    )

    assert chosen.id not in set(case.mediators.values_list("id", flat=True))
    assert case.events.get(kind="accepted").data["preferred"]["not_honoured"] == [
        {"mediator": chosen.id, "reason": "recused"}
    ]


def test_art23_an_unavailable_choice_is_not_honoured_and_the_reason_recorded(
    committee_a, mediator_a, mediator_a2, director_a
):
    chosen = membership(mediator_a2)
    case = make_case(mediator_a, committee_a, preferred_mediators=[chosen.id])
    Mediator.objects.filter(pk=chosen.pk).update(is_active=False)  # left the roster

    case = services.case_accept(
        actor=director_a, case=fresh(case), mediator_ids=[membership(mediator_a).id]
    )

    assert list(case.mediators.values_list("id", flat=True)) == [membership(mediator_a).id]
    assert case.events.get(kind="accepted").data["preferred"]["not_honoured"] == [
        {"mediator": chosen.id, "reason": "unavailable"}
    ]


def test_art23_the_director_may_declare_a_choice_unavailable_with_a_reason(
    committee_a, mediator_a, mediator_a2, director_a
):
    chosen = membership(mediator_a2)
    case = make_case(mediator_a, committee_a, preferred_mediators=[chosen.id])

    case = services.case_accept(
        actor=director_a,
        case=case,
        mediator_ids=[membership(mediator_a).id],
        preferred_unavailable_reason="该调解员病假至月底",
    )

    assert list(case.mediators.values_list("id", flat=True)) == [membership(mediator_a).id]
    assert case.events.get(kind="accepted").data["preferred"]["not_honoured"] == [
        {"mediator": chosen.id, "reason": "declared_unavailable", "note": "该调解员病假至月底"}
    ]


def test_art19_a_choice_must_be_a_mediator_of_the_committee(
    committee_a, mediator_a, outsider, committee_b
):
    count = Case.objects.count()
    with pytest.raises(InvalidInput) as refused, transaction.atomic():
        make_case(mediator_a, committee_a, preferred_mediators=[membership(outsider).id])

    assert refused.value.code == "invalid_mediator"
    assert Case.objects.count() == count


def test_art19_the_choice_can_be_edited_but_not_to_a_recused_mediator(
    committee_a, mediator_a, mediator_a2
):
    case = make_case(mediator_a, committee_a)
    second = membership(mediator_a2)

    case = services.case_update(actor=mediator_a, case=case, preferred_mediators=[second.id])
    assert list(case.preferred_mediators.values_list("id", flat=True)) == [second.id]
    assert case.events.get(kind="updated").data["after"] == {"preferred_mediators": [second.id]}

    case.recused_mediators.add(second)
    with pytest.raises(InvalidInput) as refused:
        services.case_update(actor=mediator_a, case=fresh(case), preferred_mediators=[second.id])
    assert refused.value.code == "mediator_recused"


# --- public or closed mediation (art 23(3)) ---------------------------------------------------


def test_art23_public_mediation_is_recorded_at_registration_and_by_an_edit(committee_a, mediator_a):
    case = make_case(mediator_a, committee_a, public_mediation=True)
    assert fresh(case).public_mediation is True

    case = services.case_update(actor=mediator_a, case=fresh(case), public_mediation=False)

    assert fresh(case).public_mediation is False
    assert case.events.get(kind="updated").data["after"] == {"public_mediation": False}
