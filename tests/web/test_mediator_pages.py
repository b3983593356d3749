"""The mediator's pages through the test client: 我的案件 (badges, search), 登记纠纷 (party
rows, the server's ID check beside its field), scope (404 outside, masked for the judicial
office, 403 for a non-member's mediator pages)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation.models import Case, PersonalDataAccess
from tests.builders import ID_NUMBER, OTHER_ID_NUMBER, PHONE, fresh, make_case
from tests.web.conftest import csrf_post


def register_body(committee, **overrides) -> dict:
    body = {
        "committee": committee.pk,
        "source": "party_application",
        "dispute_type": "neighbourhood",
        "title": "楼道堆物纠纷",
        "facts": "楼道长期堆放杂物",
        "claims": "清理杂物",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "王某",
        "parties-0-id_number": OTHER_ID_NUMBER,
        "parties-0-phone": PHONE,
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "赵某",
    }
    body.update(overrides)
    return body


# --- 我的案件 ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_open_cases_with_due_and_overdue_badges(
    web_client, mediator_a, director_a, committee_a
):
    # given three cases being mediated: overdue, due in two days, due later
    overdue = make_case(
        mediator_a, committee_a, title="超期案", status="mediating", director=director_a
    )
    soon = make_case(
        mediator_a, committee_a, title="将到期案", status="mediating", director=director_a
    )
    later = make_case(
        mediator_a, committee_a, title="宽裕案", status="mediating", director=director_a
    )
    today = timezone.localdate()
    Case.objects.filter(pk=overdue.pk).update(due_on=today - timedelta(days=4))
    Case.objects.filter(pk=soon.pk).update(due_on=today + timedelta(days=2))
    Case.objects.filter(pk=later.pk).update(due_on=today + timedelta(days=20))
    # when
    response = web_client(mediator_a).get("/cases/")
    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert "已超期4天" in text and "2天后到期" in text
    assert text.index("超期案") < text.index("将到期案") < text.index("宽裕案")


@pytest.mark.django_db
def test_search_finds_by_number_title_or_party_name(web_client, mediator_a, committee_a):
    first = make_case(mediator_a, committee_a, title="漏水纠纷")
    make_case(mediator_a, committee_a, title="噪音纠纷")
    client = web_client(mediator_a)
    by_title = client.get("/cases/", {"q": "漏水"}).content.decode()
    assert "漏水纠纷" in by_title and "噪音纠纷" not in by_title
    by_number = client.get("/cases/", {"q": first.number}).content.decode()
    assert "漏水纠纷" in by_number and "噪音纠纷" not in by_number
    by_party = client.get("/cases/", {"q": "张某", "view": "all"}).content.decode()
    assert "漏水纠纷" in by_party and "噪音纠纷" in by_party
    nothing = client.get("/cases/", {"q": "不存在"}).content.decode()
    assert "没有找到" in nothing


@pytest.mark.django_db
def test_the_list_holds_only_the_users_committees(web_client, mediator_a, outsider, committee_b):
    make_case(outsider, committee_b, title="B的案件")
    assert "B的案件" not in web_client(mediator_a).get("/cases/?view=all").content.decode()


@pytest.mark.django_db
def test_mine_lists_the_cases_assigned_to_the_user(
    web_client, mediator_a, mediator_a2, director_a, committee_a
):
    make_case(mediator_a, committee_a, title="甲的案件", status="mediating", director=director_a)
    make_case(mediator_a2, committee_a, title="乙的案件", status="mediating", director=director_a)
    text = web_client(mediator_a).get("/cases/?view=mine").content.decode()
    assert "甲的案件" in text and "乙的案件" not in text


@pytest.mark.django_db
def test_the_mediator_pages_are_for_members(web_client, office_a, district, court_liaison):
    for user in (office_a, district, court_liaison):
        client = web_client(user)
        for url in ("/cases/", "/cases/new/", "/todo/", "/cases/new/party-row/?index=2"):
            assert client.get(url).status_code == 403, (user, url)


# --- 登记纠纷 ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_starts_with_an_applicant_and_a_respondent(web_client, mediator_a):
    text = web_client(mediator_a).get("/cases/new/").content.decode()
    assert 'name="parties-0-name"' in text and 'name="parties-1-name"' in text
    assert 'value="respondent" selected' in text
    assert 'name="parties-TOTAL_FORMS" id="id_parties-TOTAL_FORMS" value="2"' in text


@pytest.mark.django_db
def test_a_party_row_is_added_in_place(web_client, mediator_a):
    response = web_client(mediator_a).get("/cases/new/party-row/?index=2", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert 'name="parties-2-name"' in text
    assert 'id="id_parties-TOTAL_FORMS" value="3" hx-swap-oob="true"' in text
    assert "index=3" in text  # the add button now adds the fourth row


@pytest.mark.django_db
def test_registering_creates_the_case_through_the_service(web_client, mediator_a, committee_a):
    response = csrf_post(web_client(mediator_a), "/cases/new/", register_body(committee_a))
    assert response.status_code == 302
    case = Case.objects.get(title="楼道堆物纠纷")
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.status == "registered" and case.committee == committee_a
    assert case.number.startswith("（")
    assert sorted(case.parties.values_list("name", flat=True)) == ["王某", "赵某"]
    assert case.events.get().kind == "registered"
    assert case.created_by == mediator_a


@pytest.mark.django_db
def test_a_removed_row_is_skipped_and_a_third_row_is_kept(web_client, mediator_a, committee_a):
    # rows 0 and 2 are sent; row 1 was removed on the page
    body = register_body(committee_a)
    for key in [k for k in body if k.startswith("parties-1-")]:
        del body[key]
    body.update(
        {
            "parties-TOTAL_FORMS": "3",
            "parties-2-role": "respondent",
            "parties-2-kind": "person",
            "parties-2-name": "钱某",
        }
    )
    assert csrf_post(web_client(mediator_a), "/cases/new/", body).status_code == 302
    case = Case.objects.get(title="楼道堆物纠纷")
    assert sorted(case.parties.values_list("name", flat=True)) == ["王某", "钱某"]


@pytest.mark.django_db
def test_a_bad_id_number_is_refused_beside_its_field_and_nothing_is_written(
    web_client, mediator_a, committee_a
):
    bad = OTHER_ID_NUMBER[:-1] + ("0" if OTHER_ID_NUMBER[-1] != "0" else "1")
    response = csrf_post(
        web_client(mediator_a),
        "/cases/new/",
        register_body(committee_a, **{"parties-1-id_number": bad}),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "身份证号码校验位错误" in text
    # beside the second row's field, the rows kept as typed
    row = text[text.index('id="party-1"') :]
    assert row.index("身份证号码校验位错误") < row.index("</fieldset>")
    assert 'value="王某"' in text
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_missing_respondent_is_the_services_message(web_client, mediator_a, committee_a):
    body = register_body(committee_a, **{"parties-1-role": "applicant"})
    response = csrf_post(web_client(mediator_a), "/cases/new/", body)
    assert response.status_code == 400
    assert "至少需要一名申请人和一名被申请人" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_required_field_left_empty_is_said_in_chinese(web_client, mediator_a, committee_a):
    response = csrf_post(
        web_client(mediator_a), "/cases/new/", register_body(committee_a, title="")
    )
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()


@pytest.mark.django_db
def test_a_committee_the_user_is_not_in_is_refused(
    web_client, mediator_a, committee_a, committee_b
):
    response = csrf_post(web_client(mediator_a), "/cases/new/", register_body(committee_b))
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_registering_without_csrf_is_refused(mediator_a, committee_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(mediator_a)
    assert client.post("/cases/new/", register_body(committee_a)).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_the_id_hint_is_the_servers_check(web_client, mediator_a):
    client = web_client(mediator_a)
    good = client.get("/cases/check-id/", {"parties-0-id_number": ID_NUMBER}).content.decode()
    assert "格式正确" in good
    bad = client.get("/cases/check-id/", {"parties-0-id_number": "640104198001011234"})
    assert "校验位错误" in bad.content.decode()
    region = client.get("/cases/check-id/", {"parties-0-id_number": "990104198001011235"})
    assert "行政区划" in region.content.decode()
    credit = client.get(
        "/cases/check-id/", {"parties-0-id_number": "12345", "parties-0-kind": "organisation"}
    )
    assert "统一社会信用代码" in credit.content.decode()


# --- the case page: scope and masking --------------------------------------------------------


@pytest.mark.django_db
def test_a_member_sees_the_parties_whole_and_the_read_is_logged(web_client, mediator_a, case_a):
    text = web_client(mediator_a).get(f"/cases/{case_a.pk}/").content.decode()
    assert OTHER_ID_NUMBER in text and PHONE in text
    assert PersonalDataAccess.objects.filter(user=mediator_a, case=case_a).exists()


@pytest.mark.django_db
def test_the_judicial_office_sees_the_case_masked_and_no_actions(web_client, office_a, case_a):
    response = web_client(office_a).get(f"/cases/{case_a.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "6401**********1235" in text and "138****0000" in text
    assert OTHER_ID_NUMBER not in text
    assert "记录调解" not in text and "确认结案" not in text


@pytest.mark.django_db
def test_outside_scope_is_404(web_client, outsider, office_b, court_liaison, case_a):
    for user in (outsider, office_b, court_liaison):
        assert web_client(user).get(f"/cases/{case_a.pk}/").status_code == 404
    assert web_client(outsider).get("/cases/999999/").status_code == 404


@pytest.mark.django_db
def test_the_timeline_lists_the_history(web_client, mediator_a, mediating_a):
    text = web_client(mediator_a).get(f"/cases/{mediating_a.pk}/").content.decode()
    timeline = text[text.index("办理经过") :]
    assert timeline.index("登记") < timeline.index("受理")
    assert "→ 调解中" in timeline


@pytest.mark.django_db
def test_a_registered_case_offers_no_session_form(web_client, mediator_a, case_a):
    text = web_client(mediator_a).get(f"/cases/{case_a.pk}/").content.decode()
    assert "保存调解记录" not in text
    assert fresh(case_a).status == "registered"


@pytest.mark.django_db
def test_the_documents_are_listed_and_linked_to_the_api_once_they_exist(
    web_client, mediator_a, case_a
):
    text = web_client(mediator_a).get(f"/cases/{case_a.pk}/").content.decode()
    try:
        from mediation import documents  # noqa: F401  (the docs branch)
    except ImportError:
        assert "文书打印功能尚未开通" in text
    else:
        assert f"/api/v1/cases/{case_a.pk}/documents/application/?format=pdf" in text
        assert "暂不能制作" in text  # an agreement, before there is one
