"""Numbered equations and references as a reader sees them, in Debian's Chromium.

The numbers are written into the TeX when the article is saved (markup.equations), so MathJax
shows them whatever order it typesets the formulas in; a reference is a link that scrolls to
its equation. docs/screenshots/numbered-derivation.png is made here (SQLite run only).
Skipped like tests/reading/test_browser.py where /usr/bin/chromium is missing.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import make_article

from .test_browser import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "numbered-derivation.png"

DERIVATION = r"""策略梯度定理说明：目标函数的梯度可以写成一个期望，从而用采样来估计。

## 目标

策略 $\pi_\theta$ 下一条轨迹 $\tau$ 的回报为 $R(\tau)$，目标是期望回报：

\begin{equation}\label{eq:objective}
J(\theta) = \mathbb{E}_{\tau \sim \pi_\theta}\left[R(\tau)\right] = \int \pi_\theta(\tau)\, R(\tau)\, d\tau
\end{equation}

## 推导

对 \eqref{eq:objective} 求梯度，并用对数导数技巧 $\nabla_\theta \pi_\theta = \pi_\theta \nabla_\theta \log \pi_\theta$：

\begin{align}
\nabla_\theta J(\theta) &= \int \nabla_\theta \pi_\theta(\tau)\, R(\tau)\, d\tau \label{eq:grad} \\
&= \int \pi_\theta(\tau)\, \nabla_\theta \log \pi_\theta(\tau)\, R(\tau)\, d\tau \nonumber \\
&= \mathbb{E}_{\tau \sim \pi_\theta}\left[\nabla_\theta \log \pi_\theta(\tau)\, R(\tau)\right] \label{eq:pg}
\end{align}

轨迹概率是各步概率之积，环境的转移概率与 $\theta$ 无关：

\begin{equation}\label{eq:logprob}
\nabla_\theta \log \pi_\theta(\tau) = \sum_{t=0}^{T-1} \nabla_\theta \log \pi_\theta(a_t \mid s_t)
\end{equation}

把 \eqref{eq:logprob} 代入 \eqref{eq:pg}，用 $N$ 条轨迹的样本平均估计梯度，就是 REINFORCE：

$$
\hat g = \frac{1}{N} \sum_{i=1}^{N} \nabla_\theta \log \pi_\theta(\tau_i)\, R(\tau_i),
\quad \text{其中 } \nabla_\theta \log \pi_\theta(\tau_i) \text{ 按 } \eqref{eq:logprob} \text{ 计算}
$$

第 \ref{eq:grad} 式的积分无法直接计算，这正是采样的意义。

## 附录

{appendix}
"""

# Enough text that the last equations start below the first screen.
APPENDIX = "\n\n".join(f"第 {i} 段补充说明：方差可以用基线 $b(s_t)$ 降低，而不改变期望。" for i in range(1, 25))


def typeset_everything(page):
    """Bring every formula on screen in turn, so that a lazy MathJax typesets it, and wait."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    for index in range(page.locator(".arithmatex").count()):
        formula = page.locator(".arithmatex").nth(index)
        formula.scroll_into_view_if_needed()
        formula.locator("mjx-container").first.wait_for(state="attached", timeout=10_000)


def shown_numbers(page):
    """The equation numbers MathJax shows, formula by formula (from its assistive MathML)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('div.arithmatex'))
            .map(div => Array.from(div.querySelectorAll('mjx-assistive-mml mlabeledtr'))
                .map(row => row.firstElementChild.textContent.trim()))
            .filter(numbers => numbers.length)"""
    )


def in_view(page, selector):
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top > -2 && box.top < window.innerHeight;  // the browser may leave a fraction above
        }""",
        selector,
    )


@pytest.fixture
def derivation(live_server):
    return make_article(
        title="策略梯度定理的推导", body=DERIVATION.replace("{appendix}", APPENDIX), tags=["强化学习"]
    ).get_absolute_url()


def test_mathjax_shows_the_numbers_the_server_wrote(browser, live_server, derivation):
    visit = Visit(browser, live_server.url).open(derivation)
    typeset_everything(visit.page)
    assert shown_numbers(visit.page) == [["(1)"], ["(2)", "(3)"], ["(4)"]]
    errors = visit.page.evaluate("() => document.querySelectorAll('mjx-merror').length")
    assert errors == 0
    visit.assert_clean()


def test_references_are_links_that_scroll_to_their_equation(browser, live_server, derivation):
    visit = Visit(browser, live_server.url).open(derivation)
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 700})
    typeset_everything(page)
    prose = page.locator('.prose p a[href="#eq-eq:objective"]')
    assert prose.inner_text() == "(1)"
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    prose.click()
    assert page.evaluate("() => location.hash") == "#eq-eq:objective"
    assert in_view(page, "#eq-eq\\:objective")
    assert page.evaluate("() => window.scrollY") > 0  # it did scroll, up from the bottom
    # The later label of an align jumps to its formula too; the text says (3).
    page.evaluate("() => window.scrollTo(0, 0)")
    link = page.locator('.prose p a[href="#eq-eq:pg"]')
    assert link.inner_text() == "(3)"
    link.click()
    page.wait_for_function("() => location.hash === '#eq-eq:pg'")
    assert in_view(page, "#eq-eq\\:grad")
    # A reference inside a formula is a link MathJax drew.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    in_math = page.locator('mjx-container a[href="#eq-eq:logprob"]')
    in_math.scroll_into_view_if_needed()
    in_math.click()
    page.wait_for_function("() => location.hash === '#eq-eq:logprob'")
    assert in_view(page, "#eq-eq\\:logprob")
    visit.assert_clean()


def test_screenshot_of_a_numbered_derivation(browser, live_server, derivation, tmp_path):
    path = SCREENSHOT if connection.vendor == "sqlite" else tmp_path / SCREENSHOT.name
    context = browser.new_context(viewport={"width": 1000, "height": 1320}, device_scale_factor=1)
    page = context.new_page()
    page.goto(live_server.url + derivation)
    page.wait_for_load_state("networkidle")
    typeset_everything(page)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.locator("h1").evaluate("h1 => h1.scrollIntoView()")
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    context.close()
    assert path.stat().st_size > 20_000
