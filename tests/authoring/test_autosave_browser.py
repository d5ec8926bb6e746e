"""Never lose text: the article form kept in the browser, offered back, and leaving asks first.

static/js/autosave.js keeps the form's fields in localStorage (one place per user and article)
while it is open; reopening the form offers the kept text with what differs, Restore puts
every character back, Discard forgets it, a successful save forgets it. Leaving the form with
unsaved changes (closing the page, the admin's own links) asks first; saving does not.
Skipped where /usr/bin/chromium is missing, required when REQUIRE_BROWSER is set (as in CI).
"""

import json
import time

import pytest
from django.test import Client

from articles.models import Article, revisions
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chinese, a formula, emoji (one of them a ZWJ sequence), markup-like text, blank lines and
# indentation: what must come back exactly.
TYPED_TITLE = "恢复测试 <b>粗</b> 😀 $x^2$"
TYPED_BODY = (
    "第一段，未保存的文字。\n"
    "公式 $\\frac{a}{b}$ 与 $$E = mc^2$$\n"
    "\n"
    "表情 🙂 👩\u200d💻 — “引号” & <script>alert(1)</script>\n"
    "    缩进的一行\t制表符\n"
    "\n"
    "最后一行"
)


def log_in(context, base_url, user):
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])


def watch(page):
    """Console errors (CSP violations included), failed requests and dialogs, as they happen."""
    page.errors = []
    page.dialogs = []
    page.answer = False  # what a dialog is answered: accept (True) or dismiss (False)
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and not msg.text.startswith("Failed to load resource") and page.errors.append(msg.text)
        ),
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "response", lambda response: response.status >= 400 and page.errors.append(f"{response.status} {response.url}")
    )

    def on_dialog(dialog):
        page.dialogs.append((dialog.type, dialog.message))
        dialog.accept() if page.answer else dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_user("writer", is_staff=True, is_superuser=True)


@pytest.fixture
def context(browser, live_server, writer):
    """A browser context (one localStorage) logged in as `writer`; context.new() opens a watched page."""
    context = browser.new_context()
    log_in(context, live_server.url, writer)
    context.base_url = live_server.url
    context.new = lambda: watch(context.new_page())
    yield context
    context.close()


def open_form(page, path):
    response = page.goto(page.context.base_url + path)
    assert response.status == 200
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    page.wait_for_function("() => document.querySelector('.kb-preview').dataset.rendered")


def change_path(article):
    return f"/admin/articles/article/{article.pk}/change/"


ADD_PATH = "/admin/articles/article/add/"


def kept(page, key):
    return json.loads(page.evaluate("(key) => localStorage.getItem(key)", key) or "null")


def key_of(page):
    return page.get_attribute("textarea.kb-source", "data-autosave-key")


def type_into(page, title, body):
    # A click first: a real user gesture, which Chromium wants before it asks on leaving.
    page.click("#id_title")
    page.fill("#id_title", title)
    page.click("textarea.kb-source")
    page.fill("textarea.kb-source", body)


def wait_until_kept(page, key, body):
    page.wait_for_function(
        """([key, body]) => {
            const entry = JSON.parse(localStorage.getItem(key) || 'null');
            return entry && entry.fields.body === body;
        }""",
        arg=[key, body],
    )


def close_asking(page):
    """Close the page as a user closing the tab would: beforeunload may ask first."""
    page.close(run_before_unload=True)
    for _ in range(100):
        if page.dialogs or page.is_closed():
            return
        page.wait_for_timeout(50)


def banner_fields(page):
    return page.eval_on_selector_all(".kb-autosave-fields > li", "items => items.map(i => i.dataset.field)")


