"""Swagger UI and ReDoc work without internet (issue 12, item 4): government intranets have
no way out, so the docs pages may name no other host, and every script, style sheet and
icon they load is served by the application itself."""

import re

import pytest
from django.test import Client

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]

# Any absolute (http://, https://) or protocol-relative (//host) address in the page.
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+""")
# What a page loads: <script src>, <link href>, <redoc spec-url>.
LOADED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _page(anon, url) -> str:
    response = anon.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOCS_PAGES)
def test_docs_page_names_no_other_host(anon, url):
    # when the docs page is fetched
    page = _page(anon, url)

    # then it names no address on another host (no CDN, no web fonts)
    assert ABSOLUTE_URL.findall(page) == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOCS_PAGES)
def test_docs_page_assets_are_served_by_the_application(anon, url):
    # given the scripts, style sheets and icons the page loads
    page = _page(anon, url)
    assets = LOADED.findall(page)
    assert any(asset.endswith(".js") for asset in assets), assets

    # when each is fetched from the application itself (a plain client: the files stream)
    for asset in assets:
        response = Client().get(asset)

        # then it is there, with content
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100, asset


@pytest.mark.django_db
def test_swagger_ui_does_not_call_the_public_validator(anon):
    # Swagger UI's default validatorUrl sends the schema to validator.swagger.io for a badge;
    # the settings are inlined in the page.
    assert '"validatorUrl": null' in _page(anon, "/api/docs/")
