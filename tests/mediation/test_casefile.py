"""The 卷宗 (issue 16 item 4): what a complete file holds per outcome
(../shared/data/document-formats.md), archiving refused while it is incomplete, the 卷号
gapless per committee and year, the retention period; and the rights notice of 规定 art 30
(issue 15 item 10)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from mediation import followups, services
from mediation.exceptions import InvalidInput, InvalidTransition, NotAllowed
from mediation.models import Case, CaseEvent, FileNumberCounter, FollowUp
from mediation.services.casefile import FileIncomplete, retention_until
from tests.builders import (
    PNG_BYTES,
    attach,
    case_state,
    complete_file,
    fresh,
    person,
    sign_all,
    world_accept,
    world_register,
    world_succeed,
)

pytestmark = pytest.mark.django_db


def settle(world, case) -> Case:
    """Complete or fire the case's scheduled follow-ups, as the people and the engine would."""
    for row in FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED):
        if row.needs_a_person:
            followups.followup_complete(actor=world.mediator, followup=row, performed="full")
        else:
            followups.followup_fire(followup_id=row.id)
    return fresh(case)


def withdrawn(world, **fields) -> Case:
    case = world_accept(world, world_register(world, **fields))
    return services.case_withdraw(actor=world.mediator, case=fresh(case), reason="撤回")


def archive(world, case) -> Case:
    return services.case_archive(actor=world.mediator, case=fresh(case))


# --- what is missing, per outcome ---------------------------------------------------------


def test_a_succeeded_written_case_lists_every_missing_item_in_contents_order(world):
    case = settle(world, world_succeed(world))

    found = services.casefile_missing(fresh(case))

    assert found["missing"] == ["rights_notice", "id_copy", "session_record", "signed_agreement"]
    applicant, respondent = case.parties.order_by("id")
    assert found["parties_without_id_copy"] == [applicant.id, respondent.id]


def test_archiving_an_incomplete_file_is_409_file_incomplete_and_changes_nothing(world):
    case = settle(world, world_succeed(world))
    before = case_state(case)

    with pytest.raises(FileIncomplete) as refused:
        archive(world, case)

    assert (refused.value.status, refused.value.code) == (409, "file_incomplete")
    assert refused.value.extra["missing"] == [
        "rights_notice",
        "id_copy",
        "session_record",
        "signed_agreement",
    ]
    assert case_state(case) == before
    assert not FileNumberCounter.objects.exists()


def test_a_complete_succeeded_file_archives_with_a_number_and_retention(world):
    # given the file built as a mediator builds it: before and after the conclusion
    case = complete_file(world.mediator, world_accept(world))
    case = complete_file(world.mediator, world_succeed(world, case))
    case = settle(world, case)
    assert services.casefile_missing(case)["missing"] == []

    # when
    case = archive(world, case)

    # then
    today = timezone.localdate()
    assert case.status == "archived"
    assert case.file_number == f"{today.year}-0001"
    assert (case.file_year, case.file_sequence) == (today.year, 1)
    assert case.retain_until == retention_until(case, today)
    assert case.retain_until.year == today.year + 10
    event = CaseEvent.objects.filter(case=case, kind="archived").get()
    assert event.data == {"file_number": case.file_number, "retain_until": str(case.retain_until)}


def test_an_oral_agreement_needs_no_signed_scan(world):
    case = complete_file(world.mediator, world_accept(world))
    case = settle(world, world_succeed(world, case, form="oral", terms="双方互谅"))

    assert services.casefile_missing(case)["missing"] == []


def test_a_failed_case_needs_a_session_record_a_withdrawn_one_does_not(world):
    failed = services.case_conclude(
        actor=world.mediator,
        case=fresh(world_accept(world)),
        outcome="failure",
        guidance="litigation",
    )
    failed = complete_file(world.mediator, settle(world, failed))
    gone = complete_file(world.mediator, withdrawn(world))

    assert services.casefile_missing(failed)["missing"] == ["session_record"]
    assert services.casefile_missing(gone)["missing"] == []


def test_only_natural_persons_need_an_identity_document(world):
    parties = [
        person("applicant", "张某"),
        {"role": "respondent", "name": "某物业公司", "kind": "organisation"},
    ]
    case = withdrawn(world, parties=parties)
    services.case_rights_notified(actor=world.mediator, case=case, at=timezone.now(), how="oral")
    applicant = case.parties.get(kind="person")

    assert services.casefile_missing(fresh(case)) == {
        "missing": ["id_copy"],
        "parties_without_id_copy": [applicant.id],
    }
    # an id_copy that names nobody does not count
    attach(world.mediator, case, "id_copy", content=PNG_BYTES)
    assert services.casefile_missing(fresh(case))["missing"] == ["id_copy"]
    attach(world.mediator, case, "id_copy", party=applicant, content=PNG_BYTES)
    assert services.casefile_missing(fresh(case))["missing"] == []


