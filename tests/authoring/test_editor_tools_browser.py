"""The editor's tools in a real browser: the insert menu and `/` commands, the inline alt text
field, the live counts, scroll sync, formula errors, the site's stylesheet in the preview and
the layout at 900 px.

What each snippet renders to through the site's pipeline is checked without a browser in
test_editor_snippets.py. Skipped where /usr/bin/chromium is missing, required when
REQUIRE_BROWSER is set (as in CI).
"""

import json
import math

import pytest

from markup.rendering import render_markdown
from markup.summaries import reading_minutes

from .test_editor_browser import editor_page, media, open_add_form, red_square_png  # noqa: F401 - fixtures
from .test_editor_snippets import SNIPPETS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = "textarea.kb-source"


def selected_text(page):
    return page.evaluate("() => { const s = document.querySelector('textarea.kb-source'); "
                         "return s.value.slice(s.selectionStart, s.selectionEnd); }")  # fmt: skip


def rendered_after(page, before):
    page.wait_for_function(f"() => Number(document.querySelector('.kb-preview').dataset.rendered) > {before}")


def rendered_count(page):
    return int(page.evaluate("() => document.querySelector('.kb-preview').dataset.rendered || 0"))


def placeholder_of(snippet_id):
    whole = SNIPPETS[snippet_id]["text"] + SNIPPETS[snippet_id].get("end", "")
    return whole[whole.index("⟦") + 1 : whole.index("⟧")]


# What the preview shows for each snippet: a selector that must match, in the preview.
PREVIEWED = {
    "inline-math": "p > span.arithmatex mjx-container",
    "display-math": "div.arithmatex mjx-container[display='true']",
    "align": "div.arithmatex mjx-container[display='true']",
    "cases": "div.arithmatex mjx-container[display='true']",
    "equation": "div.arithmatex mjx-container[display='true']",
    "table": "table th",
    "code": ".highlight pre code .nb",
    "admonition": ".admonition.note > .admonition-title",
    "footnote": "sup a.footnote-ref",
}


def test_the_insert_menu_inserts_each_snippet_with_its_placeholder_selected(editor_page):  # noqa: F811
    page = editor_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_add_form(page)
    page.wait_for_selector(".kb-insert-item", state="attached")
    names = page.eval_on_selector_all(".kb-insert-item", "items => items.map(i => i.textContent)")
    assert names == [snippet["label"]["en"] for snippet in SNIPPETS.values()]
    for snippet_id, selector in PREVIEWED.items():
        page.fill(SOURCE, "Intro text")
        page.evaluate("() => document.querySelector('textarea.kb-source').setSelectionRange(10, 10)")
        before = rendered_count(page)
        page.click(".kb-insert-menu-button")
        page.click(f".kb-insert-item[data-snippet='{snippet_id}']")
        assert page.is_hidden(".kb-insert-menu")
        assert selected_text(page) == placeholder_of(snippet_id), snippet_id
        value = page.input_value(SOURCE)
        if SNIPPETS[snippet_id]["block"]:
            assert value.startswith("Intro text\n\n"), snippet_id  # a block begins a paragraph of its own
        rendered_after(page, before)
        page.wait_for_selector(f".kb-preview {selector}", state="attached")
        assert page.get_attribute(".kb-preview", "data-failed-formulas") == "0", snippet_id
    # The footnote: its mark where the author was, its definition at the end.
    assert page.input_value(SOURCE) == "Intro text[^1]\n\n[^1]: The footnote's text.\n"
    assert page.inner_text(".kb-preview .footnote li").startswith("The footnote's text.")
    # Selected text becomes the placeholder's: select a formula's TeX, choose "Inline math".
    page.fill(SOURCE, "Energy E=mc^2 here")
    page.evaluate("() => document.querySelector('textarea.kb-source').setSelectionRange(7, 13)")
    page.click(".kb-insert-menu-button")
    page.click(".kb-insert-item[data-snippet='inline-math']")
    assert page.input_value(SOURCE) == "Energy $E=mc^2$ here" and selected_text(page) == "E=mc^2"
    # Ctrl+Z takes an insertion back, as it would typing.
    page.keyboard.press("Control+z")
    assert page.input_value(SOURCE) == "Energy E=mc^2 here"
    assert dialogs == [] and page.errors == []


def test_the_insert_menu_works_from_the_keyboard(editor_page):  # noqa: F811
    page = editor_page
    open_add_form(page)
    page.wait_for_selector(".kb-insert-item", state="attached")
    page.fill(SOURCE, "")
    page.focus(".kb-insert-menu-button")
    page.keyboard.press("Enter")
    assert page.get_attribute(".kb-insert-menu-button", "aria-expanded") == "true"
    assert page.evaluate("() => document.activeElement.dataset.snippet") == "inline-math"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.dataset.snippet") == "align"
    page.keyboard.press("Escape")
    assert page.is_hidden(".kb-insert-menu")
    assert page.evaluate("() => document.activeElement.classList.contains('kb-insert-menu-button')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")  # the last item: the footnote
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.matches('textarea.kb-source')")
    assert page.input_value(SOURCE).startswith('??? note "Title"\n    ')
    assert selected_text(page) == "Title"
    assert page.errors == []


