"""The interface in English and Simplified Chinese: Accept-Language, the switch, dates, catalogues."""

import ast
import gettext
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
CHINESE = "zh-CN,zh;q=0.9,en;q=0.5"


def page(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.fixture
def article():
    series = make_series(title="强化学习")
    make_article(title="蒙特卡洛", series=series, series_order=1, tags=["RL"])
    return make_article(
        title="时序差分",
        body="## 一\n\n正文 $x$。\n\n## 二\n\n更多。",
        tags=["RL"],
        series=series,
        series_order=2,
        published_at=datetime(2025, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        updated_at=datetime(2025, 3, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )


def test_english_without_accept_language_or_for_a_language_we_do_not_have(client, article):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}):
        html = page(client, article.get_absolute_url(), **headers)
        assert '<html lang="en' in html and "Part 2 of 2" in html and "Skip to content" in html


def test_chinese_from_accept_language(client, article):
    response = client.get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=CHINESE)
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and response["Content-Language"] == "zh-hans"
    assert "第 2 篇，共 2 篇" in html and "跳到正文" in html and "目录" in html
    assert "Accept-Language" in response["Vary"]
    # The content stays as its author wrote it.
    assert "<h1>时序差分</h1>" in html


def test_dates_follow_the_language(client, article):
    english = page(client, article.get_absolute_url())
    chinese = page(client, article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=CHINESE)
    assert ">March 1, 2025</time>" in english and ">March 5, 2025</time>" in english
    assert ">2025年3月1日</time>" in chinese and ">2025年3月5日</time>" in chinese
    # The machine-readable date is the same in both.
    assert 'datetime="2025-03-01T10:00:00+08:00"' in english and 'datetime="2025-03-01T10:00:00+08:00"' in chinese


def switch(client, code, target=None, **headers):
    """The header's button, pressed on one of the site's pages (the browser says so)."""
    data = {} if target is None else {"next": target}
    return client.post(f"/language/{code}/", data, HTTP_SEC_FETCH_SITE="same-origin", **headers)


def test_every_page_offers_the_other_language_as_a_button(client, article):
    paths = ["/", article.get_absolute_url(), "/tags/", "/tags/rl/", "/series/", article.series.get_absolute_url()]
    for path in [*paths, "/search/?q=" + quote("差分")]:
        response = client.get(path)
        html = response.content.decode()
        form = re.search(r'<form method="post" action="/language/zh-hans/"><input type="hidden" name="next" '
                         r'value="([^"]*)"><button type="submit">简体中文</button></form>', html)  # fmt: skip
        assert form and form[1] == path.replace("&", "&amp;"), path
        assert 'lang="en"><span aria-current="true">English</span>' in html
        # Nothing personal in the page: it stays cacheable for everyone.
        assert "csrfmiddlewaretoken" not in html and not response.cookies
        assert "Cookie" not in response.get("Vary", "")


def test_switching_sets_the_cookie_and_returns_to_the_same_page(client, article):
    path = f"/tags/rl/?page=1&x={quote('值')}"
    response = switch(client, "zh-hans", path)
    assert response.status_code == 303 and response["Location"] == path
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans" and int(cookie["max-age"]) >= 30 * 24 * 3600
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # The cookie wins over the browser's Accept-Language, on every page.
    html = page(client, article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert '<html lang="zh-hans">' in html and "跳到正文" in html
    assert 'lang="zh-hans"><span aria-current="true">简体中文</span>' in html
    response = switch(client, "en", "/")
    assert response["Location"] == "/" and "Skip to content" in page(client, "/", HTTP_ACCEPT_LANGUAGE=CHINESE)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/tags/\r\nSet-Cookie: x=1",
        "",
        "tags/",
        None,
        "https:evil.example",
        "/\t/evil.example",
        "%2F%2Fevil.example",
        "/\r\nLocation: https://evil.example",
    ],
)
def test_switching_never_redirects_off_the_site(client, target):
    response = switch(client, "zh-hans", target)
    assert response.status_code == 303 and response["Location"] == "/"


def test_unknown_languages_are_404_and_a_get_changes_nothing(client):
    assert client.get("/language/fr/?next=/").status_code == 404
    assert switch(client, "fr", "/").status_code == 404
    response = client.get("/language/zh-hans/?next=/tags/", HTTP_ACCEPT_LANGUAGE=CHINESE)
    assert response.status_code == 200 and not response.cookies
    assert client.put("/language/zh-hans/").status_code == 405


def test_content_is_marked_with_its_own_language_whatever_the_interface(client, article):
    english = make_article(title="Speculative decoding", body="Draft tokens are *verified* in one pass.")
    html = page(client, article.get_absolute_url())  # English interface, Chinese article
    assert '<div class="prose" lang="zh-Hans">' in html and '<header class="article-header" lang="zh-Hans">' in html
    assert '<p class="meta" lang="en">' in html
    html = page(client, english.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=CHINESE)
    assert '<div class="prose" lang="en">' in html and '<p class="meta" lang="zh-hans">' in html
    listing = page(client, "/")
    assert '<article class="card" lang="zh-Hans">' in listing and '<article class="card" lang="en">' in listing


def test_feed_subtitle_follows_the_language(client, article):
    assert "Technical notes" in client.get("/feed/").content.decode()
    assert "技术笔记" in client.get("/feed/", HTTP_ACCEPT_LANGUAGE=CHINESE).content.decode()


def test_error_pages_are_translated(client):
    response = client.get("/articles/nope/", HTTP_ACCEPT_LANGUAGE=CHINESE)
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def _po_entries(path):
    """(msgid, msgstr) pairs of a .po file; plural entries give their first form. A msgid with a
    context is given as the compiled catalogue keys it: the context, EOT (\\x04), the msgid."""
    entries, current, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        match = re.match(r"^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[0\]) (\".*\")$", line)
        if match:
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            if current.get("msgid"):
                msgid = f"{current['msgctxt']}\x04{current['msgid']}" if "msgctxt" in current else current["msgid"]
                entries.append((msgid, current.get("msgstr", current.get("msgstr[0]"))))
            current, key = {}, None
    return entries


def test_catalogue_is_complete_and_its_compiled_copy_is_current():
    entries = _po_entries(LOCALE / "django.po")
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, msgstr in entries if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run: .venv/bin/python manage.py compilemessages --ignore=.venv"


# A text in a Jinja2 template: _("…") or ngettext("…", "…", n); pgettext("context", "…").
JINJA_TEXT = re.compile(
    r'\b(?:_|gettext|ngettext)\(\s*"((?:[^"\\]|\\.)+)"|\bpgettext\(\s*"((?:[^"\\]|\\.)+)",\s*"((?:[^"\\]|\\.)+)"'
)


def test_every_text_of_the_public_templates_is_in_the_catalogue():
    # makemessages reads Django templates, not the Jinja2 ones of the public pages: a text used
    # only there would lose its translation at the next makemessages without this test failing.
    known = {msgid for msgid, _ in _po_entries(LOCALE / "django.po")}
    used = set()
    for template in (Path(settings.BASE_DIR) / "templates" / "jinja2").rglob("*.html"):
        for plain, context, text in JINJA_TEXT.findall(template.read_text(encoding="utf-8")):
            used.add(
                ast.literal_eval(f'"{plain}"')
                if plain
                else f"{context}\x04{ast.literal_eval(chr(34) + text + chr(34))}"
            )
    assert len(used) > 40
    assert sorted(used - known) == []
