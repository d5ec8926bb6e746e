"""In a real browser (Debian's Chromium driven by Playwright): math typesets, nothing leaves the site.

Skipped, with a plain message, where /usr/bin/chromium is missing; required in CI
(REQUIRE_BROWSER=1), where .ci/run installs Chromium.
"""

from urllib.parse import quote

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Visit:
    """Opens a page and records console errors, failed requests and requests to other hosts."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.page = browser.new_page()
        self.errors, self.failed, self.foreign = [], [], []
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))
        self.page.on("request", lambda request: self._check_host(request.url))
        self.page.on("dialog", lambda dialog: (self.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    def _check_host(self, url):
        if not url.startswith(self.base_url) and not url.startswith(("data:", "blob:", "about:")):
            self.foreign.append(url)

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, path
        self.page.wait_for_load_state("networkidle")
        return self

    def typeset(self):
        """Wait for MathJax; return (formulas on the page, formulas typeset, errors shown)."""
        self.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        self.page.evaluate("() => MathJax.startup.promise")
        return self.page.evaluate(
            """() => [
                document.querySelectorAll('.arithmatex').length,
                document.querySelectorAll('.arithmatex mjx-container').length,
                Array.from(document.querySelectorAll('mjx-merror'))
                    .map(e => e.getAttribute('data-mjx-error') || e.textContent),
            ]"""
        )

    def assert_clean(self):
        assert self.errors == [] and self.failed == [] and self.foreign == []


def test_every_demo_article_typesets_all_its_formulas(browser, live_server):
    call_command("load_demo", verbosity=0)
    articles = list(Article.objects.published())
    assert len(articles) >= 10
    for article in articles:
        visit = Visit(browser, live_server.url).open(article.get_absolute_url())
        formulas, typeset, errors = visit.typeset()
        assert formulas > 0 and typeset == formulas and errors == [], article.slug
        visit.assert_clean()
        visit.page.close()


def test_feed_typesets_math_in_excerpts(browser, live_server):
    make_article(title="带公式的摘要", body="复杂度为 $O(n \\log n)$，空间 $O(1)$。")
    visit = Visit(browser, live_server.url).open("/")
    assert visit.typeset() == [2, 2, []]
    visit.assert_clean()


def test_pages_without_math_load_no_mathjax(browser, live_server):
    article = make_article(title="纯文字", body="没有公式。", tags=["标签"])
    pages = ["/", article.get_absolute_url(), "/tags/", f"/tags/{quote('标签')}/", "/series/", "/search/"]
    for path in [*pages, f"/search/?q={quote('没有')}", "/search/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"]:
        visit = Visit(browser, live_server.url).open(path)
        assert visit.page.evaluate("() => typeof window.MathJax") == "undefined", path
        visit.assert_clean()


def test_tex_payloads_are_neutralised_by_mathjax_safe_mode(browser, live_server):
    body = (
        "$\\href{javascript:window.__pwned=1}{click}$ and "
        "$\\style{position:fixed;top:0;left:0;width:100vw;height:100vh}{\\text{overlay}}$ and "
        "$\\class{skip-link}{x}$ and $\\cssId{content}{y}$"
    )
    article = make_article(title="TeX 攻击", body=body)
    visit = Visit(browser, live_server.url).open(article.get_absolute_url())
    formulas, typeset, _ = visit.typeset()
    assert formulas == typeset == 4
    assert visit.page.evaluate("() => document.querySelectorAll('mjx-container a[href^=\"javascript\"]').length") == 0
    assert visit.page.evaluate("() => document.querySelectorAll('mjx-container [style*=\"fixed\"]').length") == 0
    assert visit.page.evaluate("() => document.querySelectorAll('mjx-container #content').length") == 0
    visit.page.click("mjx-container >> nth=0")
    assert visit.page.evaluate("() => window.__pwned") is None
    visit.assert_clean()
