"""No formula can draw over the page or take its clicks (issue 12, point 3), in a real browser.

TeX in an article is the author's; a hostile one can ask MathJax for huge or displaced boxes:
`\\href{https://evil.example/e}{\\smash{\\raise{2000px}{\\color{transparent}{\\rule{5000px}{5000px}}}}}`
laid an invisible off-site link over every page that showed it (the article, and through the
excerpt the home, tag, series and search pages), and `\\rule{100000em}{100000em}` made the page
millions of pixels large. Here such formulas are published and every page that shows them is
opened in Debian's Chromium: the page stays a sane size, the header's search box is what lies
under the pointer, and clicking it focuses it without leaving the page. The same in the admin
editor's live preview. Skipped like tests/reading/test_browser.py where /usr/bin/chromium is missing.
"""

from urllib.parse import quote

import pytest
from django.test import Client

from articles.models import Article
from tests.factories import make_article, make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERLAY = r"\href{https://evil.example/e}{\smash{\raise{2000px}{\color{transparent}{\rule{5000px}{5000px}}}}}"
HUGE = r"\rule{100000em}{100000em}"
# One of each way of asking for a long length, inline.
VARIANTS = [
    r"\href{https://evil.example/l}{\smash{\lower{2000px}{\rule{5000px}{5000px}}}}",
    r"\href{https://evil.example/m}{\moveleft{3000px}{\smash{\rule{3000px}{3000px}}}}",
    r"x\kern 100000pt y",
    r"x\hspace{100000em} y",
    r"x\mspace{900000mu} y",
    r"x\mkern 900000mu \mskip 900000mu \hskip 90000pt y",
    r"\Rule{100000em}{100000em}{100000em}",
    r"\href{https://evil.example/p}{\smash{\raise{900em}{\phantom{x}\rule{900em}{900em}}}}",
    r'\mmlToken{mo}[minsize="100000em"]{(}',
    r"\begin{array}{c} a \\[100000em] b \end{array}",
    r"\require{bbox}\bbox[100000em]{x}",
]
# Sizes that no real page of this site reaches: the pages here hold a few short articles.
SANE_WIDTH = 1280
SANE_HEIGHT = 20_000
PAGE_WIDTH = 1280
WORD = "containmentword"


class Reader:
    """A page that records requests to other hosts (answered here, never sent) and errors."""

    def __init__(self, browser, base_url, context=None):
        self.base_url = base_url
        self.context = context or browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900})
        self.page = self.context.new_page()
        self.foreign, self.errors = [], []
        self.page.route(lambda url: not url.startswith(base_url), self._foreign)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _foreign(self, route):
        self.foreign.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>elsewhere</h1>")

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, path
        self.page.wait_for_load_state("networkidle")
        if self.page.evaluate("() => window.MathJax !== undefined"):  # pages without formulas load none
            self.page.wait_for_function("() => MathJax.startup && MathJax.startup.promise")
            self.page.evaluate("() => MathJax.startup.promise")
        return self

    def size(self):
        return self.page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")

    def under(self, selector):
        """What takes a click at the middle of `selector`'s box: 'self' or the element in the way."""
        return self.page.evaluate(
            """(selector) => {
                const target = document.querySelector(selector);
                target.scrollIntoView({block: 'center'});
                const box = target.getBoundingClientRect();
                const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
                if (hit === target || target.contains(hit)) return 'self';
                const math = hit && hit.closest('mjx-container');
                return (math ? 'a formula: ' : '') + (hit ? hit.outerHTML.slice(0, 120) : 'nothing');
            }""",
            selector,
        )

    def click_search_box(self):
        """Click the header's search box where a reader would: in the middle of its box."""
        self.page.evaluate("() => window.scrollTo(0, 0)")
        url = self.page.url
        box = self.page.locator("#site-search").bounding_box()
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.page.wait_for_timeout(300)
        return url


@pytest.fixture
def hostile(live_server):
    """Articles whose formulas ask for huge, displaced, invisible links, with their pages' paths."""
    series = make_series(title="Containment series")
    # The overlay first, so that it is in the excerpt the lists show.
    first = make_article(
        title="Overlay article",
        body=f"Intro ${OVERLAY}$ and ${HUGE}$ {WORD}.\n\n$${HUGE}$$\n\n$${OVERLAY}$$\n\nThe end.",
        tags=["containment"],
        series=series,
        series_order=1,
    )
    second = make_article(
        title="Variants article",
        body=" ".join(f"${tex}$" for tex in VARIANTS) + f" {WORD}.\n\n$$" + r" \\ ".join(VARIANTS[:3]) + "$$",
        tags=["containment"],
        series=series,
        series_order=2,
    )
    assert "evil.example" in first.excerpt and "evil.example" in second.excerpt
    return {
        "article": first.get_absolute_url(),
        "variants": second.get_absolute_url(),
        "home": "/",
        "tag": "/tags/containment/",
        "series": series.get_absolute_url(),
        # With a query: a text snippet; with only a tag: the excerpt, formulas typeset.
        "search": f"/search/?q={quote(WORD)}",
        "search by tag": "/search/?tag=containment",
    }