def test_text_typed_into_an_article_comes_back_after_the_page_closed(context, writer):
    article = make_article(title="原标题", body="第一段。\n\n最后一行", tags=["数学"])
    page = context.new()
    open_form(page, change_path(article))
    key = key_of(page)
    assert key == f"kb-autosave:{writer.pk}:{article.pk}"
    type_into(page, TYPED_TITLE, TYPED_BODY)
    wait_until_kept(page, key, TYPED_BODY)
    entry = kept(page, key)
    assert entry["fields"]["title"] == TYPED_TITLE and sorted(entry["changed"]) == ["body", "title"]
    assert entry["version"] == int(page.get_attribute("textarea.kb-source", "data-autosave-version"))
    assert "csrfmiddlewaretoken" not in entry["fields"] and "version" not in entry["fields"]
    assert page.inner_text(".kb-autosave-status").startswith("Kept in this browser at")
    errors = page.errors
    page.close()  # no save, no questions asked

    page = context.new()
    open_form(page, change_path(article))
    banner = page.locator("#kb-autosave-banner")
    assert "was kept in this browser" in banner.locator(".kb-autosave-title").inner_text()
    assert banner_fields(page) == ["title", "body"]
    assert TYPED_TITLE in banner.locator("li[data-field=title] q").inner_text()
    added = page.eval_on_selector_all(".kb-autosave-add .kb-autosave-text", "lines => lines.map(l => l.textContent)")
    removed = page.eval_on_selector_all(".kb-autosave-del .kb-autosave-text", "lines => lines.map(l => l.textContent)")
    assert added == TYPED_BODY.split("\n")[:5] and removed == ["第一段。"]
    assert page.locator(".kb-autosave-stale").count() == 0  # nobody saved since
    # The kept text is shown as text, never as markup.
    assert page.locator("#kb-autosave-banner script, #kb-autosave-banner b").count() == 0
    assert page.input_value("#id_title") == "原标题"

    page.click(".kb-autosave-restore")
    assert page.locator("#kb-autosave-banner").count() == 0
    assert page.input_value("#id_title") == TYPED_TITLE
    assert page.input_value("textarea.kb-source") == TYPED_BODY
    assert page.input_value("#id_tags") == "数学"
    # The preview follows the restored text (the input event reached the editor).
    page.wait_for_function("() => document.querySelector('.kb-preview').textContent.includes('最后一行')")
    page.wait_for_function("() => document.querySelector('.kb-preview').textContent.includes('缩进的一行')")

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    article.refresh_from_db()
    # The browser sends line breaks as CRLF, as HTML forms do; the text is the same.
    assert article.title == TYPED_TITLE and article.body.replace("\r\n", "\n") == TYPED_BODY
    assert page.dialogs == []
    assert kept(page, key) is None
    assert errors + page.errors == []

    page = context.new()
    open_form(page, change_path(article))
    assert page.locator("#kb-autosave-banner").count() == 0
    assert kept(page, key) is None
    assert page.errors == []


def test_text_typed_into_the_add_form_comes_back_and_is_forgotten_once_saved(context, writer):
    page = context.new()
    open_form(page, ADD_PATH)
    key = key_of(page)
    assert key == f"kb-autosave:{writer.pk}:new"
    type_into(page, TYPED_TITLE, TYPED_BODY)
    page.fill("#id_slug", "hui-fu")
    wait_until_kept(page, key, TYPED_BODY)
    page.close()

    page = context.new()
    open_form(page, ADD_PATH)
    # What the author typed differs; the update time the add form fills in is not offered.
    assert banner_fields(page) == ["title", "slug", "body"]
    assert page.eval_on_selector_all(".kb-autosave-del", "lines => lines.length") == 0
    page.click(".kb-autosave-restore")
    assert page.input_value("#id_title") == TYPED_TITLE
    assert page.input_value("#id_slug") == "hui-fu"
    assert page.input_value("textarea.kb-source") == TYPED_BODY
    page.click("input[name=_continue]")
    page.wait_for_url("**/change/")
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    article = Article.objects.get(slug="hui-fu")
    assert article.title == TYPED_TITLE and article.body.replace("\r\n", "\n") == TYPED_BODY
    assert kept(page, key) is None
    assert page.dialogs == [] and page.errors == []

    page = context.new()
    open_form(page, ADD_PATH)
    assert page.locator("#kb-autosave-banner").count() == 0
    assert page.input_value("textarea.kb-source") == ""
    assert page.errors == []