def test_slash_at_the_start_of_a_line_opens_a_filtered_palette(editor_page):  # noqa: F811
    page = editor_page
    open_add_form(page)
    page.wait_for_selector(".kb-insert-item", state="attached")
    page.fill(SOURCE, "Intro\n\n")
    page.focus(SOURCE)
    page.keyboard.press("Control+End")
    page.keyboard.type("/")
    page.wait_for_selector(".kb-command-palette li[role=option]")
    assert page.locator(".kb-command-palette li[role=option]").count() == len(SNIPPETS)
    # Laid beside the "/", at the start of the line (not pushed aside by the admin's list indent).
    left = page.evaluate(
        "() => document.querySelector('.kb-command-palette').getBoundingClientRect().left"
        " - document.querySelector('textarea.kb-source').getBoundingClientRect().left"
    )
    assert 0 <= left < 40
    page.keyboard.type("adm")
    options = page.eval_on_selector_all(".kb-command-palette [role=option]", "els => els.map(e => e.dataset.snippet)")
    assert options == ["admonition"]
    page.keyboard.press("Enter")
    assert page.is_hidden(".kb-command-palette")
    assert page.input_value(SOURCE) == 'Intro\n\n!!! note "Title"\n    The text of the note, indented by four spaces.\n'
    assert selected_text(page) == "Title"
    page.keyboard.type("Careful")
    before = rendered_count(page)
    rendered_after(page, before)
    page.wait_for_selector(".kb-preview .admonition.note > .admonition-title")
    assert page.inner_text(".kb-preview .admonition-title") == "Careful"

    # Escape closes it and keeps what was typed: a line may start with a path.
    page.keyboard.press("Control+End")
    page.keyboard.type("/usr")
    assert page.is_visible(".kb-command-palette")
    assert page.locator(".kb-command-palette li.kb-command-none").count() == 1
    page.keyboard.press("Escape")
    assert page.is_hidden(".kb-command-palette")
    assert page.input_value(SOURCE).endswith("spaces.\n/usr")

    # Not in the middle of a line.
    page.keyboard.type(" and/or")
    assert page.is_hidden(".kb-command-palette")

    # The arrows choose; numbered snippets take the next free number.
    page.fill(SOURCE, "One[^1]\n\n\n\n[^1]: first.\n")
    page.evaluate("() => document.querySelector('textarea.kb-source').setSelectionRange(9, 9)")
    page.keyboard.type("/foot")
    page.keyboard.press("ArrowDown")  # wraps round the single match
    page.keyboard.press("Enter")
    value = page.input_value(SOURCE)
    assert value == "One[^1]\n\n[^2]\n\n[^1]: first.\n\n[^2]: The footnote's text.\n"
    assert selected_text(page) == "The footnote's text."
    assert page.errors == []


def test_an_uploaded_image_gets_an_inline_alt_text_field_not_a_prompt(editor_page, media):  # noqa: F811
    page = editor_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_add_form(page)
    page.fill(SOURCE, "前文\n\n后文")
    page.evaluate("() => document.querySelector('textarea.kb-source').setSelectionRange(4, 4)")
    page.set_input_files(
        "input.kb-file-chooser", files=[{"name": "red.png", "mimeType": "image/png", "buffer": red_square_png()}]
    )
    page.wait_for_selector(".kb-alt-field input")
    value = page.input_value(SOURCE)
    assert value.startswith("前文\n\n![](/media/images/") and value.endswith(".png)后文")
    url = value.split("](")[1].split(")")[0]
    assert page.evaluate("() => document.activeElement.closest('.kb-alt-field') !== null")
    assert page.inner_text(".kb-alt-field label") == "Alt text"
    # Written into the brackets as the author types, before the field is closed.
    page.keyboard.type("红色")
    assert page.input_value(SOURCE) == f"前文\n\n![红色]({url})后文"
    page.keyboard.type("方块 [1]")
    page.keyboard.press("Enter")
    assert page.locator(".kb-alt-field").count() == 0
    assert page.input_value(SOURCE) == f"前文\n\n![红色方块  1]({url})后文"
    # Back in the source, just after the image.
    assert page.evaluate("() => document.activeElement.matches('textarea.kb-source')")
    caret = page.evaluate("() => document.querySelector('textarea.kb-source').selectionStart")
    assert page.input_value(SOURCE)[:caret].endswith(f"]({url})")
    page.wait_for_selector(f'.kb-preview img[src="{url}"][alt="红色方块  1"]', state="attached")
    assert dialogs == [] and page.errors == []


