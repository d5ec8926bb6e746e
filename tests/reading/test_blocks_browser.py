"""Code blocks, tables, figures and diagrams as a reader sees them, in Debian's Chromium (issue 15).

Skipped like tests/reading/test_browser.py where /usr/bin/chromium is missing; required in CI.
"""

import pytest

from tests.factories import make_article

from .test_browser import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = """Training loop:

```python linenums="1" hl_lines="2 3" title="train.py"
import torch
model = torch.nn.Linear(4, 2)  # a layer
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    loss = model(torch.ones(4)).sum()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
print("done")
print("still done")
print("done, really")
# the twelfth line, with a comment long enough to scroll sideways on a phone's screen and more
```
"""


class Reader(Visit):
    """A Visit in its own browser context: colour scheme and viewport."""

    def __init__(self, browser, base_url, scheme="light", width=1280, height=900, **context):
        self.context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": height}, **context)
        super().__init__(self.context, base_url)

    def close(self):
        self.context.close()


# Relative luminance and contrast ratio (WCAG 2) of CSS colours, in the page.
CONTRAST_JS = """
const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
const lum = (css) => {
    const [r, g, b] = rgb(css).map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
"""

MEASURE_CODE = (
    """() => {"""
    + CONTRAST_JS
    + """
    const block = document.querySelector('.prose .highlight');
    const pre = block.querySelector('pre');
    const title = block.querySelector('.filename');
    const prose = document.querySelector('.prose');
    const box = (el) => el.getBoundingClientRect();
    const numbers = Array.from(pre.querySelectorAll('.linenos'));
    const lines = numbers.map((number) => {
        const next = number.nextElementSibling;
        return {
            number: getComputedStyle(number, '::before').content,
            numberTop: box(number).top, numberRight: box(number).right, numberLeft: box(number).left,
            codeTop: box(next).top, codeLeft: box(next).left,
        };
    });
    const band = pre.querySelector('.hll');
    const bandColor = getComputedStyle(band).backgroundColor;
    const preColor = getComputedStyle(pre).backgroundColor;
    const ground = (t) => getComputedStyle(t.closest('.hll') || pre).backgroundColor;
    const tokens = Array.from(band.querySelectorAll('span:not(.linenos):not(.w)'));
    const proseStyle = getComputedStyle(prose);
    const proseWidth = box(prose).width - parseFloat(proseStyle.paddingLeft) - parseFloat(proseStyle.paddingRight);
    return {
        proseWidth, blockWidth: box(block).width, preWidth: box(pre).width, preScroll: pre.scrollWidth,
        tables: block.querySelectorAll('table').length,
        title: title ? title.innerText : null, titleWidth: box(title).width,
        titleBottom: box(title).bottom, preTop: box(pre).top,
        titleContrast: contrast(getComputedStyle(title).color, getComputedStyle(title).backgroundColor),
        lines,
        firstLine: pre.innerText.split('\\n')[0],
        bandWidth: band.scrollWidth, bandTop: box(band).top, bandHeight: box(band).height,
        bandDiffers: bandColor !== preColor && bandColor !== 'rgba(0, 0, 0, 0)',
        bandLuminance: lum(bandColor), preLuminance: lum(preColor),
        worstContrastOnBand: Math.min(...tokens.map((t) => contrast(getComputedStyle(t).color, bandColor))),
        unreadable: Array.from(pre.querySelectorAll('span[class]:not(.hll):not(.linenos):not(.w)'))
            .map((t) => [t.className, contrast(getComputedStyle(t).color, ground(t))])
            .filter(([, ratio]) => ratio < 4.5),
        numberContrast: contrast(getComputedStyle(numbers[0], '::before').color, preColor),
    };
}"""
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_code_block_numbers_highlighted_lines_and_title(browser, live_server, scheme, width):
    article = make_article(title="Code options", body=CODE)
    reader = Reader(browser, live_server.url, scheme=scheme, width=width).open(article.get_absolute_url())
    try:
        assert reader.page.evaluate("() => document.documentElement.dataset.theme") == scheme
        m = reader.page.evaluate(MEASURE_CODE)
        reader.page.locator(".prose .highlight").screenshot(path=f"/tmp/blocks/code-{scheme}-{width}.png")
        # The block is as wide as the text (it was a half-width table), and so is its title bar.
        assert m["tables"] == 0
        assert abs(m["blockWidth"] - m["proseWidth"]) <= 1 and abs(m["preWidth"] - m["blockWidth"]) <= 1, m
        assert m["title"] == "train.py" and abs(m["titleWidth"] - m["blockWidth"]) <= 1
        assert m["titleBottom"] <= m["preTop"] + 1 and m["titleContrast"] >= 4.5
        # Twelve numbers, each on its own line's baseline box and left of it, in one straight column.
        lines = m["lines"]
        # Drawn from the attribute, with an empty alternative text for assistive technology.
        assert [line["number"] for line in lines] == [f'"{n:>2} " / ""' for n in range(1, 13)]
        tops = [line["codeTop"] for line in lines]
        assert all(b - a > 15 for a, b in zip(tops, tops[1:], strict=False)), tops  # one line each, in order
        for line in lines:
            assert abs(line["numberTop"] - line["codeTop"]) <= 3 and line["numberRight"] <= line["codeLeft"] + 0.5, line
        assert len({round(line["numberLeft"]) for line in lines}) == 1
        assert len({round(line["numberRight"]) for line in lines}) == 1  # " 9" and "10" take the same room
        assert m["numberContrast"] >= 3
        # Copying the code takes no numbers.
        assert m["firstLine"] == "import torch"
        # Lines 2 and 3 are highlighted: bands as wide as the scrolled code, meeting without a gap,
        # the text readable on them.
        assert abs(m["bandTop"] - lines[1]["codeTop"]) <= 3 and abs(m["bandHeight"] - (tops[2] - tops[1])) <= 1
        assert m["bandDiffers"] and m["bandWidth"] >= m["preScroll"] - 2 * 16 - 2, m
        assert m["worstContrastOnBand"] >= 4.5 and m["unreadable"] == [], m
        # Scrolled sideways, the numbers stay at the block's left edge, over the scrolled code.
        covered = reader.page.evaluate(
            """() => {
                const pre = document.querySelector('.prose .highlight pre');
                pre.scrollLeft = 100;
                const left = pre.getBoundingClientRect().left + 3;
                return Array.from(pre.querySelectorAll('.linenos')).map((number) => {
                    const box = number.getBoundingClientRect();
                    const hit = document.elementFromPoint(left, box.top + box.height / 2);
                    return hit === number;
                });
            }"""
        )
        assert covered == [True] * 12
        # The theme's colours: dark code on a dark page, light on a light one.
        assert (m["preLuminance"] < 0.05) if scheme == "dark" else (m["preLuminance"] > 0.8), m
        reader.assert_clean()
    finally:
        reader.close()


TABLE = """排序算法的比较：

| 算法 | 平均时间复杂度 | 最坏时间复杂度 | 空间复杂度 | 是否稳定 | 适用场景（数据规模） | Notes |
|---|---|---|---|---|---|---|
| 快速排序 | $O(n \\log n)$ | $O(n^2)$ | $O(\\log n)$ | 否 | 大规模随机数据 | in place |
| 归并排序 | $O(n \\log n)$ | $O(n \\log n)$ | $O(n)$ | 是 | 链表、外部排序 | stable |
| 插入排序 | $O(n^2)$ | $O(n^2)$ | $O(1)$ | 是 | 几乎有序的小数组 | simple |
"""

# Each header cell's characters, grouped into the lines they were laid out on.
HEADER_LINES_JS = """() => Array.from(document.querySelectorAll('.prose th')).map((th) => {
    const text = th.firstChild;
    const lines = [];
    let top = null;
    for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const box = range.getBoundingClientRect();
        if (box.width === 0) continue;  // a space at a break
        if (top === null || box.top > top + box.height / 2) { lines.push(''); top = box.top; }
        lines[lines.length - 1] += text.data[i];
    }
    return lines;
})"""


@pytest.mark.parametrize("width", [390, 768])
def test_chinese_table_headers_never_break_one_character_per_line(browser, live_server, width):
    article = make_article(title="排序算法", body=TABLE)
    reader = Reader(browser, live_server.url, width=width, height=844).open(article.get_absolute_url())
    try:
        headers = reader.page.evaluate(HEADER_LINES_JS)
        reader.page.locator(".prose table").screenshot(path=f"/tmp/blocks/table-{width}.png")
        assert ["".join(lines) for lines in headers][:3] == ["算法", "平均时间复杂度", "最坏时间复杂度"]
        for lines in headers:
            assert all(len(line.strip()) >= 2 for line in lines), headers
        # Short headers stay on one line; the page itself never scrolls sideways (the table does).
        assert all(len(lines) == 1 for lines in headers[:5]), headers
        sizes = reader.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.querySelector('.prose table').clientWidth]"
        )
        assert sizes[0] <= width and sizes[1] <= width, sizes
        reader.assert_clean()
    finally:
        reader.close()


