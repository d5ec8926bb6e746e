"""Formulas are typeset on demand (static/js/mathjax-config.js), in a real browser on a phone's screen.

MathJax runs in a worker started after the first paint (on the page itself where there are no
workers) and typesets what is on screen first, then the rest a few at a time: a reader who
scrolls, follows a link far down or opens a collapsible block finds every formula typeset,
without error, and the page does not jump. Skipped like the other browser tests where
/usr/bin/chromium is missing.
"""

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.factories import make_article

from .test_browser import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Records, for each formula, the order in which it was typeset (window.__typesetOrder).
RECORD_ORDER = """
window.__typesetOrder = [];
new MutationObserver(records => {
    for (const record of records) for (const node of record.addedNodes) {
        if (node.nodeName === 'MJX-CONTAINER') {
            const all = Array.from(document.querySelectorAll('.arithmatex'));
            window.__typesetOrder.push(all.indexOf(node.closest('.arithmatex')));
        }
    }
}).observe(document, {childList: true, subtree: true});
"""
STATE = """() => {
    const all = Array.from(document.querySelectorAll('.arithmatex'));
    return {
        formulas: all.length,
        typeset: all.filter(e => e.querySelector('mjx-container')).length,
        errors: Array.from(document.querySelectorAll('mjx-merror'))
            .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    };
}"""


class Phone(Visit):
    def __init__(self, browser, base_url):
        self.context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        self.context.add_init_script(RECORD_ORDER)
        self.base_url = base_url
        page = self.context.new_page()
        self.page = page
        self.errors, self.failed, self.foreign = [], [], []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.on("request", lambda request: self._check_host(request.url))

    def state(self):
        return self.page.evaluate(STATE)

    def in_view(self, selector):
        return self.page.evaluate(
            """s => { const r = document.querySelector(s).getBoundingClientRect();
                      return r.bottom > 0 && r.top < window.innerHeight; }""",
            selector,
        )

    def close(self):
        self.context.close()


@pytest.fixture
def heaviest(live_server):
    call_command("load_demo", verbosity=0)
    articles = [a for a in Article.objects.published() if a.has_math]
    return max(articles, key=lambda a: a.body_html.count("arithmatex"))


def test_a_reader_scrolling_through_the_heaviest_article_finds_every_formula_typeset(browser, live_server, heaviest):
    phone = Phone(browser, live_server.url).open(heaviest.get_absolute_url())
    assert phone.state()["formulas"] >= 50
    height = phone.page.evaluate("document.documentElement.scrollHeight")
    top = 0
    while top < height:
        phone.page.mouse.wheel(0, PHONE["height"])
        top += PHONE["height"]
        phone.page.wait_for_timeout(150)
        # What the reader sees now is typeset (within a moment of arriving there).
        phone.page.wait_for_function(
            """() => Array.from(document.querySelectorAll('.arithmatex')).every(e => {
                const r = e.getBoundingClientRect();
                const seen = r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
                return !seen || e.querySelector('mjx-container');
            })""",
            timeout=15_000,
        )
    phone.page.wait_for_function("() => MathJax.startup.promise.then(() => true)")
    state = phone.state()
    assert state["typeset"] == state["formulas"] and state["errors"] == []
    # Each formula typeset once: none left behind, none done twice.
    order = phone.page.evaluate("window.__typesetOrder")
    assert sorted(order) == list(range(state["formulas"]))
    phone.assert_clean()
    phone.close()


def test_a_link_far_down_shows_its_formulas_typeset_first(browser, live_server, heaviest):
    headings = heaviest.toc_html.count('href="#')
    assert headings >= 3
    # The last heading of the article with a formula after it.
    target = Phone(browser, live_server.url).open(heaviest.get_absolute_url())
    anchor = target.page.evaluate(
        """() => {
            const all = Array.from(document.querySelectorAll('.prose h2[id], .prose h3[id]'));
            const later = all.filter(h => {
                const f = Array.from(document.querySelectorAll('.arithmatex'))
                    .find(e => h.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
                return f && f.getBoundingClientRect().top - h.getBoundingClientRect().top < 400;
            });
            return later[later.length - 1].id;
        }"""
    )
    target.close()
    phone = Phone(browser, live_server.url)
    phone.page.goto(f"{live_server.url}{heaviest.get_absolute_url()}#{anchor}")
    selector = f"[id='{anchor}']"
    phone.page.wait_for_function(
        """s => { const h = document.querySelector(s);
                  const f = Array.from(document.querySelectorAll('.arithmatex'))
                      .find(e => h.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
                  return f.querySelector('mjx-container'); }""",
        arg=selector,
        timeout=15_000,
    )
    phone.page.wait_for_function("() => MathJax.startup.promise.then(() => true)")
    # The heading the link named is still on screen once everything around it is typeset.
    assert phone.in_view(selector)
    order = phone.page.evaluate("window.__typesetOrder")
    total = phone.state()["formulas"]
    # Typeset first: the formulas around the target, far down, not the article's first ones.
    assert min(order[:3]) > total // 3, order[:10]
    assert phone.state()["errors"] == []
    phone.assert_clean()
    phone.close()


