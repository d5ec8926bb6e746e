"""What a reader meets in a real browser (Debian's Chromium via Playwright): every kind of page
loads cleanly, typesets its math, passes axe-core in light and dark, works from the keyboard,
and the reading aids (theme, anchors, contents, copy, print, two languages) do their job.

Skipped like tests/reading/test_browser.py where /usr/bin/chromium is missing; required in CI.
The screenshots in docs/screenshots/ are made here, from the demo articles.
"""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from articles.models import Article
from tests.factories import make_article

from .test_browser import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
WIDE_FORMULA = "$$" + " + ".join(f"\\frac{{x_{{{i}}}^2}}{{y_{{{i}}}}}" for i in range(60)) + "$$"


class Reader(Visit):
    """A Visit in a context of its own: colour scheme, viewport, locale and permissions."""

    def __init__(self, browser, base_url, scheme="light", width=1280, height=900, **context):
        self.context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": height}, **context)
        self.context.add_init_script(
            """window.__cls = 0;
            new PerformanceObserver(list => {
                for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
            }).observe({type: 'layout-shift', buffered: true});"""
        )
        super().__init__(self.context, base_url)

    def open(self, path, status=200):
        response = self.page.goto(self.base_url + path)
        assert response.status == status, path
        self.page.wait_for_load_state("networkidle")
        if status != 200:
            # Chromium reports the page's own status as a console error; nothing else may fail.
            self.errors = [e for e in self.errors if f"status of {status}" not in e]
        return self

    def settle(self):
        """Wait until MathJax (when the page has formulas) has typeset and fonts are in."""
        if self.page.evaluate("() => !!document.querySelector('.arithmatex')"):
            self.typeset()
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        return self

    def axe(self):
        from axe_playwright_python.sync_playwright import Axe

        violations = Axe().run(self.page).response["violations"]
        return [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in violations
            if v["impact"] in {"serious", "critical"}
        ]

    def close(self):
        self.context.close()


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    article = Article.objects.published().filter(series__isnull=False, has_math=True).first()
    tag = article.tags.order_by("name").first()
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "tags": "/tags/",
        "tag": tag.get_absolute_url(),
        "series list": "/series/",
        "series": article.series.get_absolute_url(),
        "search": "/search/?q=" + quote("学习"),
        "feed": "/feed/",
    }


def test_every_kind_of_page_loads_cleanly_and_typesets_every_formula(browser, live_server, demo):
    for name, path in demo.items():
        reader = Reader(browser, live_server.url).open(path)
        if name != "feed":
            formulas, typeset, errors = reader.typeset() if reader.page.query_selector(".arithmatex") else (0, 0, [])
            assert typeset == formulas and errors == [], name
            assert reader.page.locator("h1").count() == 1, name
        if name == "article":
            assert formulas > 10
        reader.assert_clean()
        reader.close()
    reader = Reader(browser, live_server.url).open("/articles/no-such-article/", status=404)
    assert "Page not found" in reader.page.inner_text("h1")
    reader.assert_clean()
    reader.close()


@pytest.mark.parametrize("scheme, language", [("light", "en-US"), ("dark", "en-US"), ("dark", "zh-CN")])
def test_no_serious_or_critical_accessibility_violations(browser, live_server, demo, scheme, language):
    pages = {**demo, "not found": "/articles/no-such-article/"}
    pages.pop("feed")  # an Atom document, shown by the browser's own XML viewer
    found = {}
    for name, path in pages.items():
        reader = Reader(browser, live_server.url, scheme=scheme, locale=language)
        reader.open(path, status=404 if name == "not found" else 200)
        reader.settle()
        assert reader.page.evaluate("document.documentElement.dataset.theme") == scheme
        assert reader.page.evaluate("document.documentElement.lang")[:2] == language[:2].lower()
        violations = reader.axe()
        if violations:
            found[name] = violations
        reader.close()
    assert found == {}


