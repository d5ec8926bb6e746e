"""bench/corpus.py: the benchmarks' notes look like the demo articles, vary, and import as written."""

import statistics
from collections import Counter

import pytest
from django.core.management import call_command

from articles.models import Article, Series
from bench import corpus, pages
from markup import formula_check

# Measures whose median over 400 notes must be within 25% of the demo's median.
SHAPED = ["bytes", "inline", "display", "code_lines", "table_rows", "h2", "h3", "lists", "bold", "cjk_share"]


@pytest.fixture(scope="module")
def made():
    return list(corpus.notes(400))


def test_the_demo_profiles_are_the_demo_articles_measured():
    measured = [corpus.measure(text) for text in corpus.demo_texts()]
    assert sorted(tuple(m[field] for field in corpus.FIELDS) for m in measured) == sorted(corpus.PROFILES)


@pytest.mark.parametrize("field", SHAPED)
def test_notes_have_the_demo_articles_size_and_make_up(made, field):
    demo = statistics.median(corpus.measure(text)[field] for text in corpus.demo_texts())
    notes = statistics.median(corpus.measure(note.markdown("n", "2026-01-01"))[field] for note in made)
    assert abs(notes - demo) <= 0.25 * demo, (field, demo, notes)


def test_notes_vary_and_carry_a_realistic_tag_vocabulary(made):
    assert len({note.body for note in made}) == len(made)
    assert len({note.title for note in made}) > 0.9 * len(made)
    used = Counter(tag for note in made for tag in note.tags)
    assert 150 <= len(corpus.TAGS) <= 230 and len(used) > 120
    assert max(used.values()) > 60 and statistics.median(used.values()) < 15  # a few tags carry many notes
    assert all(3 <= len(note.tags) <= 5 for note in made)
    in_series = [note for note in made if note.series]
    assert 0.35 * len(made) < len(in_series) < 0.7 * len(made)
    assert len({(note.series, note.series_order) for note in in_series}) == len(in_series)
    english = [note for note in made if corpus.measure(note.body)["cjk_share"] < 0.05]
    assert 0.02 * len(made) < len(english) < 0.15 * len(made)  # one demo article in 15 is in English


def test_the_same_seed_gives_the_same_notes_and_a_longer_run_starts_with_them():
    assert list(corpus.notes(30)) == list(corpus.notes(60))[:30]
    assert list(corpus.notes(5, seed=1)) != list(corpus.notes(5))
    assert [item[:2] for item in corpus.articles(3)] == [(n.title, n.body) for n in corpus.notes(3)]


def test_every_formula_is_one_mathjax_accepts(made):
    for note in made[:25]:
        assert formula_check.problems(note.body) == [], note.title


@pytest.mark.django_db
def test_notes_import_with_their_tags_series_and_formulas(tmp_path):
    pages.write_markdown(6, tmp_path)
    call_command("import_markdown", str(tmp_path), verbosity=0)
    notes = list(corpus.notes(6))
    for index, note in enumerate(notes):
        article = Article.objects.get(slug=f"bench-{index}")
        assert article.title == note.title and sorted(article.tags.names()) == sorted(note.tags)
        assert article.has_math and article.body_html.count("<h2") >= 2 and "<table" in article.body_html
        assert (article.series.title if article.series else None) == note.series
    assert Series.objects.count() == len({note.series for note in notes if note.series})