def test_no_formula_covers_the_header_or_makes_the_page_huge(browser, live_server, hostile):
    for name, path in hostile.items():
        reader = Reader(browser, live_server.url)
        try:
            reader.open(path)
            formulas = reader.page.locator(".arithmatex").count()
            if name != "search":
                assert formulas > 0 and reader.page.locator(".arithmatex mjx-container").count() > 0, name
            width, height = reader.size()
            assert width <= SANE_WIDTH and height <= SANE_HEIGHT, (name, width, height)
            for control in ["#site-search", ".search-box button", ".site-name", ".site-header nav a", ".theme-toggle"]:
                assert reader.under(control) == "self", (name, control)
            before = reader.click_search_box()
            assert reader.page.url == before, name
            assert reader.page.evaluate("() => document.activeElement.id") == "site-search", name
            assert reader.foreign == [] and reader.errors == [], name
        finally:
            reader.context.close()


def test_a_formula_takes_no_clicks_outside_its_own_line(browser, live_server, hostile):
    """The text above and below an overlay formula can still be clicked and selected."""
    reader = Reader(browser, live_server.url).open(hostile["article"])
    try:
        assert reader.under(".article-header h1") == "self"
        assert reader.under(".prose > p:last-child") == "self"
        # Every formula's box is within a screen or so: no 5000px links anywhere.
        boxes = reader.page.evaluate(
            """() => Array.from(document.querySelectorAll('.arithmatex mjx-container')).map(c => {
                const box = c.getBoundingClientRect(); return [box.width, box.height];
            })"""
        )
        assert boxes and all(w <= PAGE_WIDTH and h <= 1000 for w, h in boxes), boxes
        reader.click_search_box()
        assert reader.foreign == []
    finally:
        reader.context.close()


def test_the_editor_preview_keeps_formulas_inside_it(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("writer", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    reader = Reader(browser, live_server.url, context=context)
    try:
        page = reader.page
        assert page.goto(live_server.url + "/admin/articles/article/add/").status == 200
        page.wait_for_function("() => document.querySelector('.kb-preview').dataset.rendered")
        page.fill("#id_title", "Preview overlay")
        page.fill(
            "textarea.kb-source",
            f"Intro ${OVERLAY}$ and ${HUGE}$.\n\n$${HUGE}$$\n\n" + " ".join(f"${t}$" for t in VARIANTS),
        )
        page.wait_for_function(
            f"() => document.querySelectorAll('.kb-preview .arithmatex mjx-container').length === {3 + len(VARIANTS)}"
        )
        width, height = reader.size()
        assert width <= 1400 and height <= SANE_HEIGHT, (width, height)
        inner = page.evaluate("() => document.querySelector('.kb-preview').scrollHeight")
        assert inner <= SANE_HEIGHT, inner
        for control in ["#id_title", "textarea.kb-source", "input[name=_save]", "#site-name a"]:
            assert reader.under(control) == "self", control
        page.click("#id_title")
        assert page.evaluate("() => document.activeElement.id") == "id_title"
        assert "/admin/articles/article/add/" in page.url
        assert reader.foreign == [] and reader.errors == []
        assert not Article.objects.exists()
    finally:
        context.close()


def test_real_formulas_keep_their_place_and_a_wide_one_scrolls_inside_the_text(browser, live_server):
    """Containment changes nothing for ordinary math; an inline formula wider than a phone scrolls."""
    long_sum = " + ".join(f"a_{{{i}}}" for i in range(40))
    article = make_article(
        title="Ordinary math",
        body=(
            "Plain words on a line.\n\nPlain words $x$ on a line.\n\n"
            f"Tall: $\\dfrac{{\\sum_{{i=1}}^{{n}} x_i}}{{\\sqrt{{\\frac{{a}}{{b}}}}}}$, "
            "$\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}$, $\\underbrace{a+b}_{c}$.\n\n"
            f"Wide: ${long_sum}$ end."
        ),
    )
    context = browser.new_context(viewport={"width": 360, "height": 740})
    reader = Reader(browser, live_server.url, context=context)
    try:
        reader.open(article.get_absolute_url())
        page = reader.page
        heights = page.evaluate("() => Array.from(document.querySelectorAll('.prose p')).map(p => p.offsetHeight)")
        assert heights[0] == heights[1], heights  # a short formula leaves its line as it was
        # Tall inline formulas are shown whole: nothing of them is cut off by the containment.
        cut = page.evaluate(
            """() => Array.from(document.querySelectorAll('.prose p:nth-child(3) mjx-math')).map(m =>
                [m.scrollHeight - m.clientHeight, m.scrollWidth - m.clientWidth])"""
        )
        assert len(cut) == 3 and all(dy <= 0 and dx <= 0 for dy, dx in cut), cut
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        wide = page.locator(".prose p:last-child mjx-math")
        assert wide.evaluate("m => m.scrollWidth > m.clientWidth + 100")
        # Its last term can be scrolled into view.
        wide.evaluate("m => { m.scrollLeft = m.scrollWidth; }")
        assert wide.evaluate("m => m.scrollLeft > 0")
    finally:
        context.close()
