"""Inline formulas in table cells are shown whole (a cell's width comes from its content: the
formula's box, capped at "no wider than the text", shrank with it and clipped "r_t ≤ 1.2" to
"r_t ≤ 1."). Skipped like tests/reading/test_browser.py where /usr/bin/chromium is missing.
"""

import pytest

from tests.factories import make_article

from .test_browser import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLE = """| 量 | 取值 | 说明 |
| --- | --- | --- |
| 裁剪上界 | $r_t \\le 1 + \\epsilon = 1.2$ | 比率超过它时不再增加目标 |
| 优势 | $\\hat A_t = \\sum_{l=0}^{\\infty} (\\gamma\\lambda)^l \\delta_{t+l}$ | GAE 估计 |
| 目标 | $\\min(r_t \\hat A_t,\\ \\operatorname{clip}(r_t, 1-\\epsilon, 1+\\epsilon) \\hat A_t)$ | 取小 |
"""

CLIPPED = """() => Array.from(document.querySelectorAll('.prose td mjx-container')).map(box => {
    const math = box.querySelector('mjx-math');
    return math.scrollWidth - box.getBoundingClientRect().width;
}).filter(hidden => hidden > 1).length"""


@pytest.mark.parametrize("width", [1280, 390])
def test_formulas_in_table_cells_are_not_clipped(browser, live_server, width):
    article = make_article(title="表格里的公式", body=TABLE)
    visit = Visit(browser, live_server.url)
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.open(article.get_absolute_url())
    formulas, typeset, errors = visit.typeset()
    visit.page.wait_for_function("() => document.querySelectorAll('.prose td mjx-container').length === 3")
    assert formulas == 3 and errors == []
    assert visit.page.evaluate(CLIPPED) == 0
    # The page itself stays as wide as the screen: the table scrolls, not the page.
    assert visit.page.evaluate("() => document.documentElement.scrollWidth") <= width
    visit.assert_clean()
