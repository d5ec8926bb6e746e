"""The search page typesets the formulas of its snippets, in a real browser.

docs/screenshots/search-math.png is made here (SQLite run only), from three demo articles.
Skipped like the other browser tests where /usr/bin/chromium is missing.
"""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection

from articles.transfer.importer import import_paths
from markup import limits
from tests.factories import make_article
from tests.reading.test_browser import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "search-math.png"
DEMO = Path(settings.BASE_DIR) / "articles" / "demo"
SCREENSHOT_NOTES = ["flashattention-online-softmax.md", "mixed-precision-training.md", "llm-speculative-decoding.md"]
SNIPPETS = """() => Array.from(document.querySelectorAll('.card .excerpt')).map(p => {
    const text = p.cloneNode(true);
    text.querySelectorAll('mjx-container, mjx-assistive-mml').forEach(e => e.remove());
    return {
        formulas: p.querySelectorAll('.arithmatex').length,
        typeset: p.querySelectorAll('.arithmatex mjx-container').length,
        text: text.textContent,
    };
})"""


def typeset_snippets(page):
    """Bring every snippet formula on screen in turn (MathJax may typeset lazily), and wait."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    formulas = page.locator(".excerpt .arithmatex")
    for index in range(formulas.count()):
        formulas.nth(index).scroll_into_view_if_needed()
        formulas.nth(index).locator("mjx-container").first.wait_for(state="attached", timeout=10_000)


def test_snippet_formulas_are_typeset_and_no_tex_is_shown(browser, live_server):
    make_article(title="矩阵", body="对一个 $N\\times N$ 的注意力矩阵做分块，块大小 $\\alpha_{ij}$ 由显存决定。")
    definition = "$$\n\\operatorname{softmax}\\left(\\frac{QK^T}{\\sqrt{d}}\\right)V\n$$"
    make_article(title="定义", body=f"注意力的定义：\n\n{definition}\n")
    visit = Visit(browser, live_server.url).open("/search/?" + urlencode({"q": "注意力"}))
    typeset_snippets(visit.page)
    snippets = visit.page.evaluate(SNIPPETS)
    assert len(snippets) == 2 and sum(s["formulas"] for s in snippets) == 3
    for snippet in snippets:
        assert snippet["typeset"] == snippet["formulas"], snippet
        assert "\\" not in snippet["text"], snippet  # no TeX left as text
    assert visit.page.locator("mjx-merror").count() == 0
    visit.assert_clean()


def test_screenshot_of_a_search_result_with_typeset_math(browser, live_server, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "RENDER_SECONDS", 30)  # the notes render even on a busy machine
    report = import_paths([DEMO / name for name in SCREENSHOT_NOTES], jobs=1)
    assert not report.failed, report.failed
    path = SCREENSHOT if connection.vendor == "sqlite" else tmp_path / SCREENSHOT.name
    context = browser.new_context(viewport={"width": 1000, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.goto(live_server.url + "/search/?" + urlencode({"q": "online softmax"}))
    page.wait_for_load_state("networkidle")
    typeset_snippets(page)
    assert page.locator(".excerpt .arithmatex mjx-container").count() >= 1
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.locator("h1").evaluate("h1 => h1.scrollIntoView()")
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    context.close()
    assert path.stat().st_size > 20_000