def test_a_formula_in_a_collapsible_block_typesets_when_it_is_opened(browser, live_server):
    body = (
        "勾股定理：$a^2+b^2=c^2$。\n\n"
        '??? note "证明"\n'
        "    面积相等：$(a+b)^2 = c^2 + 2ab$，于是\n\n"
        "    $$a^2 + b^2 = c^2$$\n\n"
        "之后。\n"
    )
    article = make_article(title="可折叠的推导", body=body)
    phone = Phone(browser, live_server.url).open(article.get_absolute_url())
    phone.page.wait_for_function("() => MathJax.startup.promise.then(() => true)")
    inside = "details .arithmatex"
    assert phone.page.locator(inside).count() == 2
    assert phone.page.locator("details[open]").count() == 0
    phone.page.locator("details summary").click()
    phone.page.wait_for_function(
        "s => Array.from(document.querySelectorAll(s)).every(e => e.querySelector('mjx-container'))",
        arg=inside,
        timeout=15_000,
    )
    # Typeset at its real size: as tall as the same formula outside the block.
    sizes = phone.page.evaluate(
        """() => Array.from(document.querySelectorAll('.arithmatex mjx-container'))
                .map(e => e.getBoundingClientRect().height)"""
    )
    assert len(sizes) == 3 and min(sizes) > 10
    state = phone.state()
    assert state["typeset"] == state["formulas"] == 3 and state["errors"] == []
    phone.assert_clean()
    phone.close()


def test_mathjax_runs_in_a_worker_started_after_the_first_paint_without_its_menu(browser, live_server, heaviest):
    phone = Phone(browser, live_server.url)
    # When the page starts its worker.
    phone.context.add_init_script(
        "const W = window.Worker; window.Worker = function (url, options) {"
        " window.__workerStarted = performance.now(); return new W(url, options); };"
    )
    requested = []
    phone.context.on("request", lambda request: requested.append(request.url))
    phone.open(heaviest.get_absolute_url())
    phone.page.wait_for_function("() => MathJax.startup.promise.then(() => true)")
    state = phone.state()
    assert state["typeset"] == state["formulas"] and state["errors"] == []
    # Not in the page's HTML (it would hold up the first paint), and not on the page's main thread
    # at all: no MathJax script element; the page starts a worker once it has painted.
    html = phone.page.evaluate("() => fetch(location.href).then(r => r.text())")
    assert "tex-chtml" not in html and 'data-mathjax="' in html
    assert phone.page.evaluate("() => document.querySelectorAll('script[src*=\"/mathjax/\"]').length") == 0
    assert phone.page.evaluate("() => MathJax.startup.document.worker") is True
    # The worker's MathJax filters what TeX may set (ui/safe), the page's bounds included.
    assert "width" in phone.page.evaluate("() => MathJax.startup.document.safe.filterAttributes")
    parsed = phone.page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    assert phone.page.evaluate("() => window.__workerStarted") >= parsed
    # Its parts are separate files, loaded by the worker, and the menu's 426 KB are not among them.
    loaded = [url for url in requested if "/mathjax/" in url]
    assert any("/output/chtml.js" in url for url in loaded) and not any("menu" in url for url in loaded)
    phone.assert_clean()
    phone.close()


def test_without_workers_the_page_typesets_with_mathjax_itself(browser, live_server, heaviest):
    phone = Phone(browser, live_server.url)
    phone.context.add_init_script("delete window.Worker;")
    phone.open(heaviest.get_absolute_url())
    phone.page.wait_for_function("() => MathJax.startup.promise.then(() => true)")
    # MathJax on the page, after the first paint, as a script the parser does not wait for.
    assert phone.page.evaluate("() => document.getElementById('MathJax-script').async") is True
    state = phone.state()
    assert state["typeset"] == state["formulas"] and state["errors"] == []
    phone.assert_clean()
    phone.close()
