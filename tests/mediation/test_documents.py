"""Documents from templates (issue 16 item 1): every kind renders to a DOCX that python-docx
opens and that carries the case number, the parties and the agreement's terms; readiness;
masking; the district's template folder wins over the shipped templates."""

from decimal import Decimal

import pytest

from mediation import documents, services
from mediation.documents import build_templates, docx_blocks
from mediation.exceptions import InvalidInput
from tests.builders import fresh, make_case
from tests.mediation.document_helpers import (
    ID_NUMBER,
    PHONE,
    docx_fonts,
    docx_text,
    succeeded_case,
)

pytestmark = pytest.mark.django_db


def loaded(case, user):
    return documents.documents_case(user).get(pk=case.pk)


def render(case, user, kind, *, unmasked=True, **extra):
    return documents.document_render(loaded(case, user), kind, unmasked=unmasked, **extra)


def test_every_ready_document_carries_the_number_and_the_parties(
    mediator_a, director_a, committee_a
):
    # given a succeeded case with a written agreement
    case = succeeded_case(mediator_a, director_a, committee_a)
    ready = [
        row["kind"] for row in documents.document_list(loaded(case, mediator_a)) if row["ready"]
    ]
    assert set(ready) == set(documents.KINDS) - {
        "decline_notice",
        "oral_agreement",
        "follow_up_record",
    }

    for kind in ready:
        # when
        data = render(case, mediator_a, kind)
        # then python-docx opens it and finds the case
        text = docx_text(data)
        assert case.number in text, kind
        if kind not in ("file_contents", "investigation"):
            assert "张建国" in text and "李秀兰" in text, kind
        # every run names the CJK font the template sets
        assert docx_fonts(data) == {build_templates.CJK_FONT}, kind


def test_the_agreement_has_its_terms_and_one_copy_per_party_plus_the_committee(
    mediator_a, director_a, committee_a
):
    case = succeeded_case(mediator_a, director_a, committee_a)

    text = docx_text(render(case, mediator_a, "agreement"))

    assert "1. 李秀兰赔偿张建国房屋维修费2000元。" in text
    assert "2. 李秀兰于12月15日前修复卫生间防水层。" in text
    assert text.count("人民调解协议书") == 3
    assert "第1份（申请人张建国执）" in text
    assert "第2份（被申请人李秀兰执）" in text
    assert f"第3份（{committee_a.name}存档）" in text
    assert "本协议一式3份" in text
    assert text.count(fresh(case).agreement.number) == 3
    # the applicant's personal data, whole for the holding committee
    assert ID_NUMBER in text and PHONE in text
    assert "男" in text  # read from the ID number


def test_outside_the_holding_committee_names_and_personal_data_are_masked(
    mediator_a, director_a, committee_a, district
):
    case = succeeded_case(mediator_a, director_a, committee_a)

    text = docx_text(render(case, district, "agreement", unmasked=False))

    assert case.number in text
    assert "张＊＊" in text and "李＊＊" in text
    assert "张建国" not in text and "李秀兰" not in text  # in the terms too
    assert "1. 李＊＊赔偿张＊＊房屋维修费2000元。" in text
    assert ID_NUMBER not in text and PHONE not in text
    assert "6401**********1235" in text
    assert "满城北街1号" not in text and "金凤区＊＊＊＊" in text


def test_an_open_case_is_not_ready_for_the_agreement(mediator_a, director_a, committee_a):
    case = make_case(mediator_a, committee_a, source="screening")
    rows = {row["kind"]: row for row in documents.document_list(loaded(case, mediator_a))}

    assert rows["agreement"] == {
        "kind": "agreement",
        "title": "人民调解协议书",
        "ready": False,
        "missing": ["agreement"],
    }
    assert rows["application"]["missing"] == ["party_application"]
    assert rows["session_record"]["missing"] == ["session"]
    assert rows["registration"]["ready"] is True
    with pytest.raises(documents.DocumentNotReady) as refused:
        render(case, mediator_a, "agreement")
    assert refused.value.extra["missing"] == ["agreement"]


