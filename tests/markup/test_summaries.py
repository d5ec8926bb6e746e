"""Excerpts for lists and reading times."""

from markup.rendering import render_markdown
from markup.summaries import excerpt_html, reading_minutes
from tests.htmlcheck import Document


def excerpt_of(source, **kwargs):
    return excerpt_html(render_markdown(source).html, **kwargs)


def test_short_text_is_kept_whole_without_ellipsis():
    assert excerpt_of("短短一句话。") == "短短一句话。"


def test_chinese_is_cut_near_200_characters_with_an_ellipsis():
    excerpt = excerpt_of("卷积" * 300)
    assert excerpt.endswith("…")
    assert 190 <= len(excerpt) - 1 <= 200


def test_english_is_cut_near_60_words_at_a_word_boundary():
    excerpt = excerpt_of(" ".join(f"word{i}" for i in range(200)))
    words = excerpt.rstrip("…").split()
    assert 55 <= len(words) <= 60
    assert words[-1] == f"word{len(words) - 1}"


def test_a_cut_never_falls_inside_a_formula():
    source = "前言" * 95 + " $\\sum_{i=1}^{n} x_i^2 + \\frac{a}{b}$ " + "后文" * 50
    for excerpt in (excerpt_of(source), excerpt_of("前言" * 99 + "$x+y$后文" * 20)):
        doc = Document(excerpt)
        assert all(m.startswith("\\(") and m.endswith("\\)") for m in doc.math)
        assert excerpt.count("\\(") == excerpt.count("\\)")


def test_inline_math_stays_math_in_the_excerpt():
    excerpt = excerpt_of("时间复杂度为 $O(n \\log n)$，空间 $O(1)$。")
    assert Document(excerpt).math == ["\\(O(n \\log n)\\)", "\\(O(1)\\)"]


def test_code_display_math_headings_and_tables_are_left_out():
    source = "## 标题\n\n```python\nsecret_code()\n```\n\n$$\nE=mc^2\n$$\n\n| a |\n|---|\n| cell |\n\n正文开始。"
    assert excerpt_of(source) == "正文开始。"


def test_paragraphs_of_chinese_join_without_a_stray_space():
    assert excerpt_of("第一段。\n\n第二段。\n\nEnglish part.") == "第一段。第二段。 English part."


def test_summary_is_used_whole():
    summary = "一句话摘要，含 $O(n)$。" * 40
    assert not excerpt_of(summary, limit=False).endswith("…")


def test_reading_time_counts_chinese_characters():
    assert reading_minutes(render_markdown("字" * 6000).html) == 15
    assert reading_minutes(render_markdown(" ".join(["word"] * 1000)).html) == 5
    assert reading_minutes(render_markdown("短").html) == 1
