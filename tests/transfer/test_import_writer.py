"""The importer's writing process: few, constant queries per article, same results as taggit.

The writer is what limits `import_markdown --jobs N`, so its database work per article is
bounded here; the tags it creates and links must be those `article.tags.set()` makes.
"""

import itertools
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Tag, revisions
from articles.transfer import importer
from tests.factories import make_article

pytestmark = pytest.mark.django_db

# A new article with known tags, series and author: its transaction (here a savepoint and its
# release), the slug lookup, the article, its tag links, the index row (PostgreSQL: two
# statements; SQLite, two tables: four), the last revision and the new one. Before the
# import had its own writer: 33 on SQLite.
QUERIES_PER_NEW_ARTICLE = {"postgresql": 9, "sqlite": 11}

# Each line an article's tags: case variants across articles and within one, slugs that
# clash ("C++" and "C"), Chinese, and letters SQLite's LIKE compares case-sensitively.
TAG_GROUPS = [
    ["Python", "C++", "机器学习", "Ünïcode", "python"],
    ["python ", "C", "机器 学习", "ünïcode"],
    ["PYTHON", "c#", "  深度 学习 ", "Ünïcode"],
]


def write(folder, number, tags, **fields):
    lines = [f"title: Note {number}", f"slug: note-{number}", f"tags: [{', '.join(tags)}]"]
    lines += [f"{name}: {value}" for name, value in fields.items()]
    path = Path(folder) / f"note-{number:03}.md"
    path.write_text("---\n" + "\n".join(lines) + f"\n---\nBody of note {number}.\n")
    return path


def import_queries(paths):
    with CaptureQueriesContext(connection) as captured:
        report = importer.import_paths(paths)
    assert not report.failed, report.failed
    return len(captured)


def test_queries_per_new_article_are_few_and_do_not_grow(tmp_path):
    tags = ["Alpha", "beta", "伽马"]
    fields = {"series": "Guide", "author": "writer"}
    warm = [write(tmp_path, 0, tags, **fields)]
    importer.import_paths(warm)  # tags, series and author exist from now on
    few = [write(tmp_path, n, tags, **fields) for n in range(1, 6)]
    many = [write(tmp_path, n, tags, **fields) for n in range(6, 26)]
    per_article = QUERIES_PER_NEW_ARTICLE[connection.vendor]
    # The run's first file looks its known tags, series and author up once.
    assert import_queries(few) == 5 * per_article + 3
    assert import_queries(many) == 20 * per_article + 3
    assert Article.objects.get(slug="note-25").tags.count() == 3


def test_import_makes_the_tags_set_makes(tmp_path):
    """Names, slugs and links as article.tags.set() makes them."""
    by_hand = [make_article(title=f"By hand {n}") for n in range(len(TAG_GROUPS))]
    for article, names in zip(by_hand, TAG_GROUPS, strict=True):
        article.tags.set(names)
    tags = sorted(Tag.objects.values_list("name", "slug"))
    links = [sorted(article.tags.names()) for article in by_hand]
    Article.objects.all().delete()
    Tag.objects.all().delete()
    paths = [write(tmp_path, n, [f'"{name}"' for name in names]) for n, names in enumerate(TAG_GROUPS)]
    assert not importer.import_paths(paths).failed
    assert sorted(Tag.objects.values_list("name", "slug")) == tags
    assert [sorted(Article.objects.get(slug=f"note-{n}").tags.names()) for n in range(len(TAG_GROUPS))] == links


def test_import_links_existing_tags_whatever_their_case(tmp_path):
    make_article(tags=["LeetCode", "动态规划"])
    importer.import_paths([write(tmp_path, 1, ["leetcode", "LEETCODE", "动态规划", "New"])])
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["LeetCode", "New", "动态规划"]
    assert sorted(Article.objects.get(slug="note-1").tags.names()) == ["LeetCode", "New", "动态规划"]


def test_reimport_with_other_tags_removes_and_adds_links(tmp_path, client):
    path = write(tmp_path, 1, ["Keep", "Stale", "旧"])
    importer.import_paths([path])
    write(tmp_path, 1, ["keep", "Fresh", "新"])
    report = importer.import_paths([path])
    assert report.updated and not report.failed
    article = Article.objects.get(slug="note-1")
    assert sorted(article.tags.names()) == ["Fresh", "Keep", "新"]
    assert article.revisions.count() == 2
    assert sorted(article.revisions.first().tags) == ["Fresh", "Keep", "新"]
    found = client.get("/search/?q=fresh").content.decode()
    assert article.get_absolute_url() in found
    assert article.get_absolute_url() not in client.get("/search/?q=stale").content.decode()


def test_page_cache_shows_the_new_tags_after_a_reimport(tmp_path, client, settings):
    settings.KB_PAGE_CACHE = True
    cache.clear()
    path = write(tmp_path, 1, ["Before"])
    importer.import_paths([path])
    article = Article.objects.get(slug="note-1")
    assert "Before" in client.get(article.get_absolute_url()).content.decode()  # now cached
    write(tmp_path, 1, ["After"])
    importer.import_paths([path])
    page = client.get(article.get_absolute_url()).content.decode()
    assert "After" in page and "Before" not in page
    assert "note-1" in client.get(Tag.objects.get(name="After").get_absolute_url()).content.decode()
    cache.clear()


def test_a_failed_file_leaves_no_remembered_tag_behind(tmp_path, monkeypatch):
    """A tag created in a file's rolled-back transaction is not reused by the next file."""
    calls = itertools.count()
    record = revisions.record

    def fail_once(*args, **kwargs):
        if next(calls) == 0:
            raise RuntimeError("disk full")
        return record(*args, **kwargs)

    monkeypatch.setattr(revisions, "record", fail_once)
    report = importer.import_paths(
        [
            write(tmp_path, 1, ["Fresh"], series="S", author="ann"),
            write(tmp_path, 2, ["Fresh"], series="S", author="ann"),
        ]
    )
    assert [path.name for path, _ in report.failed] == ["note-001.md"]
    article = Article.objects.get(slug="note-2")
    assert list(article.tags.names()) == ["Fresh"]
    assert article.series.title == "S" and article.author.username == "ann"
