"""XSS payloads in every place an author or a reader can put text, loaded in a real browser.

Each payload of tests/xss_payloads.txt goes into an article body and into one of a title,
a summary, a tag or a series name, and is sent as a search query. Every page that shows
them is loaded in Chromium with the Content Security Policy switched off (`bypass_csp`),
so that the sanitiser and the templates alone must hold: no dialog opens, no payload's
marker is set, no `on*` attribute and no script URL reaches the DOM. TeX payloads inside
math are left to MathJax's safe mode: nothing they make is clickable, styled or named.

Skipped like tests/reading/test_browser.py where /usr/bin/chromium is missing; required in CI.
"""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from articles.models import Article
from tests.factories import make_article, make_series

PAYLOAD_FILE = Path(__file__).resolve().parents[1] / "xss_payloads.txt"
PAYLOADS = [
    line.replace("\\n", "\n")
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
]
MATH_PAYLOADS = [p for p in PAYLOADS if p.startswith(("$\\", "$$\\", "\\("))]
ROLES = ("title", "summary", "tag", "series")

# Everything in the DOM that could run script: handlers, script URLs, foreign scripts, frames.
FIND_DANGER = """() => {
    const found = [];
    const urlAttributes = /^(href|src|action|formaction|data|xlink:href|background|poster|srcset|ping)$/;
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase();
            const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
            if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
            if (name === 'srcdoc') found.push(`${el.tagName} srcdoc`);
            if (!urlAttributes.test(name)) continue;  // text such as a meta description may say anything
            if (/^(javascript|vbscript|livescript):/.test(value)) found.push(`${el.tagName} ${name}=${attr.value}`);
            if (value.startsWith('data:') && el.tagName !== 'IMG') found.push(`${el.tagName} ${name}=${value}`);
        }
    }
    for (const el of document.querySelectorAll('script')) {
        if (el.type === 'application/ld+json') {
            // Data, never run; it holds the title, so it must still be one whole JSON value.
            try { JSON.parse(el.textContent); } catch (e) { found.push('broken JSON-LD'); }
        } else if (!el.src || new URL(el.src).origin !== location.origin) {
            found.push(`script ${el.src || 'inline'}`);
        }
    }
    for (const el of document.querySelectorAll('iframe, frame, frameset, object, embed, base, meta[http-equiv]'))
        found.push(el.tagName);
    return found;
}"""
MARKERS = "() => [window.__xss, top.__xss, document.documentElement.dataset.xss].filter(v => v !== undefined)"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_payload_list_is_large_and_varied():
    assert len(PAYLOADS) >= 200
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert len(MATH_PAYLOADS) >= 10
    for needle in ("<script", "onerror", "javascript:", "[click](", "\\href{", "\\cssId", "\\class", "\\style"):
        assert any(needle in p for p in PAYLOADS), needle


def test_mathjax_config_loads_the_safe_extension():
    config = (Path(settings.BASE_DIR) / "static" / "js" / "mathjax-config.js").read_text()
    assert 'load: ["ui/safe"]' in config