def test_an_oral_agreement_has_its_own_record_and_no_written_document(
    mediator_a, director_a, committee_a
):
    case = succeeded_case(mediator_a, director_a, committee_a, form="oral", terms="互相道歉。")
    rows = {row["kind"]: row for row in documents.document_list(loaded(case, mediator_a))}

    assert rows["agreement"]["missing"] == ["written_agreement"]
    assert rows["judicial_application"]["missing"] == ["written_agreement"]
    text = docx_text(render(case, mediator_a, "oral_agreement"))
    assert "人民调解口头协议登记表" in text and "1. 互相道歉。" in text


def test_a_declined_case_gets_the_decline_notice(director_a, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a)
    services.case_decline(
        actor=director_a,
        case=fresh(case),
        reason="法院已立案审理",
        reason_code="already_accepted_elsewhere",
    )

    text = docx_text(render(case, mediator_a, "decline_notice"))

    assert "不予受理告知书" in text and case.number in text
    assert "法院、公安或其他机关已受理或处理" in text
    assert "向人民法院提起诉讼" in text


def test_the_session_record_has_one_record_per_session_or_the_one_asked_for(
    mediator_a, director_a, committee_a
):
    case = succeeded_case(mediator_a, director_a, committee_a)
    session = fresh(case).sessions.get()

    whole = docx_text(render(case, mediator_a, "session_record"))
    one = docx_text(render(case, mediator_a, "session_record", session=str(session.pk)))

    assert whole == one
    assert "双方陈述意见，同意赔偿。" in one and "社区调解室" in one
    with pytest.raises(InvalidInput):
        render(case, mediator_a, "session_record", session="999999")


def test_the_follow_up_record_lists_the_visits_done(mediator_a, director_a, committee_a):
    case = succeeded_case(mediator_a, director_a, committee_a)
    visit = fresh(case).follow_ups.get(kind="performance_check")
    services.followup_complete(
        actor=mediator_a, followup=visit, performed="full", result="已按期赔偿并修复"
    )

    text = docx_text(render(case, mediator_a, "follow_up_record"))

    assert "人民调解回访记录" in text and "全部履行" in text and "已按期赔偿并修复" in text
    assert fresh(case).agreement.number in text


def test_a_template_in_the_district_folder_wins(
    settings, tmp_path, mediator_a, director_a, committee_a
):
    # given the district's own registration form (another title), same file name
    document = docx_blocks.new_document()
    docx_blocks.title(document, "金凤区人民调解受理登记表（区定格式）")
    docx_blocks.para(document, "编号：{{ case.number }}")
    document.save(tmp_path / "registration.docx")
    settings.TIAOJIE_DOCUMENT_TEMPLATE_DIR = str(tmp_path)
    case = make_case(mediator_a, committee_a)

    # then the district's registration form is used, the shipped ones for the rest
    text = docx_text(render(case, mediator_a, "registration"))
    assert text == f"金凤区人民调解受理登记表（区定格式）编号：{case.number}"
    assert "人民调解当事人权利义务告知书" in docx_text(render(case, mediator_a, "rights_notice"))


def test_party_text_is_escaped_not_markup(mediator_a, committee_a):
    case = make_case(mediator_a, committee_a, facts="<w:p>甲 & 乙</w:p> {{ 1 + 1 }}")

    text = docx_text(render(case, mediator_a, "registration"))

    assert "<w:p>甲 & 乙</w:p> {{ 1 + 1 }}" in text


def test_the_shipped_templates_are_what_the_build_script_writes(tmp_path):
    for kind in build_templates.BUILDERS:
        built = build_templates.build(kind, tmp_path)
        shipped = documents.template_path(kind)
        assert docx_text_of(built) == docx_text_of(shipped), kind


def docx_text_of(path):
    return docx_text(path.read_bytes())


def test_amounts_keep_their_cents(mediator_a, director_a, committee_a):
    case = succeeded_case(mediator_a, director_a, committee_a)
    assert fresh(case).agreement.amount == Decimal("2000.00")
    assert "协议金额2000.00元" in docx_text(render(case, mediator_a, "agreement"))