FIGURES = """先看网络结构：

![两层网络](/static/favicon.svg "训练后的网络")

再看损失曲线。

![损失](/static/favicon.svg "Loss over time")

An image without a title stays an image: ![icon](/static/favicon.svg)
"""


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ({}, ["Figure 1", "Figure 2"]),
        ({"cookie": "zh-hans"}, ["图 1", "图 2"]),
        ({"accept": "zh-CN,zh;q=0.9"}, ["图 1", "图 2"]),
    ],
)
def test_figure_labels_follow_the_interface_language(browser, live_server, language, labels):
    from django.conf import settings

    article = make_article(title="带图的笔记", body=FIGURES)
    extra = {"extra_http_headers": {"Accept-Language": language["accept"]}} if "accept" in language else {}
    reader = Reader(browser, live_server.url, **extra)
    if "cookie" in language:
        reader.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language["cookie"], "url": live_server.url}]
        )
    try:
        reader.open(article.get_absolute_url())
        captions = reader.page.locator(".prose figcaption")
        assert captions.count() == 2 and reader.page.locator(".prose img:not(figure img)").count() == 1
        # What a sighted reader sees, generated content included, and what a screen reader is given.
        seen = reader.page.evaluate(
            """() => Array.from(document.querySelectorAll('.prose .figure-label')).map((label) =>
                Array.from(label.childNodes).map((node) => {
                    if (node.nodeType === Node.TEXT_NODE) return node.data;
                    if (getComputedStyle(node).display === 'none') return '';
                    const before = getComputedStyle(node, '::before').content;
                    return (before.startsWith('"') ? before.slice(1, -1) : '') + node.textContent;
                }).join(''))"""
        )
        assert seen == labels
        spoken = [captions.nth(i).aria_snapshot() for i in range(2)]
        assert labels[0] in spoken[0] and "训练后的网络" in spoken[0], spoken
        assert labels[1] in spoken[1] and "Loss over time" in spoken[1], spoken
        # The caption sits under its image, centred with it.
        boxes = reader.page.evaluate(
            """() => { const f = document.querySelector('.prose figure');
                const i = f.querySelector('img').getBoundingClientRect();
                const c = f.querySelector('figcaption').getBoundingClientRect();
                return [i.bottom, c.top, i.left + i.width / 2, c.left + c.width / 2]; }"""
        )
        assert boxes[0] <= boxes[1] and abs(boxes[2] - boxes[3]) <= 1, boxes
        reader.page.locator(".prose figure").first.screenshot(path=f"/tmp/blocks/figure-{labels[0][0]}.png")
        reader.assert_clean()
    finally:
        reader.close()