def test_leaving_with_unsaved_changes_asks_first_and_saving_does_not(context):
    article = make_article(title="离开", body="原文")
    page = context.new()
    open_form(page, change_path(article))
    # Nothing typed yet: nothing to ask about.
    page.click(".breadcrumbs a[href$='/articles/article/']")
    page.wait_for_url("**/articles/article/")
    assert page.dialogs == []
    open_form(page, change_path(article))
    type_into(page, "离开前", "改了一半的文字")

    close_asking(page)
    assert [kind for kind, _ in page.dialogs] == ["beforeunload"]
    assert not page.is_closed()  # dismissed: the page stays, with the text

    page.dialogs.clear()
    url = page.url
    page.click(".breadcrumbs a[href$='/articles/article/']")
    assert page.dialogs == [("confirm", "You have unsaved changes. Leave this page?")]
    assert page.url == url and page.input_value("textarea.kb-source") == "改了一半的文字"

    # In-page anchors and links to a new tab do not ask.
    page.dialogs.clear()
    page.evaluate(
        """() => {
            const form = document.querySelector('#article_form');
            for (const [href, target] of [['#kb-autosave-anchor', ''], ['/admin/', '_blank']]) {
                const link = document.createElement('a');
                link.href = href;
                if (target) link.target = target;
                link.className = 'kb-test-link';
                link.textContent = href;
                form.prepend(link);
            }
        }"""
    )
    with context.expect_page() as new_tab:
        page.click(".kb-test-link[target=_blank]")
    new_tab.value.close()
    page.click(".kb-test-link[href='#kb-autosave-anchor']")
    assert page.dialogs == []

    # Answered "leave": the page goes, asked once only.
    page.answer = True
    page.click(".breadcrumbs a[href$='/articles/article/']")
    page.wait_for_url("**/articles/article/")
    assert page.dialogs == [("confirm", "You have unsaved changes. Leave this page?")]

    # Typed, then saved (Ctrl+S): no question, and none afterwards.
    page.dialogs.clear()
    page.answer = False
    open_form(page, change_path(article))
    type_into(page, "保存后", "保存的文字")
    page.keyboard.press("Control+s")
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.get(pk=article.pk).body == "保存的文字"
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    page.click(".breadcrumbs a[href$='/articles/article/']")
    page.wait_for_url("**/articles/article/")
    open_form(page, change_path(article))
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert page.dialogs == []
    assert page.errors == []


def test_a_refused_save_keeps_the_text_in_the_browser(context):
    article = make_article(title="冲突", body="原文")
    page = context.new()
    open_form(page, change_path(article))
    key = key_of(page)
    type_into(page, "冲突", "我的版本")
    page.fill("#id_series_order", "-1")  # refused by the form: a position is not negative
    page.click("input[name=_continue]")
    page.wait_for_selector(".errornote")
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    assert page.input_value("textarea.kb-source") == "我的版本"
    # The server does not have this text: still kept, and leaving asks.
    wait_until_kept(page, key, "我的版本")
    assert page.locator("#kb-autosave-banner").count() == 0
    close_asking(page)
    assert [kind for kind, _ in page.dialogs] == ["beforeunload"]
    page.answer = True
    page.close(run_before_unload=True)

    page = context.new()
    open_form(page, change_path(article))
    assert banner_fields(page) == ["body", "series_order"]
    assert page.errors == []


def test_discard_forgets_the_kept_text(context):
    article = make_article(title="丢弃", body="原文")
    page = context.new()
    open_form(page, change_path(article))
    key = key_of(page)
    type_into(page, "丢弃", "不要的文字")
    wait_until_kept(page, key, "不要的文字")
    page.close()

    page = context.new()
    open_form(page, change_path(article))
    assert banner_fields(page) == ["body"]
    page.click(".kb-autosave-discard")
    assert page.locator("#kb-autosave-banner").count() == 0
    assert kept(page, key) is None
    assert page.input_value("textarea.kb-source") == "原文"
    assert page.inner_text(".kb-autosave-status") == "Kept text discarded."
    page.reload()
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    assert page.locator("#kb-autosave-banner").count() == 0
    assert page.errors == []


