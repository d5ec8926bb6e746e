"""Reading an article on a phone and on wider screens, in a real browser (Debian's Chromium).

The table of contents starts closed below 900 px and opens with its button (mouse or
keyboard); from 1200 px it stands beside the text. A long article has a reading-progress bar
and a back-to-top control. Skipped like the other browser tests where Chromium is missing.
"""

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.factories import make_article

from .test_reader_browser import Reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAYOUT = """() => {
    const box = document.querySelector('.toc-box'), list = document.querySelector('.toc-list');
    const prose = document.querySelector('.prose').getBoundingClientRect();
    const first = document.querySelector('.prose > p').getBoundingClientRect();
    const toc = box.getBoundingClientRect();
    return {
        listShown: getComputedStyle(list).display !== 'none' && list.getBoundingClientRect().height > 0,
        expanded: document.querySelector('.toc-toggle').getAttribute('aria-expanded'),
        firstTop: first.top, tocLeft: toc.left, tocTop: toc.top, tocBottom: toc.bottom,
        proseLeft: prose.left, proseRight: prose.right, proseTop: prose.top,
        pageWidth: document.documentElement.scrollWidth,
    };
}"""


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    with_contents = [a for a in Article.objects.published() if a.toc_html]
    assert len(with_contents) >= 5
    longest = max(with_contents, key=lambda a: len(a.body_html))
    return {"articles": with_contents, "long": longest}


def test_on_a_phone_the_contents_start_closed_and_the_text_starts_on_the_first_screen(browser, live_server, demo):
    reader = Reader(browser, live_server.url, **PHONE)
    for article in demo["articles"]:
        # Typeset first (MathJax's worker loads its parts after the page's own requests: a page
        # left before that would cancel them).
        reader.open(article.get_absolute_url()).settle()
        layout = reader.page.evaluate(LAYOUT)
        assert layout["listShown"] is False and layout["expanded"] == "false", article.slug
        # At least three lines of the first paragraph on the first screen.
        assert layout["firstTop"] + 90 < PHONE["height"], (article.slug, layout["firstTop"])
        assert layout["pageWidth"] <= PHONE["width"], article.slug
    assert reader.page.evaluate("window.__cls") < 0.01
    reader.assert_clean()
    reader.close()


def test_the_contents_open_and_close_with_the_mouse_and_the_keyboard(browser, live_server, demo):
    reader = Reader(browser, live_server.url, **PHONE).open(demo["long"].get_absolute_url())
    toggle = reader.page.locator(".toc-toggle")
    assert toggle.get_attribute("aria-controls") == "toc-list"
    toggle.click()
    layout = reader.page.evaluate(LAYOUT)
    assert layout["listShown"] is True and layout["expanded"] == "true"
    # A link in the open contents takes the reader to its section.
    link = reader.page.locator(".toc-list a").nth(1)
    target = link.get_attribute("href")
    link.click()
    reader.page.wait_for_timeout(300)
    assert reader.page.evaluate("() => decodeURIComponent(location.hash)") == target
    # Keyboard: focus the button, Enter closes, Space opens again.
    toggle.focus()
    reader.page.keyboard.press("Enter")
    assert reader.page.evaluate(LAYOUT)["expanded"] == "false"
    assert reader.page.evaluate(LAYOUT)["listShown"] is False
    reader.page.keyboard.press("Space")
    assert reader.page.evaluate(LAYOUT)["listShown"] is True
    assert reader.axe() == []
    reader.assert_clean()
    reader.close()


@pytest.mark.parametrize("width", [1024, 1280])
def test_wider_screens_show_the_contents_above_or_beside_the_text(browser, live_server, demo, width):
    reader = Reader(browser, live_server.url, width=width, height=900).open(demo["long"].get_absolute_url())
    layout = reader.page.evaluate(LAYOUT)
    assert layout["listShown"] is True and layout["expanded"] == "true"
    assert layout["pageWidth"] <= width
    if width >= 1200:
        # A sidebar: right of the text, level with its start.
        assert layout["tocLeft"] >= layout["proseRight"]
        assert layout["tocTop"] <= layout["proseTop"] + 5
        # It stays in view while the reader scrolls.
        reader.page.mouse.wheel(0, 3000)
        reader.page.wait_for_timeout(300)
        assert 0 <= reader.page.evaluate("document.querySelector('.toc-box').getBoundingClientRect().top") < 100
    else:
        # Above the text, which starts below it.
        assert layout["tocBottom"] <= layout["proseTop"]
    # Closing it is remembered for the page, at any width.
    reader.page.locator(".toc-toggle").click()
    assert reader.page.evaluate(LAYOUT)["listShown"] is False
    reader.assert_clean()
    reader.close()


def test_a_long_article_has_a_progress_bar_and_a_back_to_top_control(browser, live_server, demo):
    reader = Reader(browser, live_server.url, **PHONE).open(demo["long"].get_absolute_url())
    page = reader.page
    bar = page.locator(".reading-progress")
    assert bar.get_attribute("aria-hidden") == "true" and bar.is_visible()

    def progress():
        return page.evaluate(
            "() => new DOMMatrix(getComputedStyle(document.querySelector('.reading-progress span')).transform).a"
        )

    back = page.locator(".back-to-top")
    assert progress() == 0
    assert back.evaluate("e => getComputedStyle(e).opacity") == "0"
    middle = page.evaluate("() => document.documentElement.scrollHeight / 2")
    page.evaluate("y => window.scrollTo(0, y)", middle)
    page.wait_for_timeout(400)
    assert 0.25 < progress() < 0.75
    # Shown once the reader is a screen down; a link with a name, which takes them back up.
    page.wait_for_function("() => getComputedStyle(document.querySelector('.back-to-top')).opacity === '1'")
    assert back.evaluate("e => e.tagName") == "A" and back.get_attribute("href")
    assert page.get_by_role("link", name="Back to top").count() == 1
    back.click()
    page.wait_for_function("() => window.scrollY === 0", timeout=5000)
    # The next Tab goes to the skip link, at the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    # From the keyboard: the control is in the tab order and visible when focused.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(300)
    assert progress() > 0.95
    back.focus()
    assert back.evaluate("e => getComputedStyle(e).opacity") == "1"
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.scrollY === 0", timeout=5000)
    assert reader.axe() == []
    reader.assert_clean()
    reader.close()


def test_a_short_article_has_neither(browser, live_server):
    article = make_article(title="短文", body="## 一节\n\n一段话。\n\n## 二节\n\n又一段。")
    reader = Reader(browser, live_server.url, **PHONE).open(article.get_absolute_url())
    assert reader.page.locator(".reading-progress").is_visible() is False
    assert reader.page.locator(".back-to-top").evaluate("e => getComputedStyle(e).opacity") == "0"
    reader.assert_clean()
    reader.close()


def test_the_contents_button_speaks_chinese_in_the_chinese_interface(browser, live_server, demo):
    reader = Reader(browser, live_server.url, locale="zh-CN", **PHONE).open(demo["long"].get_absolute_url())
    assert reader.page.locator(".toc-toggle").inner_text() == "目录"
    reader.close()
