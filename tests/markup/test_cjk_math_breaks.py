"""Chinese punctuation stays on the line of the inline formula beside it (markup.rendering)."""

import pytest

from markup import cjk
from markup.rendering import NO_BREAK_CLASS, render_markdown
from tests.htmlcheck import Document

HELD = f'<span class="{NO_BREAK_CLASS}">'


@pytest.mark.parametrize("mark", list("。，、；：？！）」』】》”"))
def test_a_closing_mark_after_an_inline_formula_is_held_with_it(mark):
    html = render_markdown(f"设 $x_1$ {mark}与 $x_2${mark}完。").html
    assert f'{HELD}<span class="arithmatex">\\(x_2\\)</span>{mark}</span>完' in html
    assert f'<span class="arithmatex">\\(x_1\\)</span> {mark}' in html  # after a space: left alone


def test_opening_and_several_closing_marks_are_held_too():
    html = render_markdown("长度（$n$）。和「$m$」").html
    assert f'长度{HELD}（<span class="arithmatex">\\(n\\)</span>）。</span>和' in html
    assert f'{HELD}「<span class="arithmatex">\\(m\\)</span>」</span>' in html


def test_formulas_and_other_text_are_unchanged():
    source = "由 $a+b$。\n\n$$\nc\n$$\n\n。\n\n`$d$`。 And $e$. (x)"
    html = render_markdown(source).html
    assert Document(html).math == ["\\(a+b\\)", "\\[\nc\n\\]", "\\(e\\)"]
    assert html.count(HELD) == 1


def test_the_class_passes_the_sanitiser_and_every_mark_is_cjk_or_full_width():
    assert HELD in render_markdown("$x$，").html
    assert all(mark not in "()[]{}.,;:!?'\"" for mark in cjk.CLOSING_PUNCTUATION + cjk.OPENING_PUNCTUATION)
