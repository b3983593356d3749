"""The walk in a real browser (issue 17): Playwright for Python driving Debian's Chromium
(/usr/bin/chromium, no browser download) against the live server, on a 360×740 phone.

A mediator signs in and registers a dispute with two parties (adding and removing a third
row in place, with the ID-number hint); the director accepts and assigns in the inbox (a
desktop window); the mediator records a session, keeps a photo with the case, and concludes
with a written agreement; after the follow-up scan (which refreshes the statistics rollup)
the district office's dashboard counts the case and its drill-down lists it; the party rates
through the link the follow-up engine sent. Each step is found by role and label, as a
person sees the page, and leaves a screenshot in $CI_ARTIFACTS_DIR (default
test-output/screenshots/).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from mediation.models import Case, RatingLink
from tests.builders import OTHER_ID_NUMBER, PNG_BYTES, fresh, membership
from tests.web.helpers import Kind, due_now


@pytest.fixture(autouse=True)
def async_unsafe_allowed(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the test's own ORM calls (the
    director's step, reading the result) are plain synchronous code all the same. Set for
    these tests only: a leaked variable fails `check --deploy` (async.E001) in later ones."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")


CHROMIUM = "/usr/bin/chromium"
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.skipif(
    not shutil.which("chromium") and not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


def shots_dir() -> Path:
    folder = Path(os.environ.get("CI_ARTIFACTS_DIR") or "test-output") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    yield context
    context.close()


def shot(page, name: str, *, full_page: bool = False) -> None:
    """What the phone's screen shows (or the whole page). A full-page shot resizes the
    viewport and back, after which Chromium dropped the next click on a long page: full-page
    shots are taken only where the page is left (or reloaded) next."""
    page.screenshot(path=str(shots_dir() / f"{name}.png"), full_page=full_page)


def test_the_walk(
    # The test database before the (session-wide) live server, so that the server stops
    # first at the end of the run and holds no connection when the database is dropped.
    django_db_setup,
    live_server,
    transactional_db,
    settings,
    phone,
    browser,
    mediator_a,
    director_a,
    committee_a,
    district,
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    from playwright.sync_api import expect

    page = phone.new_page()
    base = live_server.url

    # 1. the mediator signs in on the phone
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill("mediator_a")
    page.get_by_label("密码").fill(PASSWORD)
    shot(page, "01-sign-in")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的案件")).to_be_visible()
    shot(page, "02-my-cases-empty", full_page=True)

    # 2. registers a dispute with two parties
    page.get_by_role("link", name="登记纠纷").first.click()
    expect(page.get_by_role("heading", name="登记纠纷")).to_be_visible()
    page.get_by_label("纠纷类型").select_option("neighbourhood")
    page.get_by_label("纠纷名称").fill("楼上漏水纠纷")
    page.get_by_label("纠纷事实").fill("楼上卫生间漏水，浸湿楼下吊顶。")
    page.get_by_label("当事人请求").fill("修复漏水并赔偿损失。")
    parties = page.get_by_role("group", name="当事人")
    expect(parties).to_have_count(2)
    applicant = parties.nth(0)
    applicant.get_by_label("姓名/名称").fill("张某")
    # a wrong check digit is hinted as it is typed, the right one accepted
    applicant.get_by_label("证件号码").fill(OTHER_ID_NUMBER[:-1] + "9")
    expect(applicant.get_by_text("身份证号码校验位错误")).to_be_visible()
    applicant.get_by_label("证件号码").fill(OTHER_ID_NUMBER)
    expect(applicant.get_by_text("证件号码格式正确")).to_be_visible()
    applicant.get_by_label("联系电话").fill("13800000000")
    applicant.scroll_into_view_if_needed()
    shot(page, "03-register-id-hint")
    parties.nth(1).get_by_label("姓名/名称").fill("李某")
    parties.nth(1).get_by_label("联系电话").fill("13900000000")
    # a third row added in place, then removed again
    page.get_by_role("button", name="添加当事人").click()
    expect(parties).to_have_count(3)
    parties.nth(2).get_by_label("姓名/名称").fill("王某")
    shot(page, "03b-register-three-rows")
    parties.nth(2).get_by_role("button", name="删除此当事人").click()
    expect(parties).to_have_count(2)
    shot(page, "04-register")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("heading", name="楼上漏水纠纷")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("已登记")
    shot(page, "05-registered", full_page=True)
    case = Case.objects.get(title="楼上漏水纠纷")
    assert sorted(case.parties.values_list("name", flat=True)) == ["张某", "李某"]

    # 3. the director, at a desk, accepts the case and assigns the mediator in the inbox
    office = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk = office.new_page()
    sign_in(desk, base, "director_a")
    desk.goto(f"{base}/director/")
    expect(desk.get_by_role("heading", name="主任工作台")).to_be_visible()
    item = desk.locator(f"#case-{case.id}")
    expect(item).to_contain_text("楼上漏水纠纷")
    item.get_by_label("mediator_a").check()
    shot(desk, "05b-director-inbox")
    item.get_by_role("button", name="受理").click()
    item = desk.locator(f"#case-{case.id}")
    expect(item.get_by_role("status")).to_contain_text("已受理，调解员已指派。")
    expect(item).to_contain_text("调解员：mediator_a")
    shot(desk, "05c-director-accepted")
    office.close()
    case = fresh(case)
    assert case.status == "mediating"
    assert list(case.mediators.all()) == [membership(mediator_a)]

    # 4. the mediator finds it in 我的案件, records a session ...
    page.get_by_role("link", name="我的案件").click()
    page.get_by_role("searchbox", name="搜索").fill("张某")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("link", name="楼上漏水纠纷")).to_be_visible()
    shot(page, "06-my-cases", full_page=True)
    page.get_by_role("link", name="楼上漏水纠纷").click()
    expect(page.get_by_text("调解中").first).to_be_visible()
    page.get_by_text("记录调解", exact=True).click()
    page.get_by_label("地点").fill("社区调解室")
    page.get_by_label("参加人员").fill("张某、李某")
    page.get_by_label("调解情况").fill("双方到场，李某同意修复并赔偿。")
    shot(page, "07-session-form")
    page.get_by_role("button", name="保存调解记录").click()
    expect(page.get_by_text("已记录调解")).to_be_visible()

    # ... keeps a photo of the leak with the case (the phone's camera, or a file) ...
    page.get_by_text("上传附件", exact=True).click()
    page.get_by_label("附件类别").select_option("photo")
    page.get_by_label("文件", exact=True).set_input_files(
        files=[{"name": "漏水.png", "mimeType": "image/png", "buffer": PNG_BYTES}]
    )
    page.get_by_label("说明", exact=True).fill("楼下吊顶水渍")
    page.get_by_role("button", name="上传", exact=True).scroll_into_view_if_needed()
    shot(page, "07b-attachment-form")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已上传附件：漏水.png")
    expect(page.get_by_role("link", name="漏水.png")).to_be_visible()

    # ... and concludes with a written agreement
    page.get_by_text("结案", exact=True).click()
    page.get_by_label("调解成功").check()
    page.get_by_label("协议形式").select_option("written")
    page.get_by_label("协议内容").fill("李某于十日内修复漏水，并赔偿张某800元。")
    page.get_by_label("协议金额（元）").fill("800")
    page.get_by_role("group", name="调解结果").scroll_into_view_if_needed()
    shot(page, "08-conclude-form-top")
    page.get_by_role("button", name="确认结案").scroll_into_view_if_needed()
    shot(page, "09-conclude-form")
    page.get_by_role("button", name="确认结案").click()
    expect(page.get_by_role("heading", name="调解协议")).to_be_visible()
    shot(page, "10-concluded", full_page=True)
    case = fresh(case)
    assert case.status == "succeeded" and case.agreement.form == "written"
    assert case.sessions.count() == 1
    assert list(case.attachments.values_list("name", "kind")) == [("漏水.png", "photo")]

    # 5. the party rates through the link the follow-up engine sent
    from mediation.followups import followups_scan

    due_now(case, Kind.SATISFACTION)
    followups_scan()
    link = RatingLink.objects.filter(case=case).order_by("id").first()

    # ... the same scan refreshed the statistics rollup: the district office's dashboard
    # counts the case, and the drill-down from 调解成功 lists it
    office = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk = office.new_page()
    sign_in(desk, base, district.username)
    desk.goto(f"{base}/dashboard/")
    expect(desk.get_by_role("heading", name="人民调解统计看板")).to_be_visible()
    succeeded = desk.locator(".kpi", has_text="调解成功").first
    assert int(succeeded.locator("b").inner_text()) >= 1
    assert int(desk.locator(".kpi", has_text="受理纠纷").locator("b").inner_text()) >= 1
    shot(desk, "10b-dashboard", full_page=True)
    succeeded.click()
    expect(desk.get_by_role("heading", name="案件明细")).to_be_visible()
    expect(desk.get_by_role("cell", name=case.number)).to_be_visible()
    shot(desk, "10c-dashboard-drill-down", full_page=True)
    office.close()
    party = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    rating = party.new_page()
    rating.goto(f"{base}/r/{link.token}")
    expect(rating.get_by_role("heading", name="请为调解服务评价")).to_be_visible()
    rating.get_by_text("★").nth(0).click()  # the stars are shown 1…5; the first in DOM is 5
    rating.get_by_label("意见（可不填）").fill("调解员很耐心。")
    shot(rating, "11-rate")
    rating.get_by_role("button", name="提交评价").click()
    expect(rating.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    shot(rating, "12-rated", full_page=True)
    link.refresh_from_db()
    assert link.stars == 5 and link.comment == "调解员很耐心。"
    rating.goto(f"{base}/r/{link.token}")
    expect(rating.get_by_role("heading", name="已评价")).to_be_visible()
    party.close()
    # The ORM calls above ran beside Playwright's event loop, in a context of their own:
    # close that context's connection here, or it outlives the run and PostgreSQL refuses
    # to drop the test database.
    connections.close_all()