def test_dark_choice_is_remembered_and_applied_before_the_first_paint(browser, live_server, demo):
    reader = Reader(browser, live_server.url, scheme="light").open(demo["article"])
    background = "() => getComputedStyle(document.body).backgroundColor"
    assert reader.page.evaluate(background) == "rgb(255, 255, 255)"
    toggle = reader.page.locator(".theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.focus()
    reader.page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert reader.page.evaluate(background) == "rgb(13, 17, 23)"
    # Another page: the theme is set by a blocking script in <head>, before <body> exists.
    reader.page.add_init_script(
        """document.addEventListener('readystatechange', () => {
            if (!window.__firstTheme) window.__firstTheme = document.documentElement.dataset.theme || 'none';
        });"""
    )
    reader.open(demo["tags"])
    assert reader.page.evaluate("window.__firstTheme") == "dark"
    assert reader.page.evaluate(background) == "rgb(13, 17, 23)"
    # Code is light on dark, math follows the text colour.
    reader.open(demo["article"]).settle()
    code = reader.page.evaluate("() => getComputedStyle(document.querySelector('.highlight pre')).backgroundColor")
    assert code == "rgb(13, 17, 23)"
    math = reader.page.evaluate("() => getComputedStyle(document.querySelector('mjx-container')).color")
    assert math == "rgb(230, 237, 243)"
    reader.assert_clean()
    reader.close()


def test_without_scripts_the_system_theme_applies_and_the_toggle_is_hidden(browser, live_server, demo):
    reader = Reader(browser, live_server.url, scheme="dark", java_script_enabled=False).open(demo["article"])
    page = reader.page
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
    assert not page.locator(".theme-toggle").is_visible()
    assert page.locator(".prose").is_visible() and page.locator(".arithmatex").first.is_visible()
    reader.close()


@pytest.mark.parametrize("kind", ["series", "article"])
def test_keyboard_reaches_every_link_and_the_skip_link_comes_first(browser, live_server, demo, kind):
    reader = Reader(browser, live_server.url).open(demo[kind]).settle()
    page = reader.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left >= 0")  # shown on focus
    links = set(page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"))
    reached = {page.evaluate("document.activeElement.href")}
    # Tab through the whole page: until focus wraps round to the skip link (formulas and
    # scrolling boxes are tab stops too, so the links alone do not say how many there are).
    for _ in range(1000):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "skip-link":
            break
        href = page.evaluate("document.activeElement.href || ''")
        if href:
            reached.add(href)
        # A focused element is always visibly marked (and a heading anchor shown).
        marked = page.evaluate(
            "() => { const e = document.activeElement, s = getComputedStyle(e);"
            " return e === document.body || (s.outlineStyle !== 'none' && s.opacity !== '0') }"
        )
        assert marked, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    assert links <= reached, sorted(links - reached)
    # The skip link moves focus past the header.
    page.goto(live_server.url + demo["series"])
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")
    reader.assert_clean()
    reader.close()


def test_heading_anchors_contents_highlight_and_copy_button(browser, live_server, demo):
    reader = Reader(browser, live_server.url, permissions=["clipboard-read", "clipboard-write"])
    page = reader.open(demo["article"]).settle().page
    heading = page.locator(".prose h2[id]").nth(1)
    anchor = heading.locator(".heading-anchor")
    assert anchor.get_attribute("href") == "#" + quote(heading.get_attribute("id"))
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "0"
    heading.hover()
    page.wait_for_timeout(100)
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "1"
    # Reading further down marks that section in the contents.
    heading.scroll_into_view_if_needed()
    page.evaluate("id => document.getElementById(id).scrollIntoView()", heading.get_attribute("id"))
    page.wait_for_timeout(300)
    current = page.locator(".toc-box a[aria-current='location']")
    assert current.count() == 1 and current.get_attribute("href") == "#" + heading.get_attribute("id")
    # The copy button puts the code, as shown, on the clipboard.
    block = page.locator(".prose .highlight").first
    block.locator(".copy-button").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == block.locator("pre").inner_text().rstrip("\n")
    assert block.locator(".copy-button").inner_text() == "Copied"
    reader.assert_clean()
    reader.close()


def test_series_header_says_part_k_of_n(browser, live_server, demo):
    reader = Reader(browser, live_server.url).open(demo["article"])
    kicker = reader.page.locator(".series-kicker").inner_text()
    assert " · Part " in kicker and " of " in kicker
    reader.close()


def test_print_drops_navigation_and_keeps_math(browser, live_server, demo):
    reader = Reader(browser, live_server.url, scheme="dark").open(demo["article"]).settle()
    page = reader.page
    page.emulate_media(media="print")
    hidden = "s => Array.from(document.querySelectorAll(s)).every(e => getComputedStyle(e).display === 'none')"
    for selector in [".site-header", ".site-footer", ".series-nav", ".copy-button", ".skip-link"]:
        assert page.evaluate(hidden, selector), selector
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.locator("mjx-container").first.is_visible()
    assert len(page.pdf()) > 10_000
    reader.close()


def test_phone_width_wide_math_and_tables_scroll_inside_the_text(browser, live_server):
    table = (
        "| "
        + " | ".join(f"column {i}" for i in range(30))
        + " |\n|"
        + "---|" * 30
        + "\n| "
        + " | ".join("x" * 8 for _ in range(30))
        + " |"
    )
    article = make_article(title="很宽的公式与表格", body=f"文字。\n\n{WIDE_FORMULA}\n\n{table}\n")
    reader = Reader(browser, live_server.url, width=360, height=740).open(article.get_absolute_url()).settle()
    page = reader.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(
        "() => { const d = document.querySelector('div.arithmatex'); return d.scrollWidth > d.clientWidth }"
    )
    # What scrolls sideways can be reached and scrolled from the keyboard.
    assert page.evaluate("document.querySelector('div.arithmatex').tabIndex") == 0
    assert page.evaluate("document.querySelector('.prose table').tabIndex") == 0
    assert reader.axe() == []
    reader.assert_clean()
    reader.close()


def test_far_down_a_long_article_wide_boxes_are_tab_stops_though_not_laid_out_at_first(browser, live_server):
    # Paragraphs far below the window are not laid out at first (content-visibility: auto,
    # article.css); a wide formula there is measured in idle time, one block at a time, or when
    # its block is shown: from the keyboard it scrolls too, before the reader reaches it.
    table = "| " + " | ".join(f"column {i}" for i in range(30)) + " |\n|" + "---|" * 30
    filler = "\n\n".join(f"第 {i} 段：$x_{{{i}}} + y$ 的说明文字。" for i in range(40))
    wide_inline = "$" + " + ".join(f"a_{{{i}}}" for i in range(80)) + "$"
    body = f"{filler}\n\n很宽的行内公式 {wide_inline} 在这里。\n\n{WIDE_FORMULA}\n\n{table}\n\n最后一段。\n"
    article = make_article(title="很长的笔记", body=body)
    reader = Reader(browser, live_server.url, width=360, height=740).open(article.get_absolute_url()).settle()
    page = reader.page
    inline = "[...document.querySelectorAll('.prose span.arithmatex')].pop()"
    assert page.evaluate(f"!{inline}.checkVisibility({{contentVisibilityAuto: true}})")  # not laid out
    page.wait_for_function(
        f"() => {inline}.querySelector('mjx-math').tabIndex === 0"
        " && document.querySelector('.prose > div.arithmatex').tabIndex === 0"
        " && document.querySelector('.prose table').tabIndex === 0"
    )
    assert page.evaluate("scrollY") == 0  # not scrolled there
    assert reader.axe() == []  # every region that scrolls can be focused
    page.evaluate(f"{inline}.scrollIntoView()")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    reader.assert_clean()
    reader.close()


def test_no_page_is_wider_than_a_phone(browser, live_server, demo):
    for name, path in demo.items():
        if name == "feed":
            continue
        reader = Reader(browser, live_server.url, width=360, height=740).open(path).settle()
        assert reader.page.evaluate("document.documentElement.scrollWidth") <= 360, name
        reader.close()


def test_typesetting_barely_moves_any_article(browser, live_server, demo):
    shifts = {}
    for article in Article.objects.published().filter(has_math=True):
        reader = Reader(browser, live_server.url).open(article.get_absolute_url()).settle()
        reader.page.wait_for_timeout(200)
        shifts[article.slug] = reader.page.evaluate("window.__cls")
        reader.close()
    assert len(shifts) >= 10
    # Core Web Vitals call a cumulative layout shift under 0.1 "good".
    assert {slug: shift for slug, shift in shifts.items() if shift >= 0.1} == {}


def test_language_switch_in_the_browser_keeps_the_page(browser, live_server, demo):
    reader = Reader(browser, live_server.url, locale="en-US").open(demo["tag"])
    reader.page.click("text=简体中文")
    reader.page.wait_for_load_state("networkidle")
    assert reader.page.url == live_server.url + demo["tag"]
    assert reader.page.evaluate("document.documentElement.lang") == "zh-hans"
    assert reader.page.locator(".skip-link").inner_text() == "跳到正文"
    reader.open(demo["home"])
    assert reader.page.locator("h1").inner_text() == "最新更新"
    reader.close()
    reader = Reader(browser, live_server.url, locale="zh-CN").open(demo["home"])
    assert reader.page.locator("h1").inner_text() == "最新更新"
    reader.close()


def test_screenshots_for_the_readme(browser, live_server, demo, tmp_path):
    # Made by the SQLite run only: PostgreSQL sorts CJK tag names differently, and the
    # committed pictures should change only when the pages do.
    folder = SCREENSHOTS if connection.vendor == "sqlite" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    article = Article.objects.filter(slug="flashattention-online-softmax").first() or Article.objects.first()
    shots = {
        "feed.png": (demo["home"], "light"),
        "article.png": (article.get_absolute_url(), "light"),
        "article-dark.png": (article.get_absolute_url(), "dark"),
    }
    for name, (path, scheme) in shots.items():
        # Wide enough for the table of contents to stand beside the text.
        reader = Reader(browser, live_server.url, scheme=scheme, width=1440, height=1000).open(path).settle()
        reader.page.screenshot(path=str(folder / name), animations="disabled", caret="hide")
        reader.close()
    assert all((folder / name).stat().st_size > 20_000 for name in shots)