class Probe:
    """One browser tab without the site's CSP, recording every dialog a page opens."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(bypass_csp=True)
        self.page = self.context.new_page()
        self.dialogs = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.problems = {}

    def visit(self, path):
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response.status == 200, path
        if self.page.evaluate("() => !!document.querySelector('.arithmatex')"):
            self.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            self.page.evaluate("() => MathJax.startup.promise")
        found = self.page.evaluate(FIND_DANGER) + self.page.evaluate(MARKERS) + self.dialogs
        self.dialogs = []
        if found:
            self.problems[path] = found

    def close(self):
        self.context.close()


@pytest.fixture
def hostile_site(live_server):
    """An article per four payloads: each payload in a body and in a title, summary, tag or series."""
    articles = []
    for start in range(0, len(PAYLOADS), len(ROLES)):
        group = PAYLOADS[start : start + len(ROLES)]
        roles = dict(zip(ROLES, group, strict=False))
        body = "\n\n".join(f"{p}\n\nText {p} text." for p in group)
        article = make_article(
            title=roles["title"][:200],
            summary=roles.get("summary", ""),
            body=body,
            series=make_series(title=roles["series"][:200]) if "series" in roles else None,
            tags=[roles["tag"][:100]] if "tag" in roles else (),
        )
        articles.append(article)
    return articles


def test_no_payload_runs_or_reaches_the_dom_on_any_page(browser, live_server, hostile_site):
    probe = Probe(browser, live_server.url)
    pages = len(Article.objects.published()) // settings.KB_PAGE_SIZE + 1
    for number in range(1, pages + 1):
        probe.visit(f"/?page={number}")
    for article in hostile_site:
        probe.visit(article.get_absolute_url())
    probe.visit("/tags/")
    probe.visit("/series/")
    for article in hostile_site:
        for tag in article.tags.all():
            probe.visit(tag.get_absolute_url())
        if article.series_id:
            probe.visit(article.series.get_absolute_url())
    searched = 0
    for payload in PAYLOADS:
        probe.visit(f"/search/?q={quote(payload)}")
        searched += 1
    probe.close()
    assert searched >= 200
    assert probe.problems == {}


def test_tex_payloads_are_neutralised_by_mathjax_safe_mode(browser, live_server):
    article = make_article(title="TeX payloads", body="\n\n".join(f"Formula {p} here." for p in MATH_PAYLOADS))
    probe = Probe(browser, live_server.url)
    probe.visit(article.get_absolute_url())
    page = probe.page
    assert page.evaluate("() => !!MathJax.startup.document.safe"), "MathJax runs without ui/safe"
    formulas = page.evaluate("() => document.querySelectorAll('.arithmatex').length")
    assert formulas >= len(MATH_PAYLOADS) and page.locator(".arithmatex mjx-container").count() == formulas
    leftovers = page.evaluate(
        """() => ({
            links: Array.from(document.querySelectorAll('mjx-container [href]')).map(e => e.getAttribute('href'))
                .filter(href => !['http:', 'https:'].includes(new URL(href, location.href).protocol)),
            ids: Array.from(document.querySelectorAll('mjx-container [id]')).map(e => e.id)
                .filter(id => !id.startsWith('mjx-')),
            classes: Array.from(document.querySelectorAll('mjx-container .skip-link, mjx-container .site-header'))
                .length,
            // MathJax places its own hidden copy for screen readers (mjx-assistive-mml).
            placed: Array.from(document.querySelectorAll('mjx-container *'))
                .filter(e => !e.closest('mjx-assistive-mml'))
                .filter(e => getComputedStyle(e).position !== 'static' && getComputedStyle(e).position !== 'relative'
                             || /position/.test(e.getAttribute('style') || '')).length,
            overlays: Array.from(document.querySelectorAll('mjx-container *'))
                .filter(e => e.getBoundingClientRect().height > innerHeight / 2).length,
            images: document.querySelectorAll('mjx-container img, mjx-container svg image').length,
            contentIds: document.querySelectorAll('#content').length,
        })"""
    )
    assert leftovers == {
        "links": [],
        "ids": [],
        "classes": 0,
        "placed": 0,
        "overlays": 0,
        "images": 0,
        "contentIds": 1,
    }
    # Clicking a formula runs nothing; a \\href may at most lead to an address on this site.
    for index in range(page.locator("mjx-container").count()):
        page.locator("mjx-container").nth(index).click(force=True)
        assert page.evaluate(MARKERS) == [] and probe.dialogs == [], MATH_PAYLOADS[index]
        if not page.url.endswith(article.get_absolute_url()):
            assert page.url.startswith(live_server.url + "/"), page.url
            probe.visit(article.get_absolute_url())
    probe.close()
    assert probe.problems == {}
