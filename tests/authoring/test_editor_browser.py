"""The article editor in a real browser (Debian's Chromium driven by Playwright).

Live preview with typeset math, math errors shown, scroll kept; pasting or dropping an image
inserts Markdown at the cursor (its alt text typed in a field beside it); tag suggestions;
Ctrl+S saves. The insert menu, `/` commands, counts, scroll sync and the 900 px layout are in
test_editor_tools_browser.py. Skipped where /usr/bin/chromium is
missing, required when REQUIRE_BROWSER is set (as in CI).
"""

import base64
from io import BytesIO

import pytest
from django.test import Client
from PIL import Image

from articles.models import Article
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor_page(browser, live_server, django_user_model):
    """A logged-in staff page; console errors (CSP violations included) are collected."""
    user = django_user_model.objects.create_user("writer", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.errors = []
    # Failed loads are recorded by URL below (Chromium's own /favicon.ico request, which the
    # admin pages don't link, is not a page request and is left out).
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
    page.base_url = live_server.url
    yield page
    context.close()


def open_add_form(page):
    response = page.goto(page.base_url + "/admin/articles/article/add/")
    assert response.status == 200
    page.wait_for_selector(".kb-preview")
    page.wait_for_function("() => document.querySelector('.kb-preview').dataset.rendered")


def rendered_count(page):
    return int(page.evaluate("() => document.querySelector('.kb-preview').dataset.rendered || 0"))


def test_preview_updates_as_the_author_types_with_typeset_math(editor_page):
    page = editor_page
    open_add_form(page)
    page.fill("textarea.kb-source", "## 推导\n\n$$\\frac{a}{b}$$\n\n行内 $x^2$ 与出错的 $\\frac{a}$")
    page.wait_for_function("() => document.querySelectorAll('.kb-preview .arithmatex mjx-container').length === 3")
    assert page.inner_text(".kb-preview h2") == "推导"
    # A formula with a TeX error is shown as an error, in the preview itself.
    error = page.evaluate(
        "() => Array.from(document.querySelectorAll('.kb-preview mjx-merror'))"
        ".map(e => e.getAttribute('data-mjx-error') || e.textContent)"
    )
    assert len(error) == 1 and "argument" in error[0].lower()
    assert page.errors == []


def test_preview_keeps_its_scroll_position_when_the_text_changes_elsewhere(editor_page):
    page = editor_page
    open_add_form(page)
    long_body = "\n\n".join(f"第 {i} 段，公式 $x_{{{i}}}$。" for i in range(120))
    page.fill("textarea.kb-source", long_body)
    page.wait_for_function("() => document.querySelectorAll('.kb-preview mjx-container').length === 120")
    before = rendered_count(page)
    # The author reads the preview while the text changes (a restored draft, say): the preview
    # is rendered again and stays where the author was reading. (Where the author works in the
    # source, the preview follows the source instead: test_editor_tools_browser.py.)
    page.focus(".kb-preview")
    page.evaluate("() => { document.querySelector('.kb-preview').scrollTop = 600; }")
    page.evaluate(
        """() => {
            const source = document.querySelector('textarea.kb-source');
            source.value += '\\n\\n新的一段 $y$';
            source.dispatchEvent(new Event('input', {bubbles: true}));
        }"""
    )
    page.wait_for_function(f"() => Number(document.querySelector('.kb-preview').dataset.rendered) > {before}")
    page.wait_for_function("() => document.querySelectorAll('.kb-preview mjx-container').length === 121")
    assert abs(page.evaluate("() => document.querySelector('.kb-preview').scrollTop") - 600) <= 2
    assert page.errors == []


def red_square_png():
    buffer = BytesIO()
    Image.new("RGB", (12, 12), (220, 20, 20)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_pasting_an_image_uploads_it_and_inserts_markdown_at_the_cursor(editor_page, media):
    page = editor_page
    open_add_form(page)
    page.fill("textarea.kb-source", "前文\n\n后文")
    page.evaluate(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "red.png", {type: "image/png"}));
            const source = document.querySelector("textarea.kb-source");
            source.focus();
            source.setSelectionRange(4, 4);
            const paste = {clipboardData: transfer, bubbles: true, cancelable: true};
            source.dispatchEvent(new ClipboardEvent("paste", paste));
        }""",
        base64.b64encode(red_square_png()).decode(),
    )
    page.wait_for_function("() => document.querySelector('textarea.kb-source').value.includes('](/media/')")
    # The alt text is typed in a field beside the image (static/js/editor.js), not in a prompt.
    page.wait_for_selector(".kb-alt-field input")
    page.keyboard.type("红色方块")
    page.keyboard.press("Enter")
    value = page.input_value("textarea.kb-source")
    assert value.startswith("前文\n\n![红色方块](/media/images/") and value.endswith(".png)后文")
    url = value.split("](")[1].split(")")[0]
    assert (media / url.removeprefix("/media/")).read_bytes() == red_square_png()
    page.wait_for_selector(f'.kb-preview img[src="{url}"][alt="红色方块"]', state="attached")
    assert page.inner_text(".kb-editor-status") == "Image inserted."


def test_dropping_an_image_file_inserts_markdown(editor_page, media):
    page = editor_page
    open_add_form(page)
    page.fill("textarea.kb-source", "图：")
    page.evaluate(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "loss-curve.png", {type: "image/png"}));
            const source = document.querySelector("textarea.kb-source");
            source.setSelectionRange(2, 2);
            const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
            source.dispatchEvent(new DragEvent("dragover", init));
            source.dispatchEvent(new DragEvent("drop", init));
        }""",
        base64.b64encode(red_square_png()).decode(),
    )
    page.wait_for_function("() => document.querySelector('textarea.kb-source').value.includes('](/media/')")
    # Inserted with its alt text still to write: the field for it has the focus.
    assert page.input_value("textarea.kb-source").startswith("图：![](/media/images/")
    page.wait_for_selector(".kb-alt-field input:focus")
    assert len(list(media.rglob("*.png"))) == 1


def test_a_file_that_is_not_an_image_is_refused_with_a_message(editor_page, media):
    page = editor_page
    open_add_form(page)
    page.set_input_files(
        "input.kb-file-chooser", files=[{"name": "evil.svg", "mimeType": "image/svg+xml", "buffer": b"<svg/>"}]
    )
    page.wait_for_selector(".kb-editor-status.kb-editor-error")
    assert "evil.svg is not an image this site accepts" in page.inner_text(".kb-editor-status")
    assert page.input_value("textarea.kb-source") == "" and not any(media.rglob("*.*"))
    assert page.locator(".kb-alt-field").count() == 0


def test_tag_suggestions_and_ctrl_s_saves(editor_page):
    page = editor_page
    make_article(tags=["强化学习"])
    make_article(tags=["强化学习", "学习率"])
    open_add_form(page)
    page.fill("#id_title", "快捷键保存")
    page.fill("textarea.kb-source", "正文")
    page.focus("#id_tags")
    page.keyboard.type("学习")
    page.wait_for_selector(".kb-suggestions li")
    assert page.eval_on_selector_all(".kb-suggestions li", "items => items.map(i => i.firstChild.textContent)") == [
        "强化学习",
        "学习率",
    ]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_tags") == "强化学习, "
    page.keyboard.press("Control+s")
    page.wait_for_url("**/change/")
    article = Article.objects.get(title="快捷键保存")
    assert list(article.tags.names()) == ["强化学习"] and article.body == "正文"
    assert page.errors == []
