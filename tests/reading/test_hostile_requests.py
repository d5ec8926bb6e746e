"""Hostile paths and query strings: never a 500, never reflected raw, errors on the site's own pages."""

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "nasty_inputs.json"

OWN_PAGE_VALUES = ["0", "-1", "abc", "1e9", "99999999999999999999", "%00", "1%00", "NaN", "0x2", "%FF", "1.5", "'"]
OWN_PATHS = [
    "/articles/%00/",
    "/articles/..%2F..%2Fetc%2Fpasswd/",
    "/articles/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
    "/tags/%22%3E%3Csvg%20onload%3Dalert(1)%3E/",
    "/tags/a+b+c+d+e+f/",
    "/tags/%E4%B8/",
    "/series/%FF%FE/",
    "/?page=1&page=abc",
    "/search/?q[]=x",
    "/search/?q=%00%0D%0ASet-Cookie:%20x=1",
    "/search/?" + "&".join(f"tag=t{i}" for i in range(200)),
    "/?%zz=1",
    "/" + "a" * 5000,
]


@pytest.fixture
def site():
    make_article(title="卷积", tags=["CNN"], series=make_series(title="S"))


def check(client, target):
    response = client.get(target)
    assert response.status_code < 500, target
    body = response.content.decode(errors="replace")
    if response.status_code in (400, 404):
        assert 'class="site-header"' in body, target  # the site's own error page
    return response, body


@pytest.mark.parametrize("value", OWN_PAGE_VALUES)
def test_bad_page_values_everywhere(client, site, value):
    for path in ["/", "/tags/cnn/", f"/search/?q={quote('卷积')}&"]:
        separator = "" if path.endswith("&") else "?"
        response, _ = check(client, f"{path}{separator}page={value}")
        assert response.status_code in (400, 404), (path, value)


@pytest.mark.parametrize("target", OWN_PATHS)
def test_hostile_paths(client, site, target):
    check(client, target)


def test_shared_corpus_when_present(client, site):
    if not SHARED.exists():
        pytest.skip("../shared/corpora is not beside this clone")
    data = json.loads(SHARED.read_text())
    for value in data["page_values"]["invalid"]:
        for path in ["/", "/tags/cnn/", "/search/?q=x&"]:
            separator = "" if path.endswith("&") else "?"
            response, _ = check(client, f"{path}{separator}page={value}")
            assert response.status_code in (400, 404), (path, value)
    for value in data["page_values"]["lenient"]:
        check(client, f"/?page={value}")
    for item in data["search_queries"]:
        for param in ("q", "tag"):
            response, body = check(client, f"/search/?{param}={quote(item['q'])}")
            if ("<" in item["q"] or '"' in item["q"]) and len(item["q"]) > 1:
                assert item["q"] not in body, item["q"]
    for target in data["paths_404"]:
        assert check(client, target)[0].status_code in (400, 404), target
    for target in data["paths_any"]:
        response, body = check(client, target)
        decoded = target
        if "<" in decoded or '"' in decoded:
            assert decoded not in body, target


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "a" * 300, "exa mple.com", "[::1"])
def test_a_host_outside_allowed_hosts_gets_the_sites_400_page(site, host):
    from django.test import Client

    client = Client(raise_request_exception=False)
    for path in ["/", "/articles/卷积/", "/search/?q=x", "/no-such-page/"]:
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 400, (path, host)
        assert 'class="site-header"' in response.content.decode(), (path, host)
        assert "evil.example" not in response.content.decode()
