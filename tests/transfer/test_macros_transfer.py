"""`macros:` in the front matter (README "Writing", ../shared/CONTRACT.md): imported, applied, exported."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from articles.transfer.exporter import article_file
from articles.transfer.import_format import parse_article

pytestmark = pytest.mark.django_db

WITH_MACROS = r"""---
title: 期望与范数
slug: expectation-norm
date: 2025-03-01T10:00:00+08:00
macros: {Ex: '\mathbb{E}', norm: ['\left\lVert #1 \right\rVert', 1]}
---
由 $\Ex[X]$ 与 $\norm{x}$，以及站点的 $\R$。
"""


def run(*paths):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_markdown", *map(str, paths), stdout=out, stderr=err)
        return True, out.getvalue() + err.getvalue()
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)


def test_front_matter_macros_are_imported_and_expanded_on_the_page_and_in_the_feed(tmp_path):
    (tmp_path / "a.md").write_text(WITH_MACROS, encoding="utf-8")
    ok, output = run(tmp_path / "a.md")
    assert ok, output
    article = Article.objects.get()
    assert article.macros == "\\Ex = \\mathbb{E}\n\\norm[1] = \\left\\lVert #1 \\right\\rVert"
    assert "\\(\\mathbb{E}[X]\\)" in article.body_html
    assert "\\(\\left\\lVert x \\right\\rVert\\)" in article.body_html
    assert "\\(\\mathbb{R}\\)" in article.body_html
    assert "<mi>ℝ</mi>" in article.feed_html and "warning" not in output.lower()


@pytest.mark.parametrize(
    ("macros", "reason"),
    [
        ("{R: '\\R + 1'}", "'macros': \\R refers to itself"),
        ("[a, b]", "'macros': expected a mapping"),
        ("{'1x': y}", "is not a macro name"),
    ],
)
def test_a_bad_macro_table_is_the_files_reason(tmp_path, macros, reason):
    (tmp_path / "bad.md").write_text(f"---\ntitle: T\nmacros: {macros}\n---\nText $x$.\n", encoding="utf-8")
    ok, output = run(tmp_path / "bad.md")
    assert not ok and reason in output and "bad.md" in output
    assert not Article.objects.exists()


def test_macros_that_expand_without_end_are_the_files_reason(tmp_path):
    (tmp_path / "loop.md").write_text("---\ntitle: T\nmacros: {a: '\\b', b: '\\a'}\n---\n$\\a$\n", encoding="utf-8")
    ok, output = run(tmp_path / "loop.md")
    assert not ok and "the macro \\a expands into itself" in output


def test_export_writes_the_macros_back_and_they_import_the_same(tmp_path):
    (tmp_path / "a.md").write_text(WITH_MACROS, encoding="utf-8")
    assert run(tmp_path / "a.md")[0]
    article = Article.objects.get()
    text = article_file(article)
    assert "macros:" in text
    again = parse_article(text)
    assert again.macros == article.macros
    html_before = article.body_html
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    assert run(tmp_path / "a.md")[0]
    assert Article.objects.get().body_html == html_before


def test_an_article_without_macros_exports_no_macros_field():
    article = Article.objects.create(title="Plain", body="$x$")
    assert "macros" not in article_file(article)
