"""The editor refuses to send a form the server could not read, and keeps the page and the text.

A request past DATA_UPLOAD_MAX_MEMORY_SIZE is refused by the server with an error page, the
text left behind; the editor knows the limit (a data- attribute) and says so before sending.
Skipped where /usr/bin/chromium is missing, required when REQUIRE_BROWSER is set (as in CI).
"""

import pytest

from articles.models import Article

from .test_editor_browser import editor_page, open_add_form  # noqa: F401 - the fixture, shared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_form_past_the_request_limit_is_not_sent_and_the_text_stays(editor_page, settings):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    page = editor_page
    open_add_form(page)
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.fill("#id_title", "太长的文章")
    text = "长" * 40_000  # 120 KB of text (too large to preview), 360 KB as the form would send it
    page.fill("textarea.kb-source", text)
    status = page.locator(".kb-editor-status")
    page.wait_for_function("() => document.querySelector('.kb-editor-status').textContent.includes('Preview:')")
    assert "more than the server reads" in status.inner_text()
    url = page.url
    page.click("input[name=_save]")
    page.wait_for_function("() => document.querySelector('.kb-editor-status').textContent.startsWith('Not sent')")
    assert "0.3 MB" in status.inner_text() and "kept here" in status.inner_text()
    assert page.url == url and page.input_value("textarea.kb-source") == text
    assert posts == [] and not Article.objects.exists()
    assert page.errors == []