def test_saving_without_answering_the_banner_keeps_the_text_offered(context):
    article = make_article(title="未决定", body="原文")
    page = context.new()
    open_form(page, change_path(article))
    key = key_of(page)
    type_into(page, "未决定", "保留的文字")
    wait_until_kept(page, key, "保留的文字")
    page.close()

    page = context.new()
    open_form(page, change_path(article))
    assert banner_fields(page) == ["body"]
    page.fill("#id_summary", "另一处改动")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.wait_for_selector("textarea.kb-source[data-autosave-ready]")
    assert Article.objects.get(pk=article.pk).summary == "另一处改动"
    # Saved something else: the kept body was not chosen nor refused, and is offered again.
    assert banner_fields(page) == ["body"]
    assert kept(page, key)["fields"]["body"] == "保留的文字"
    assert page.dialogs == [] and page.errors == []


def test_another_user_does_not_see_the_text_kept_for_the_first(context, django_user_model, writer):
    article = make_article(title="共用电脑", body="原文")
    page = context.new()
    open_form(page, change_path(article))
    first_key = key_of(page)
    type_into(page, "共用电脑", "第一位作者的草稿")
    wait_until_kept(page, first_key, "第一位作者的草稿")
    page.close()

    other = django_user_model.objects.create_user("other", is_staff=True, is_superuser=True)
    log_in(context, context.base_url, other)  # the same browser, another user
    page = context.new()
    open_form(page, change_path(article))
    assert key_of(page) == f"kb-autosave:{other.pk}:{article.pk}"
    assert page.locator("#kb-autosave-banner").count() == 0
    assert page.input_value("textarea.kb-source") == "原文"
    assert "第一位作者的草稿" not in page.content()
    assert kept(page, first_key)["fields"]["body"] == "第一位作者的草稿"  # still theirs
    assert page.errors == []


def test_a_save_since_is_announced_and_a_large_body_diffs_quickly(context, writer):
    lines = [f"第 {i} 行：一些文字，再长一些吧。" for i in range(5200)]
    body = "\n".join(lines)
    assert 250_000 < len(body.encode()) <= 256 * 1024
    article = make_article(title="长文", body=body)
    revisions.record(article, writer, note="first")
    page = context.new()
    open_form(page, change_path(article))
    key = key_of(page)
    version = int(page.get_attribute("textarea.kb-source", "data-autosave-version"))
    assert version == 1

    def keep(text, version):
        entry = {"savedAt": int(time.time() * 1000), "version": version, "changed": ["body"], "fields": {"body": text}}
        page.evaluate("([key, entry]) => localStorage.setItem(key, JSON.stringify(entry))", [key, entry])

    # One line changed in the middle of 256 KB, kept at an older version.
    changed = lines.copy()
    changed[2600] = "改过的一行"
    keep("\n".join(changed), version - 1)
    page.reload()
    page.wait_for_selector("#kb-autosave-banner", timeout=5000)
    assert page.inner_text(".kb-autosave-stale") == (
        f"The article was saved since (version {version}; this text was written at version {version - 1}): "
        "compare before restoring."
    )
    assert page.eval_on_selector_all(".kb-autosave-lines > div", "rows => rows.map(r => r.textContent)") == [
        "Line 2601",
        f"−{lines[2600]}",
        "+改过的一行",
    ]

    # Every line different: too different to list, and the page still answers at once.
    keep("\n".join(line + "。" for line in lines), version)
    started = time.monotonic()
    page.reload()
    page.wait_for_selector("#kb-autosave-banner", timeout=5000)
    assert time.monotonic() - started < 5
    assert "Too different to list line by line: 5200 lines kept, 5200 lines in the form" in page.inner_text(
        ".kb-autosave-too-different"
    )
    assert page.errors == []