def test_the_follow_up_record_is_required_once_the_performance_visit_fell_due(world):
    case = complete_file(world.mediator, world_accept(world))
    # signed by all: in force, so its performance visit is scheduled (人民调解法 art 29)
    case = complete_file(world.mediator, sign_all(world.mediator, world_succeed(world, case)))
    check = FollowUp.objects.get(case=case, kind=FollowUp.Kind.PERFORMANCE_CHECK)
    assert services.casefile_missing(case)["missing"] == []  # not due yet

    with time_machine.travel(check.due_at + timedelta(minutes=1), tick=False):
        assert services.casefile_missing(fresh(case))["missing"] == ["follow_up_record"]
        followups.followup_complete(actor=world.mediator, followup=check, performed="full")
        assert services.casefile_missing(fresh(case))["missing"] == []


# --- the 卷号 and retention -----------------------------------------------------------------


def test_file_numbers_run_without_gaps_per_committee_and_year(world):
    year = timezone.localdate().year
    first = complete_file(world.mediator, withdrawn(world))
    incomplete = withdrawn(world)  # refused: it takes no number
    second = complete_file(world.mediator, withdrawn(world))

    archive(world, first)
    with pytest.raises(FileIncomplete):
        archive(world, incomplete)
    archive(world, second)

    assert fresh(first).file_number == f"{year}-0001"
    assert fresh(second).file_number == f"{year}-0002"
    assert fresh(incomplete).file_number == ""
    assert FileNumberCounter.objects.get(committee=world.committee_a, year=year).last == 2


def test_retention_is_a_setting_by_outcome(world, settings):
    settings.TIAOJIE = {**settings.TIAOJIE, "RETENTION_YEARS_OTHER": 3}
    case = archive(world, complete_file(world.mediator, withdrawn(world)))

    archived_on = timezone.localdate(case.archived_at)
    assert case.retain_until == retention_until(case, archived_on)
    assert case.retain_until.year == archived_on.year + 3
    assert case.retain_until.month == archived_on.month


def test_retention_from_29_february_ends_on_28_february():
    case = Case(closed_as="succeeded")

    assert retention_until(case, date(2028, 2, 29)) == date(2038, 2, 28)


# --- the rights notice (人民调解工作若干规定 art 30) -------------------------------------------


def test_rights_notice_regulations_art_30_is_recorded_with_when_and_how(world):
    """规定 art 30: before mediation the committee tells the parties their rights and
    duties; the case records when and how, and the history says so."""
    case = world_register(world)
    at = timezone.now() - timedelta(seconds=1)

    services.case_rights_notified(actor=world.mediator, case=case, at=at, how="written")

    case = fresh(case)
    assert (case.rights_notified_at, case.rights_notified_how) == (at, "written")
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.kind == "rights_notified"
    assert event.data == {"at": at.isoformat(), "how": "written"}


def test_rights_notice_art_30_refuses_bad_times_roles_and_states(world):
    case = world_register(world)
    before = case_state(case)

    with pytest.raises(InvalidInput) as future:
        services.case_rights_notified(
            actor=world.mediator, case=case, at=timezone.now() + timedelta(days=1), how="oral"
        )
    with pytest.raises(InvalidInput) as early:
        services.case_rights_notified(
            actor=world.mediator, case=case, at=case.received_at - timedelta(days=3), how="oral"
        )
    with pytest.raises(InvalidInput) as how:
        services.case_rights_notified(
            actor=world.mediator, case=case, at=timezone.now(), how="telepathy"
        )
    with pytest.raises(NotAllowed):
        services.case_rights_notified(
            actor=world.outsider, case=case, at=timezone.now(), how="oral"
        )
    declined = services.case_decline(actor=world.director, case=case, reason="不属于调解范围")
    after_decline = case_state(declined)
    with pytest.raises(InvalidTransition):
        services.case_rights_notified(
            actor=world.mediator, case=declined, at=timezone.now(), how="oral"
        )

    assert future.value.code == "date_out_of_range"
    assert early.value.code == "notified_before_received"
    assert how.value.code == "invalid_choice"
    assert case_state(declined) == after_decline
    assert before["rights_notified_at"] is None
