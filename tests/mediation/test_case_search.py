"""selectors.case_search (the API's `q`, the mediator's search box): the cases whose number
or title contains the word, or with a party whose name does, ignoring the case of latin
letters, for words of 1, 2 and 3+ characters. On PostgreSQL a rare word is looked up in
the GIN indexes of migration mediation 0016 and a common one keeps the plain filter: both
must answer exactly what the plain filter answers (SQLite has only that)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation import selectors
from mediation.models import Case
from tests.builders import make_case, member, person

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def cases(mediator_a, committee_a, committee_b):
    mediator_b = member(committee_b, "mediator_b")
    organisation = {"kind": "organisation"}
    return [
        make_case(mediator_a, committee_a, title="楼上漏水纠纷"),  # 张某, 李某
        make_case(
            mediator_a,
            committee_a,
            title="Hongda Wages 欠薪",
            parties=[
                person("applicant", "王某"),
                person("respondent", "宏达建筑公司", **organisation),
            ],
        ),
        make_case(
            mediator_a,
            committee_a,
            title="买卖合同纠纷",
            parties=[
                person("applicant", "赵某"),
                person("respondent", "Shunda Logistics", **organisation),
            ],
        ),
        make_case(
            mediator_a,
            committee_a,
            title="完成率100%_以上",
            parties=[person("applicant", "甲"), person("respondent", "乙")],
        ),
        make_case(
            mediator_b,
            committee_b,
            title="楼下漏水",
            parties=[person("applicant", "王某某"), person("respondent", "钱某")],
        ),
    ]


WORDS = [
    # 1 character: common, rare, latin either case, digit, LIKE's wildcards, none
    "某", "漏", "买", "w", "W", "2", "%", "_", "鑫", "z",
    # 2 characters
    "漏水", "王某", "某某", "纠纷", "hO", "0%", "%_", "zz",
    # 3+ characters: title, party name, latin words of a title and of a party, none
    "买卖合同", "宏达建筑", "hongda WAGES", "shunda log", "100%_以", "不存在", "zzz",
]  # fmt: skip


def expected(cases, word: str, committee=None) -> set[int]:
    """What `contains, ignoring case` means, computed here."""
    word = word.upper()
    return {
        case.pk
        for case in cases
        if (committee is None or case.committee_id == committee.pk)
        and (
            word in case.number.upper()
            or word in case.title.upper()
            or any(word in party.name.upper() for party in case.parties.all())
        )
    }


def found(queryset, word: str) -> set[int]:
    return set(selectors.case_search(queryset, word).values_list("pk", flat=True))


@pytest.mark.parametrize("word", WORDS)
def test_the_search_finds_exactly_the_cases_containing_the_word(cases, committee_a, word):
    assert found(Case.objects.all(), word) == expected(cases, word)
    scoped = Case.objects.filter(committee=committee_a)
    assert found(scoped, word) == expected(cases, word, committee_a)


def test_numbers_and_their_fragments_are_found(cases):
    first = cases[0]
    for word in (first.number, first.number[-4:], first.number[:2], first.number.lower()):
        assert found(Case.objects.all(), word) == expected(cases, word)
        assert first.pk in found(Case.objects.all(), word)


def test_an_empty_word_is_no_search(cases):
    assert found(Case.objects.all(), "  ") == {case.pk for case in cases}


@pytest.mark.parametrize("word", WORDS)
def test_a_common_word_keeps_the_plain_filter_with_the_same_answer(
    cases, committee_a, monkeypatch, word
):
    """Past SEARCH_INDEXED_AT_MOST matches the search is the plain filter (every case of
    the scope read in the list's order): 1 here, so 2 matches already count as common."""
    monkeypatch.setattr(selectors, "SEARCH_INDEXED_AT_MOST", 1)
    want = expected(cases, word, committee_a)
    queryset, count = selectors.case_search_counted(
        Case.objects.filter(committee=committee_a), word
    )
    assert set(queryset.values_list("pk", flat=True)) == want
    # The count, when given, is exact up to 1, and 2 means "more than 1"; None: not known
    # (a case with two matching parties filled the lookup's row).
    assert count is None or (count == len(want) if count <= 1 else len(want) > 1)
    if not POSTGRES:
        assert count is None
    elif len(want) > 1 and word != "某":  # 某: case 1's two parties, 张某 and 李某
        assert count == 2


def test_the_count_of_a_lookup_is_the_number_of_cases(cases, committee_a):
    queryset, count = selectors.case_search_counted(
        Case.objects.filter(committee=committee_a), "某"
    )
    assert set(queryset.values_list("pk", flat=True)) == expected(cases, "某", committee_a)
    assert count == (3 if POSTGRES else None)  # of the 4 in A, 甲 and 乙 have no 某


@pytest.mark.skipif(not POSTGRES, reason="the GIN indexes are PostgreSQL's")
def test_a_rare_word_is_looked_up_in_the_indexes(cases, committee_a):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('case_number_grams', 'case_title_grams', 'party_name_grams')"
        )
        assert len(cursor.fetchall()) == 3
    with CaptureQueriesContext(connection) as lookup:
        queryset = selectors.case_search(Case.objects.filter(committee=committee_a), "宏达")
    assert len(lookup) == 1 and "tiaojie_grams" in lookup.captured_queries[0]["sql"]
    with CaptureQueriesContext(connection) as page:
        assert set(queryset.values_list("pk", flat=True)) == {cases[1].pk}
    assert "EXISTS" not in page.captured_queries[0]["sql"]  # the ids, not a scan of parties
