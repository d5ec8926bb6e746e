"""The language switch changes state only on a POST from the site's own pages (kb/language.py).

A GET (an `<img>` in an article, a crawler, an old link) changes nothing; a POST that the browser
says comes from another site is refused; and the header's form, the same for every reader, works
from pages served out of the shared page cache.
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.factories import make_article

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
SWITCH = "/language/zh-hans/"


def post(client, next_="/tags/", **headers):
    return client.post(SWITCH, {"next": next_}, **headers)


def test_a_get_changes_nothing_and_offers_the_button(client):
    response = client.get(SWITCH + "?next=/tags/")
    assert response.status_code == 200 and COOKIE not in response.cookies
    html = response.content.decode()
    assert '<form class="language-choice" method="post" action="/language/zh-hans/">' in html
    assert '<input type="hidden" name="next" value="/tags/">' in html
    assert "Show the interface in 简体中文" in html and '<meta name="robots" content="noindex">' in html
    assert "English" in client.get("/").content.decode()  # still the reader's language


def test_an_image_in_an_article_switches_nobody(client):
    article = make_article(title="Innocent", body=f'![x]({SWITCH})\n\n<img src="{SWITCH}">')
    assert SWITCH in client.get(article.get_absolute_url()).content.decode()
    # What the reader's browser then fetches: a GET, with its image headers.
    response = client.get(SWITCH, HTTP_SEC_FETCH_SITE="same-origin", HTTP_SEC_FETCH_DEST="image")
    assert COOKIE not in response.cookies
    assert '<html lang="en' in client.get("/").content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed or bookmarked by the reader
        {"HTTP_ORIGIN": "http://testserver"},  # browsers without Fetch Metadata
        {"HTTP_REFERER": "http://testserver/tags/"},  # older ones still
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
    ],
)
def test_a_post_from_the_sites_own_pages_switches_and_returns(client, headers):
    response = post(client, **headers)
    assert response.status_code == 303 and response["Location"] == "/tags/"
    assert response.cookies[COOKIE].value == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/tags/").content.decode()


def test_the_configured_site_address_counts_as_our_own(client, settings):
    settings.SITE_URL = "https://kb.example.org"
    assert post(client, HTTP_ORIGIN="https://kb.example.org").status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://blog.testserver"},  # a sibling subdomain
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_REFERER": "http://testserver/tags/"},  # Fetch Metadata wins
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame, a data: page
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "https://testserver"},  # another scheme is another origin
        {"HTTP_REFERER": "https://evil.example/page"},
        {},  # no sign of where it comes from: no browser sends a POST so
    ],
)
def test_a_post_from_another_site_is_refused_and_sets_nothing(client, headers):
    response = post(client, **headers)
    assert response.status_code == 403 and COOKIE not in response.cookies
    html = response.content.decode()
    assert "The language was not changed" in html
    assert '<input type="hidden" name="next" value="/tags/">' in html  # the button, to press from here
    assert '<html lang="en' in client.get("/").content.decode()


def test_the_switch_works_from_a_page_out_of_the_shared_page_cache(client, settings):
    settings.KB_PAGE_CACHE = True
    cache.clear()
    make_article(title="Cached")
    first, second = client.get("/"), client.get("/")
    assert first.content == second.content  # one stored page for every reader
    form = re.search(r'<form method="post" action="(/language/zh-hans/)"><input type="hidden" name="next" '
                     r'value="([^"]*)">', second.content.decode())  # fmt: skip
    response = client.post(form[1], {"next": form[2]}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 303 and response["Location"] == "/"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
    cache.clear()


def test_the_csrf_middleware_still_guards_everything_else(django_user_model):
    client = Client(enforce_csrf_checks=True)
    django_user_model.objects.create_user("editor", password="pw-editor-123", is_staff=True)
    # Same-origin headers are not a substitute for the token anywhere but the language switch.
    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": "pw-editor-123"},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_another_site_cannot_switch_but_the_header_button_can(browser, live_server):
    context = browser.new_context(locale="en-US")
    attack = f"""<!doctype html><title>evil</title>
        <img src="{live_server.url}{SWITCH}" alt="">
        <form method="post" action="{live_server.url}{SWITCH}"><input name="next" value="/"></form>
        <script>setTimeout(() => document.forms[0].submit(), 300)</script>"""
    context.route("https://evil.example/", lambda route: route.fulfill(body=attack, content_type="text/html"))
    page = context.new_page()
    with page.expect_navigation(url=f"{live_server.url}{SWITCH}") as navigation:
        page.goto("https://evil.example/")
    assert navigation.value.status == 403
    assert not [c for c in context.cookies() if c["name"] == COOKIE]
    page.goto(live_server.url + "/tags/")
    assert page.evaluate("document.documentElement.lang") == "en"
    # The header's button, from the keyboard: focus it and press Enter.
    page.locator(".language-switch button").focus()
    with page.expect_navigation(url=live_server.url + "/tags/"):
        page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert [c["value"] for c in context.cookies() if c["name"] == COOKIE] == ["zh-hans"]
    context.close()