DIAGRAM = """The pipeline:

```mermaid
graph LR
  A[分词] --> B[索引]
  B --> C{查询}
```

After the diagram.
"""

HOSTILE_DIAGRAM = """```mermaid
%%{init: {"securityLevel": "loose", "startOnLoad": true}}%%
graph TD
  A["<img src=x onerror=window.__xss=1>"] --> B["<script>window.__xss=2</script>"]
  B --> C["<a href='javascript:window.__xss=3'>link</a>"]
  click A call window.alert("clicked")
  click C "javascript:window.__xss=4"
```
"""

# Violations of the site's Content Security Policy, by directive.
CSP_WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective), true);"""


def diagram_reader(browser, live_server, scheme="light"):
    reader = Reader(browser, live_server.url, scheme=scheme)
    reader.context.add_init_script(CSP_WATCH)
    reader.mermaid_requests = []
    reader.page.on("request", lambda r: "/vendor/mermaid/" in r.url and reader.mermaid_requests.append(r.url))
    return reader


def drawn(reader):
    reader.page.wait_for_selector(".prose div.mermaid svg", timeout=20_000)
    return reader.page.evaluate(
        """() => Array.from(document.querySelectorAll('.prose div.mermaid')).map((d) => {
            const svg = d.querySelector('svg'), box = svg.getBoundingClientRect();
            const node = svg.querySelector('.node rect, .node polygon, .node path');
            return {width: box.width, height: box.height, text: svg.textContent,
                    fill: node ? getComputedStyle(node).fill : null};
        })"""
    )


def test_a_mermaid_fence_is_drawn_as_an_svg_with_mermaid_served_by_the_site(browser, live_server):
    article = make_article(title="有图的文章", body=DIAGRAM)
    reader = diagram_reader(browser, live_server).open(article.get_absolute_url())
    try:
        [diagram] = drawn(reader)
        assert diagram["width"] > 100 and diagram["height"] > 20, diagram
        assert all(label in diagram["text"] for label in ["分词", "索引", "查询"]), diagram
        assert reader.page.evaluate("() => window.__csp") == []  # none at all, for a plain diagram
        assert reader.mermaid_requests == [live_server.url + "/static/vendor/mermaid/mermaid.min.js"]
        reader.page.locator(".prose div.mermaid").screenshot(path="/tmp/blocks/mermaid-light.png")
        reader.assert_clean()  # nothing from another host, no error
    finally:
        reader.close()


def test_a_diagram_far_down_a_long_article_is_drawn_at_its_size(browser, live_server):
    # Far below the window the blocks are not laid out at first (content-visibility: auto).
    filler = "\n\n".join(f"第 {i} 段的文字。" for i in range(40))
    article = make_article(title="很长的有图文章", body=f"{filler}\n\n{DIAGRAM}")
    reader = diagram_reader(browser, live_server).open(article.get_absolute_url())
    try:
        reader.page.evaluate("document.querySelector('.prose div.mermaid').scrollIntoView()")
        [diagram] = drawn(reader)
        assert diagram["width"] > 100 and diagram["height"] > 20, diagram
        assert all(label in diagram["text"] for label in ["分词", "索引", "查询"]), diagram
        reader.assert_clean()
    finally:
        reader.close()


def test_diagrams_follow_the_theme_and_its_toggle(browser, live_server):
    article = make_article(title="主题", body=DIAGRAM)
    reader = diagram_reader(browser, live_server, scheme="dark").open(article.get_absolute_url())
    try:
        dark = drawn(reader)[0]["fill"]
        reader.page.click(".theme-toggle")
        reader.page.wait_for_function(
            "(fill) => { const n = document.querySelector('.prose div.mermaid svg .node rect');"
            " return n && getComputedStyle(n).fill !== fill; }",
            arg=dark,
            timeout=20_000,
        )
        [light] = drawn(reader)
        assert reader.page.evaluate("() => document.documentElement.dataset.theme") == "light"
        assert light["fill"] != dark and "查询" in light["text"]
        reader.assert_clean()
    finally:
        reader.close()


def test_pages_without_a_diagram_load_no_mermaid(browser, live_server):
    plain = make_article(title="No diagram", body="Code, but no diagram:\n\n```python\nx = 1\n```\n", tags=["t"])
    make_article(title="With diagram", body=DIAGRAM, tags=["t"])  # listed on the home and tag pages
    for path in [plain.get_absolute_url(), "/", "/tags/t/"]:
        reader = diagram_reader(browser, live_server).open(path)
        try:
            assert reader.page.evaluate("() => typeof window.mermaid") == "undefined", path
            assert reader.mermaid_requests == [], path
            reader.assert_clean()
        finally:
            reader.close()


@pytest.mark.parametrize("policy", ["the site's policy", "no policy"])
def test_script_in_a_diagram_never_runs(browser, live_server, policy):
    """Mermaid's strict mode is what stops it: with the site's CSP taken off the page, too."""
    article = make_article(title="恶意图", body=HOSTILE_DIAGRAM)
    reader = diagram_reader(browser, live_server)
    if policy == "no policy":

        def without_policy(route):
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
            route.fulfill(response=response, headers=headers)

        reader.page.route(live_server.url + article.get_absolute_url(), without_policy)
    reader.open(article.get_absolute_url())
    try:
        reader.page.wait_for_function(
            "() => document.querySelector('.prose div.mermaid[data-processed]')", timeout=20_000
        )
        reader.page.wait_for_timeout(500)
        for node in reader.page.locator(".prose div.mermaid .node").all():
            node.click(force=True)
        reader.page.wait_for_timeout(300)
        found = reader.page.evaluate(
            """() => {
                const inside = Array.from(document.querySelectorAll('.prose div.mermaid *'));
                const link = (el) => el.getAttribute('href') || el.getAttribute('xlink:href') || '';
                return {
                    xss: window.__xss === undefined ? null : window.__xss,
                    handlers: inside.filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on')))
                        .map((el) => el.outerHTML.slice(0, 80)),
                    scripts: inside.filter((el) => el.localName === 'script').length,
                    jsLinks: inside.filter((el) => /^\\s*javascript:/i.test(link(el))).length,
                    // Mermaid's DOMPurify parses a label in an inert document first, where Chromium
                    // reports (and never runs) an inline handler: "script-src-attr". The run
                    // without the policy shows that nothing runs because of Mermaid itself.
                    csp: window.__csp.filter((directive) => directive !== 'script-src-attr'),
                    url: location.pathname,
                };
            }"""
        )
        assert found == {
            "xss": None,
            "handlers": [],
            "scripts": 0,
            "jsLinks": 0,
            "csp": [],
            "url": article.get_absolute_url(),
        }
        assert not [e for e in reader.errors if e.startswith("dialog")]
        assert reader.foreign == []
    finally:
        reader.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kind_of_block_passes_axe(browser, live_server, scheme):
    from axe_playwright_python.sync_playwright import Axe

    article = make_article(title="All blocks", body=CODE + TABLE + FIGURES + DIAGRAM)
    reader = Reader(browser, live_server.url, scheme=scheme).open(article.get_absolute_url())
    try:
        drawn(reader)
        reader.page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => 1) : 0")
        violations = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in Axe().run(reader.page).response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert violations == []
        reader.assert_clean()
    finally:
        reader.close()