def test_escape_closes_the_alt_text_field_and_keeps_what_was_typed(editor_page, media):  # noqa: F811
    page = editor_page
    open_add_form(page)
    page.set_input_files(
        "input.kb-file-chooser", files=[{"name": "loss-curve.png", "mimeType": "image/png", "buffer": red_square_png()}]
    )
    page.wait_for_selector(".kb-alt-field input")
    page.keyboard.type("Loss")
    page.keyboard.press("Escape")
    assert page.locator(".kb-alt-field").count() == 0
    assert page.input_value(SOURCE).startswith("![Loss](/media/images/")
    assert page.errors == []


def test_counts_and_reading_time_are_the_servers(editor_page):  # noqa: F811
    page = editor_page
    open_add_form(page)
    body = (
        "## 标题\n\n"
        + "深度学习" * 200
        + "\n\n"
        + " ".join(["word"] * 230)
        + "\n\nA [link](https://example.com/a/very/long/path-with-words) and **bold** text.\n"
    )
    page.fill(SOURCE, body)
    page.wait_for_function("() => document.querySelector('.kb-editor-counts').dataset.words === '1037'")
    counts = page.locator(".kb-editor-counts")
    # 802 CJK characters (each a word) and 235 words; 802/400 + 235/200 minutes, rounded up.
    assert counts.inner_text() == "1,037 words · 1,739 characters · 4 min read"
    expected = math.ceil(802 / 400 + 235 / 200)
    assert int(counts.get_attribute("data-minutes")) == expected == reading_minutes(render_markdown(body).html)
    assert page.errors == []


def test_the_chinese_admin_labels_the_menu_and_the_counts_in_chinese(editor_page):  # noqa: F811
    page = editor_page
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.base_url}])
    open_add_form(page)
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.wait_for_selector(".kb-insert-item", state="attached")
    assert page.inner_text(".kb-insert-menu-button").startswith("插入")
    labels = page.eval_on_selector_all(".kb-insert-item", "items => items.map(i => i.textContent)")
    assert labels == [snippet["label"]["zh-hans"] for snippet in SNIPPETS.values()]
    page.fill(SOURCE, "你好，世界")
    page.wait_for_function("() => document.querySelector('.kb-editor-counts').dataset.words === '5'")
    assert page.inner_text(".kb-editor-counts") == "5 字 · 5 字符 · 约 1 分钟读完"
    page.fill(SOURCE, "坏公式 $\\frac{a}$")
    page.wait_for_function("() => document.querySelector('.kb-preview').dataset.failedFormulas === '1'")
    assert page.inner_text(".kb-editor-status") == "1 个公式无法排版：\\frac{a} (Missing argument for \\frac)"
    assert page.errors == []


def test_formulas_that_do_not_typeset_are_listed_in_the_status_line(editor_page):  # noqa: F811
    page = editor_page
    open_add_form(page)
    page.fill(SOURCE, "Good $x^2$, bad $\\frac{a}$ and $$\\begin{matrix} a & b \\end{matrx}$$, open $\\sqrt{$.")
    page.wait_for_function("() => document.querySelector('.kb-preview').dataset.failedFormulas === '3'")
    status = page.inner_text(".kb-editor-status")
    assert status.startswith("3 formulas do not typeset: \\frac{a} (Missing argument for \\frac); ")
    assert "\\begin{matrix} a & b \\end{matrx}" in status
    # One MathJax could not even read as TeX (its braces do not balance): left as text, listed too.
    assert status.endswith("; \\sqrt{ (not read as a formula)")
    assert page.locator(".kb-editor-status.kb-editor-error").count() == 1
    page.fill(SOURCE, "Good $x^2$, now fixed $\\frac{a}{b}$")
    page.wait_for_function("() => document.querySelector('.kb-preview').dataset.failedFormulas === '0'")
    assert page.inner_text(".kb-editor-status") == ""
    assert page.errors == []


