"""Every public address, fuzzed: bad path segments and query strings on each named URL.

No answer is a 500; every 400 or 404 is the site's own page; nothing sent in is echoed back
unescaped; no redirect leaves the site. The URL list comes from the URLconf itself, so an
address added later is fuzzed too (a test fails until it is given a sample here).
"""

import re
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db

# A sample address of every named public URL (admin aside), with the part that fuzzing replaces.
SAMPLES = {
    "articles:feed": "/",
    "articles:detail": "/articles/{}/",
    "articles:tag_list": "/tags/",
    "articles:tag_detail": "/tags/{}/",
    "articles:series_list": "/series/",
    "articles:series_detail": "/series/{}/",
    "articles:search": "/search/",
    "articles:feed_atom": "/feed/",
    "articles:tag_feed": "/tags/{}/feed/",
    "articles:series_feed": "/series/{}/feed/",
    "articles:sitemap": "/sitemap.xml",
    "articles:sitemap_section": "/sitemap-{}.xml",
    "articles:robots": "/robots.txt",
    "articles:language": "/language/{}/",
    "articles:favicon": "/favicon.ico",
    "articles:healthz": "/healthz",
}
GOOD_SEGMENT = {
    "articles:detail": "good-article",
    "articles:tag_detail": "cnn",
    "articles:series_detail": "s",
    "articles:tag_feed": "cnn",
    "articles:series_feed": "s",
    "articles:sitemap_section": "articles",
    "articles:language": "en",
}

# Written for this project in the style of the public fuzzing lists: traversal, encodings,
# control characters, invalid UTF-8, markup, template and SQL syntax, oversized values.
HOSTILE_SEGMENTS = [
    "no-such-thing", "%00", "a%00b", "%2F", "a%2Fb", "%5C", "..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwindows", "%252e%252e%252f", "%C0%AF", "%C0%AE%C0%AE",
    "%E0%80%AF", "%FF%FE", "%E4%B8", "%ED%A0%80", "%F4%90%80%80", "%0D%0ASet-Cookie:%20x=1", "%0A", "%09",
    "%20", "%E2%80%AE", "%EF%BB%BF", "%F0%9F%98%80", quote("卷积"), quote("<script>alert(1)</script>"),
    quote('"><svg onload=alert(1)>'), quote("'; DROP TABLE articles_article; --"), quote("{{7*7}}"),
    quote("${7*7}"), "a+b+c+d+e+f+g", "+".join(["x"] * 50), "a" * 300, "a" * 5000, "%" * 10, "%zz", "-", "_",
    "9" * 40, "-1", "0",
]  # fmt: skip
HOSTILE_VALUES = [
    "0", "-1", "abc", "1e9", "99999999999999999999999999", "9" * 400, "%00", "1%00", "NaN", "Infinity", "0x2",
    "%FF", "%C0%AF", "1.5", "'", "%27%20OR%201=1--", "%3Cscript%3Ealert(1)%3C/script%3E",
    "%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E", "%0D%0ALocation:%20https://evil.example", "a" * 10000,
    "%E4%B8", "%ED%A0%80", "%25", "%", "+", "%2F..%2F..%2Fetc%2Fpasswd", "javascript:alert(1)",
]  # fmt: skip
HOSTILE_QUERIES = (
    [f"{param}={value}" for param in ("page", "q", "tag", "sort", "next", "format") for value in HOSTILE_VALUES]
    + ["page=1&page=abc", "page[]=1", "q[]=x", "q=%00&tag=%FF", "%zz=1", "=1", "&&&", "a" * 5000 + "=1"]
    + ["&".join(f"tag=t{i}" for i in range(200)), "&".join(f"p{i}=1" for i in range(500))]
)
# Strings that must never come back raw (after percent-decoding) in a page.
REFLECTABLE = ("<script>", "<svg onload", "<img src=x onerror")


def public_url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from public_url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


@pytest.fixture
def site():
    make_article(title="Good", slug="good-article", tags=["CNN"], series=make_series(title="S"))


def fetch(client, target):
    response = client.get(target)
    assert response.status_code < 500, target
    body = response.content.decode(errors="replace")
    if response.status_code in (400, 404):
        assert 'class="site-header"' in body, target  # the site's own error page
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)
    assert not re.search(r"""(href|src|action)=["']?\s*javascript:""", body, re.I), target
    for needle in REFLECTABLE:
        if needle in target.replace("%3C", "<").replace("%20", " ").replace("%22", '"'):
            assert needle not in body, (target, needle)
    return response, body


def test_every_public_url_has_a_fuzzing_sample():
    assert sorted(public_url_names()) == sorted(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_good_sample_answers(client, site, name):
    sample = SAMPLES[name].format(GOOD_SEGMENT.get(name, ""))
    assert fetch(client, sample)[0].status_code in (200, 301, 302)


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if "{}" in SAMPLES[n]))
def test_hostile_path_segments(client, site, name):
    for segment in HOSTILE_SEGMENTS:
        response, _ = fetch(client, SAMPLES[name].format(segment))
        if segment == "no-such-thing" or segment.startswith(("%2F", "%00", "%FF", "..%2F")):
            assert response.status_code in (400, 404), (name, segment)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_hostile_query_strings(client, site, name):
    sample = SAMPLES[name].format(GOOD_SEGMENT.get(name, ""))
    for query in HOSTILE_QUERIES:
        fetch(client, f"{sample}?{query}")


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e9", "9" * 400, "%00", "%FF", "1.5", "999"])
def test_bad_page_numbers_are_404_on_every_paginated_page(client, site, value):
    for path in ["/", "/tags/cnn/", "/search/?q=good&"]:
        separator = "" if path.endswith("&") else "?"
        assert fetch(client, f"{path}{separator}page={value}")[0].status_code in (400, 404), (path, value)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example", "javascript:alert(1)",
     "/\r\nLocation: https://evil.example", "https:evil.example", "/\t/evil.example", "%2F%2Fevil.example"],
)  # fmt: skip
def test_language_switch_never_redirects_off_the_site(client, target):
    response = client.post("/language/zh-hans/", {"next": target}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 303
    assert response["Location"] == "/"


def test_hostile_search_strings_are_escaped(client, site):
    for query in ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</title><svg onload=alert(1)>"]:
        response, body = fetch(client, f"/search/?q={quote(query)}")
        assert response.status_code == 200
        assert query not in body
        assert query.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in body


def test_admin_login_never_redirects_off_the_site(client, django_user_model):
    django_user_model.objects.create_user("editor", password="pw-editor-123", is_staff=True)
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example/"]:
        response = client.post(
            "/admin/login/?next=" + quote(target),
            {"username": "editor", "password": "pw-editor-123", "next": target},
        )
        assert response.status_code == 302
        assert response["Location"] == "/admin/", target
        client.logout()