def test_a_full_storage_is_said_and_nothing_breaks(context):
    article = make_article(title="存储已满", body="原文")
    context.add_init_script(
        """const setItem = Storage.prototype.setItem;
        Storage.prototype.setItem = function (key, value) {
            if (String(key).startsWith('kb-autosave')) {
                throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            }
            return setItem.call(this, key, value);
        };"""
    )
    page = context.new()
    open_form(page, change_path(article))
    type_into(page, "存储已满", "写不进去的文字")
    page.wait_for_selector(".kb-autosave-status.kb-autosave-error")
    assert page.inner_text(".kb-autosave-status").startswith("This browser's storage is full")
    # Leaving still asks: the text is only in the form.
    close_asking(page)
    assert [kind for kind, _ in page.dialogs] == ["beforeunload"]
    assert page.errors == []


def test_the_banner_speaks_chinese_in_the_chinese_admin(browser, live_server, writer):
    article = make_article(title="中文界面", body="原文")
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-Hans"})
    try:
        log_in(context, live_server.url, writer)
        context.base_url = live_server.url
        page = watch(context.new_page())
        open_form(page, change_path(article))
        assert page.evaluate("() => document.documentElement.lang") == "zh-hans"
        key = key_of(page)
        type_into(page, "中文界面", "新的文字")
        wait_until_kept(page, key, "新的文字")
        page.answer = True
        page.reload()  # asked first, and answered "leave"
        assert [kind for kind, _ in page.dialogs] == ["beforeunload"]
        page.dialogs.clear()
        page.answer = False
        page.wait_for_selector("#kb-autosave-banner")
        assert "本浏览器保留了" in page.inner_text(".kb-autosave-title")
        assert page.inner_text(".kb-autosave-restore") == "恢复" and page.inner_text(".kb-autosave-discard") == "丢弃"
        page.click(".breadcrumbs a[href$='/articles/article/']")  # paused banner: nothing changed yet
        page.wait_for_url("**/articles/article/")
        open_form(page, change_path(article))
        page.click(".kb-autosave-restore")
        page.click(".breadcrumbs a[href$='/articles/article/']")
        assert page.dialogs == [("confirm", "有未保存的更改。确定离开此页面吗？")]
        assert page.errors == []
    finally:
        context.close()


def test_a_draft_is_saved_to_the_server_on_its_own_and_save_still_works(context, writer):
    draft = make_article(title="草稿", body="旧的正文", status=Article.Status.DRAFT, published_at=None, author=writer)
    page = context.new()
    page.clock.install()
    page.clock.resume()  # time runs as usual; fast_forward() jumps ahead to the draft timer
    open_form(page, change_path(draft))
    page.click("textarea.kb-source")
    page.fill("textarea.kb-source", TYPED_BODY)
    page.clock.fast_forward(31_000)
    page.wait_for_function("() => /Draft saved/.test(document.querySelector('.kb-autosave-status').textContent)")
    draft.refresh_from_db()
    assert draft.body == TYPED_BODY and draft.status == Article.Status.DRAFT
    version = revisions.version_of(draft)
    assert page.input_value("input[name=version]") == str(version)
    # Nothing is unsaved now: leaving does not ask, and Save is not refused as stale.
    page.focus("textarea.kb-source")
    page.keyboard.press("Control+End")
    page.keyboard.type("。")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    draft.refresh_from_db()
    assert draft.body == TYPED_BODY + "。"
    assert not page.errors and not page.dialogs


def test_a_published_article_is_never_saved_on_its_own(context, writer):
    article = make_article(title="已发表", body="线上的正文", author=writer)
    page = context.new()
    page.clock.install()
    page.clock.resume()
    open_form(page, change_path(article))
    page.fill("textarea.kb-source", "不该自动保存")
    page.clock.fast_forward(61_000)
    page.wait_for_timeout(500)
    article.refresh_from_db()
    assert article.body == "线上的正文"
    assert not page.errors