def test_the_preview_is_styled_by_the_sites_article_stylesheet_and_follows_the_admin_theme(editor_page):  # noqa: F811
    page = editor_page
    open_add_form(page)
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'light')")
    page.fill(SOURCE, '!!! note "Note"\n    Body\n\n| a |\n| --- |\n| 1 |\n')
    page.wait_for_selector(".kb-preview .admonition")

    def style(selector, prop):
        return page.evaluate(f"() => getComputedStyle(document.querySelector({json.dumps(selector)})).{prop}")

    assert page.evaluate("() => document.querySelector('.kb-preview-body').classList.contains('prose')")
    # article.css: the admonition's accent border and the table's cell borders, as on the site.
    assert style(".kb-preview .admonition", "borderLeftColor") == "rgb(138, 75, 0)"
    assert style(".kb-preview .admonition", "borderLeftWidth") == "4px"
    assert style(".kb-preview td", "borderTopColor") == "rgb(209, 217, 224)"
    assert style(".kb-preview", "backgroundColor") == "rgb(255, 255, 255)"
    # The admin's own page is left alone: its colours, its type size.
    assert page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == (
        "#f5dd5d"
    )
    assert style("body", "fontSize") == "14px"
    # The admin's theme toggle sets data-theme on <html>: the preview turns dark with it.
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    assert style(".kb-preview .admonition", "borderLeftColor") == "rgb(210, 153, 34)"
    assert style(".kb-preview", "backgroundColor") == "rgb(13, 17, 23)"
    # "auto" follows the system's setting.
    page.emulate_media(color_scheme="dark")
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'auto')")
    assert style(".kb-preview", "backgroundColor") == "rgb(13, 17, 23)"
    page.emulate_media(color_scheme="light")
    assert style(".kb-preview", "backgroundColor") == "rgb(255, 255, 255)"
    assert page.errors == []


def test_at_900_px_the_source_is_at_least_20_lines_and_most_of_the_width(editor_page):  # noqa: F811
    page = editor_page
    page.set_viewport_size({"width": 900, "height": 800})
    open_add_form(page)
    size = page.evaluate(
        """() => {
            const source = document.querySelector('textarea.kb-source');
            const style = getComputedStyle(source);
            const lines = (source.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom))
                / parseFloat(style.lineHeight);
            const preview = document.querySelector('.kb-preview').getBoundingClientRect();
            return {lines, width: source.clientWidth, sourceBottom: source.getBoundingClientRect().bottom,
                    previewTop: preview.top, previewWidth: preview.width};
        }"""
    )
    assert size["lines"] >= 20 and size["width"] > 500, size
    # The preview goes below the source, as wide.
    assert size["previewTop"] >= size["sourceBottom"] and size["previewWidth"] > 500, size
    assert page.errors == []


LONG = "\n\n".join(
    f"## 第 {i} 节\n\n" + "\n\n".join(f"第 {i} 节的第 {j} 段，公式 $x_{{{j}}}$。" for j in range(6)) for i in range(30)
)


def heading_offset(page, number):
    """Where section `number`'s heading is, in pixels below the top of the preview's window."""
    return page.evaluate(
        f"""() => {{
            const pane = document.querySelector('.kb-preview');
            const heading = document.querySelectorAll('.kb-preview-body > h2')[{number}];
            return heading.getBoundingClientRect().top - pane.getBoundingClientRect().top;
        }}"""
    )


def test_the_preview_scrolls_with_the_source(editor_page):  # noqa: F811
    page = editor_page
    page.set_viewport_size({"width": 1400, "height": 900})
    open_add_form(page)
    page.fill(SOURCE, LONG)
    page.wait_for_function("() => document.querySelectorAll('.kb-preview mjx-container').length === 180")
    # Scrolling the source so that section 20's heading is at its top: the preview shows it at its top.
    line = LONG.split("\n").index("## 第 20 节")
    page.evaluate(
        f"""() => {{
            const source = document.querySelector('textarea.kb-source');
            source.scrollTop = {line} * parseFloat(getComputedStyle(source).lineHeight);
        }}"""
    )
    page.wait_for_function(
        "() => Math.abs(document.querySelectorAll('.kb-preview-body > h2')[20].getBoundingClientRect().top"
        " - document.querySelector('.kb-preview').getBoundingClientRect().top) < 30"
    )
    # Moving the caret: the preview shows the caret's section, where the caret is in the source.
    page.focus(SOURCE)
    page.keyboard.press("Control+Home")
    page.wait_for_function("() => document.querySelector('.kb-preview').scrollTop < 60")  # the first heading
    target = LONG.index("第 7 节的第 2 段")
    page.evaluate(f"() => document.querySelector('textarea.kb-source').setSelectionRange({target}, {target})")
    page.keyboard.press("ArrowRight")  # the textarea scrolls to the caret, the preview follows
    page.wait_for_function(
        """() => {
            const pane = document.querySelector('.kb-preview').getBoundingClientRect();
            const heading = document.querySelectorAll('.kb-preview-body > h2')[7].getBoundingClientRect();
            return heading.top >= pane.top - 200 && heading.top < pane.bottom;
        }"""
    )
    # Typing there re-renders the preview, which keeps showing the same part.
    before = rendered_count(page)
    page.keyboard.type("新")
    rendered_after(page, before)
    page.wait_for_timeout(300)
    assert -200 <= heading_offset(page, 7) < page.evaluate("() => document.querySelector('.kb-preview').clientHeight")
    assert page.errors == []
