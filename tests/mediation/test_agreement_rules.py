"""The agreement's rules (issue 15 items 1, 2, 4, 5): its form (人民调解法 art 28, 人民调解工作
若干规定 art 34), its signatures and effective date (arts 29, 30), guidance on failure
(art 26) and the extension of the mediation period. Each test names its article; each
refusal leaves the case as it was. Built through the services; dates travel with
time-machine, so the tests pass on any day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from mediation import services
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import Agreement, AgreementSignature, CaseEvent, FollowUp
from tests.builders import at, attach, fresh, sign_all
from tests.builders import case_state as state
from tests.builders import world_accept as accept
from tests.builders import world_succeed as succeed

Kind = FollowUp.Kind


def conclude(world, case, **agreement):
    return services.case_conclude(
        actor=world.mediator, case=fresh(case), outcome="success", agreement=agreement
    )


def waiver(**changes):
    return {
        "by": "张某、李某",
        "at": timezone.now(),
        "statement": "双方认为无需制作书面协议",
        **changes,
    }


# --- item 1: the agreement's form (art 28; 规定 art 34) --------------------------------------


def test_art28_an_oral_agreement_for_50000_yuan_without_a_recorded_waiver_is_refused(world):
    """人民调解法 art 28 / 规定 art 34: money needs a written agreement unless the parties
    chose not to have one."""
    case = accept(world)
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        conclude(world, case, form="oral", terms="分期支付五万元", amount=Decimal("50000"))

    assert refused.value.code == "written_agreement_required"
    assert state(case) == before


def test_art28_an_oral_agreement_with_a_later_performance_needs_the_waiver(world):
    case = accept(world)
    before = state(case)
    later = timezone.localdate() + timedelta(days=30)

    with pytest.raises(InvalidInput) as refused:
        conclude(world, case, form="oral", terms="下月赔礼道歉", performance_deadline=later)

    assert refused.value.code == "written_agreement_required"
    assert state(case) == before


def test_art28_the_parties_waiver_is_stored_with_who_when_and_their_words(world):
    case = accept(world)
    when = fresh(case).accepted_at.replace(microsecond=0) + timedelta(seconds=1)

    conclude(
        world,
        case,
        form="oral",
        terms="分期支付五万元",
        amount=Decimal("50000"),
        document_waived=waiver(at=when),
    )

    agreement = fresh(case).agreement
    assert (agreement.document_waived_by, agreement.document_waived_at) == ("张某、李某", when)
    assert agreement.document_waived_statement == "双方认为无需制作书面协议"
    assert agreement.effective_on == timezone.localdate()  # art 30: the day it is reached


def test_art30_an_oral_agreement_without_money_takes_effect_the_day_it_is_reached(world):
    case = conclude(world, accept(world), form="oral", terms="互相谅解")

    assert fresh(case).agreement.effective_on == timezone.localdate()


# --- item 2: signatures and the effective date (art 29) --------------------------------------


def test_art29_a_written_agreement_has_no_effective_date_until_every_signature(world):
    """人民调解法 art 29: effective when every party, a mediator and the committee's seal
    are on it, on the day of the last."""
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        case = succeed(world)
    case = fresh(case)
    assert case.agreement.effective_on is None
    assert not FollowUp.objects.filter(case=case, kind=Kind.PERFORMANCE_CHECK).exists()
    applicant, respondent = case.parties.order_by("id")

    with time_machine.travel(at(date(2026, 3, 3)), tick=False):
        for party in (applicant, respondent):
            services.agreement_sign(
                actor=world.mediator,
                case=fresh(case),
                signer_party=party.id,
                method="fingerprint",
                at=timezone.now(),
            )
        services.agreement_sign(
            actor=world.mediator,
            case=fresh(case),
            signer_mediator=world.mediator_row.id,
            method="handwritten",
            at=timezone.now(),
        )
    assert fresh(case).agreement.effective_on is None  # the committee has not sealed it

    with time_machine.travel(at(date(2026, 3, 5)), tick=False):
        services.agreement_sign(
            actor=world.mediator,
            case=fresh(case),
            signer_committee=True,
            method="seal",
            at=at(date(2026, 3, 4), 16),
        )

    agreement = fresh(case).agreement
    assert agreement.effective_on == date(2026, 3, 4)
    assert agreement.signatures.count() == 4
    # The performance check counts from the derived date, not the conclusion.
    [check] = FollowUp.objects.filter(case=case, kind=Kind.PERFORMANCE_CHECK)
    assert timezone.localdate(check.due_at) == date(2026, 3, 4) + timedelta(days=15)
    assert CaseEvent.objects.filter(case=case, kind="agreement_effective").count() == 1


@pytest.mark.parametrize(
    ("signed", "code"),
    [
        (at(date(2026, 3, 1), 9), "signed_before_acceptance"),
        (at(date(2026, 3, 9)), "signed_in_future"),
    ],
)
def test_art29_a_signature_before_acceptance_or_in_the_future_is_refused(world, signed, code):
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        case = succeed(world)
    before = state(case)

    with (
        time_machine.travel(at(date(2026, 3, 3)), tick=False),
        pytest.raises(InvalidInput) as refused,
    ):
        services.agreement_sign(
            actor=world.mediator, case=fresh(case), signer_committee=True, method="seal", at=signed
        )

    assert refused.value.code == code
    assert state(case) == before
    assert not AgreementSignature.objects.exists()


def test_art29_the_committee_seals_and_each_signer_signs_once(world):
    case = succeed(world)

    with pytest.raises(InvalidInput) as not_a_seal:
        services.agreement_sign(
            actor=world.mediator,
            case=fresh(case),
            signer_committee=True,
            method="handwritten",
            at=timezone.now(),
        )
    services.agreement_sign(
        actor=world.mediator,
        case=fresh(case),
        signer_committee=True,
        method="seal",
        at=timezone.now(),
    )
    with pytest.raises(InvalidTransition):
        services.agreement_sign(
            actor=world.mediator,
            case=fresh(case),
            signer_committee=True,
            method="seal",
            at=timezone.now(),
        )

    assert not_a_seal.value.code == "invalid_choice"
    assert AgreementSignature.objects.count() == 1


def test_art29_an_oral_agreement_takes_no_signatures(world):
    case = conclude(world, accept(world), form="oral", terms="互相谅解")

    with pytest.raises(InvalidInput) as refused:
        services.agreement_sign(
            actor=world.mediator,
            case=fresh(case),
            signer_committee=True,
            method="seal",
            at=timezone.now(),
        )

    assert refused.value.code == "written_agreement_required"


def test_art29_effective_on_sent_by_a_client_is_not_taken(world):
    earlier = timezone.localdate() - timedelta(days=400)
    case = conclude(world, accept(world), form="written", terms="赔偿", effective_on=earlier)

    assert fresh(case).agreement.effective_on is None
    case = sign_all(world.mediator, case)
    assert fresh(case).agreement.effective_on == timezone.localdate()


# --- item 4: guidance on failure (art 26) ----------------------------------------------------


def test_art26_a_failed_mediation_must_tell_the_parties_another_route(world):
    """人民调解法 art 26: 调解不成的，应当告知当事人依法通过仲裁、行政、司法等途径维护权利."""
    case = accept(world)
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        services.case_conclude(
            actor=world.mediator, case=fresh(case), outcome="failure", guidance="none"
        )

    assert refused.value.code == "guidance_required"
    assert state(case) == before


# --- item 5: extension with consent, count and length as settings -----------------------------


def test_extension_count_and_length_are_settings_and_consent_is_recorded(world, settings):
    """规定 (extension with the parties' consent): the count and the length are settings."""
    settings.TIAOJIE = {**settings.TIAOJIE, "EXTENSION_MAX_COUNT": 2, "EXTENSION_MAX_DAYS": 10}
    case = accept(world)
    due = fresh(case).due_on

    for _ in range(2):
        services.case_extend(
            actor=world.mediator, case=fresh(case), days=10, reason="双方同意", parties_consent=True
        )
    with pytest.raises(InvalidTransition):
        services.case_extend(
            actor=world.mediator, case=fresh(case), days=5, reason="第三次", parties_consent=True
        )
    with pytest.raises(InvalidInput) as too_long:
        services.case_extend(
            actor=world.mediator, case=fresh(case), days=11, reason="过长", parties_consent=True
        )

    case = fresh(case)
    assert (case.due_on, case.extended_days, case.extension_count) == (
        due + timedelta(days=20),
        20,
        2,
    )
    assert too_long.value.code == "extension_too_long"
    events = CaseEvent.objects.filter(case=case, kind="extended")
    assert [e.data["parties_consent"] for e in events] == [True, True]


def test_existing_agreement_rows_keep_their_values(world):
    """The migration's promise, as the model holds it: a version-1 agreement whose case
    points to it is the current one; `agreements` lists it."""
    case = succeed(world, effective_on=timezone.localdate())
    agreement = Agreement.objects.get(case=case)

    assert fresh(case).agreement == agreement
    assert list(fresh(case).agreements.all()) == [agreement]
    assert agreement.version == 1


def test_art29_the_signed_scan_is_an_attachment_of_the_case_of_kind_signed_agreement(world):
    case = succeed(world)
    other = succeed(world)
    evidence = attach(world.mediator, case, "evidence")
    elsewhere = attach(world.mediator, other, "signed_agreement")
    scan = attach(world.mediator, case, "signed_agreement")

    for wrong in (evidence, elsewhere):
        with pytest.raises(InvalidInput) as refused:
            services.agreement_sign(
                actor=world.mediator,
                case=fresh(case),
                signer_committee=True,
                method="seal",
                at=timezone.now(),
                attachment=wrong.id,
            )
        assert refused.value.code == "invalid_attachment"
    signature = services.agreement_sign(
        actor=world.mediator,
        case=fresh(case),
        signer_committee=True,
        method="seal",
        at=timezone.now(),
        attachment=scan.id,
    )

    assert signature.attachment == scan
    assert AgreementSignature.objects.count() == 1
