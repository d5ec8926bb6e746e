"""Reading aids that need no browser to check: scripts only from files, theme before styles."""

import re

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_theme_is_set_by_a_blocking_script_file_before_any_stylesheet(client):
    article = make_article(title="公式", body="$x$\n\n```python\nprint(1)\n```")
    for path in ["/", article.get_absolute_url(), "/tags/", "/search/"]:
        html = client.get(path).content.decode()
        head = html.split("</head>")[0]
        theme = head.index('<script src="/static/js/theme.js"></script>')
        assert theme < head.index('rel="stylesheet"'), path
        # Every script is a file of this site (a Content Security Policy of 'self' allows them);
        # the only inline <script> holds JSON-LD data, which is never run.
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert 'src="/static/' in attributes or 'type="application/ld+json"' in attributes, path
            assert body == "" or "ld+json" in attributes, path
        assert ' style="' not in html, path


def test_the_theme_toggle_and_reader_labels_follow_the_language(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'class="theme-toggle" aria-pressed="false" title="深色主题"' in html
    assert 'data-copy="复制"' in html and 'data-anchor="本节链接"' in html


def test_favicon_ico_points_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
