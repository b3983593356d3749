"""Budgets of issue 17 and the offline rule: a mediator page ≤ 300 KB on first load (its HTML
plus every stylesheet and script it links), the party's page < 100 KB, and no page loads
anything from another host (government intranets have no internet)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.web.helpers import concluded, rating_links

MEDIATOR_BUDGET = 300 * 1024
PARTY_BUDGET = 100 * 1024


class Links(HTMLParser):
    """Every URL a page refers to: src, href, action, and url(...) in inline styles."""

    def __init__(self):
        super().__init__()
        self.assets: list[str] = []  # loaded with the page (stylesheets, scripts, images)
        self.urls: list[str] = []  # everything, links included

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "hx-get", "hx-post", "poster", "data"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href") and "stylesheet" in (attrs.get("rel") or ""):
            self.assets.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.assets.append(attrs["src"])
        for url in re.findall(r"url\(([^)]+)\)", attrs.get("style") or ""):
            self.urls.append(url.strip("'\""))


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def asset_bytes(url: str) -> int:
    path = urlsplit(url).path
    assert path.startswith("/" + settings.STATIC_URL.strip("/") + "/"), f"not our asset: {url}"
    found = finders.find(path.split("/", 2)[2])
    assert found, f"asset not found: {url}"
    with open(found, "rb") as handle:
        return len(handle.read())


def first_load(response) -> int:
    html = response.content.decode()
    return len(response.content) + sum(asset_bytes(url) for url in set(parse(html).assets))


def other_hosts(html: str) -> list[str]:
    found = []
    for url in parse(html).urls:
        parts = urlsplit(url.strip())
        if parts.scheme in ("http", "https") or url.strip().startswith("//"):
            if parts.hostname not in ("testserver", None):
                found.append(url)
    return found


@pytest.fixture
def pages(web_client, mediator_a, director_a, committee_a, mediating_a):
    done = concluded(director_a, mediator_a, committee_a)
    link = rating_links(done)[0]
    client = web_client(mediator_a)
    return {
        "sign-in": web_client().get("/"),
        "cases": client.get("/cases/"),
        "case": client.get(f"/cases/{mediating_a.pk}/"),
        "concluded case": client.get(f"/cases/{done.pk}/"),
        "new case": client.get("/cases/new/"),
        "todo": client.get("/todo/"),
        "notifications": client.get("/notifications/"),
        "home": client.get("/home/"),
        "password": client.get("/password/"),
        "party": web_client().get(f"/r/{link.token}"),
    }


@pytest.mark.django_db
def test_a_mediator_page_is_within_300_kb_on_first_load(pages):
    for name in ("cases", "case", "new case", "todo", "notifications"):
        assert pages[name].status_code == 200, name
        size = first_load(pages[name])
        assert size <= MEDIATOR_BUDGET, f"{name}: {size} bytes"


@pytest.mark.django_db
def test_the_party_page_is_under_100_kb_and_has_no_script(pages):
    page = pages["party"]
    assert page.status_code == 200
    assert first_load(page) < PARTY_BUDGET
    assert parse(page.content.decode()).assets == ["/static/web/app.css"]


@pytest.mark.django_db
def test_no_page_loads_anything_from_another_host(pages):
    for name, response in pages.items():
        assert other_hosts(response.content.decode()) == [], name


def test_the_stylesheet_loads_nothing_from_another_host():
    css = open(finders.find("web/app.css"), encoding="utf-8").read()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css


def test_the_host_check_would_catch_a_cdn():
    html = '<script src="https://cdn.example.com/x.js"></script><a href="//evil.example/">x</a>'
    assert other_hosts(html) == ["https://cdn.example.com/x.js", "//evil.example/"]
