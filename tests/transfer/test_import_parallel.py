"""`import_markdown --jobs N`: files prepared in worker processes, written in order by one.

The parallel import must give exactly what the serial one gives (articles, derived HTML,
tags, series, revisions, search index and results), report bad files the same way, index
each article once and never render or segment again in the writing process.
"""

import os
import re
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article, Series, Tag
from articles.models.revisions import Revision
from articles.search import documents as search_documents
from articles.search import index as search_index
from articles.transfer import importer
from markup import segmentation
from markup.rendering import render_article
from markup.summaries import plain_text
from tests.corpus import FORMULAS
from tests.factories import make_article

from .test_import import BAD_FILES, GOOD

pytestmark = pytest.mark.django_db

TOPICS = ["卷积神经网络", "强化学习", "投机解码", "注意力机制", "混合精度"]
DERIVED = ("body_html", "feed_html", "toc_html", "excerpt", "has_math", "reading_minutes")
FIELDS = ("title", "body", "summary", "status", "published_at", "updated_at", "series_order", *DERIVED)


def note(number):
    """A file of front matter and a body with headings, Chinese prose, math and code."""
    topic = TOPICS[number % len(TOPICS)]
    fields = [
        f"title: {topic}笔记 {number}",
        f"slug: note-{number}",
        f"date: 2025-0{number % 9 + 1}-1{number % 10}T10:00:00+08:00",
        f"tags: [{topic}, {'LeetCode' if number % 2 else 'leetcode'}, tag{number % 4}]",
    ]
    if number % 3 == 0:
        fields += [f"series: {topic}系列", f"series_order: {number}"]
    if number % 5 == 0:
        fields.append("summary: 一句话摘要 $O(n)$")
    if number % 7 == 0:
        fields.append("draft: true")
    if number % 4 == 0:
        fields.append(f"author: writer{number % 2}")
    body = (
        f"# {topic}\n\n## 背景 {number}\n\n我们首先回顾{topic}的基本定义，公式 ${FORMULAS[number % len(FORMULAS)]}$。\n"
        f"In practice the word marker{number} appears here.\n\n## 推导\n\n$$\\sum_i x_i^{number}$$\n\n"
        f"```python\ndef step_{number}(x):\n    return x * {number}\n```\n"
    )
    return "---\n" + "\n".join(fields) + "\n---\n" + body


def write_notes(folder, count=24):
    for number in range(count):
        path = Path(folder) / ("deeper" if number % 2 else "") / f"note-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note(number))
    (Path(folder) / "good.md").write_text(GOOD)
    return folder


def run(*paths, jobs):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_markdown", *map(str, paths), f"--jobs={jobs}", stdout=out, stderr=err)
        return True, out.getvalue(), err.getvalue()
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)


def index_row(article):
    """What the search index holds for `article`, without ids (they differ from run to run)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT document::text, head::text, plain, visible_from, updated_at, tag_ids"
                " FROM articles_search WHERE article_id = %s",
                [article.pk],
            )
            *row, tag_ids = cursor.fetchone()
            return (*row, sorted(Tag.objects.filter(pk__in=tag_ids).values_list("name", flat=True)))
        cursor.execute(
            "SELECT s.title, s.tags, s.headings, s.body, s.bigrams, s.plain, m.visible_from, m.updated_at"
            " FROM articles_search s JOIN articles_search_meta m ON m.id = s.rowid WHERE s.rowid = %s",
            [article.pk],
        )
        return cursor.fetchone()


def search(client, query):
    response = client.get("/search/?q=" + quote(query))
    assert response.status_code == 200
    return re.findall(r'<h2 class="card-title"><a href="([^"]+)"', response.content.decode())


QUERIES = ["卷积", "强化学习", "解码", "背景", "marker7", "step_11", "leetcode", "双指针", "sum"]


def snapshot(client):
    """Everything a reader or an author would see of the imported articles."""
    articles = {
        article.slug: {
            **{name: getattr(article, name) for name in FIELDS},
            "series": article.series.title if article.series else None,
            "author": article.author.username if article.author else None,
            "tags": sorted(article.tags.names()),
            "index": index_row(article),
        }
        for article in Article.objects.select_related("series", "author").prefetch_related("tags")
    }
    revisions = sorted(
        (r.slug, r.number, r.note, r.published_at, *(str(value) for value in r.content().values()))
        for r in Revision.objects.all()
    )
    return {
        "articles": articles,
        "revisions": revisions,
        "series": sorted(Series.objects.values_list("title", "slug")),
        "tags": sorted(Tag.objects.values_list("name", "slug")),
        "search": {query: search(client, query) for query in QUERIES},
    }


def forget_everything():
    Article.objects.all().delete()
    for model in (Revision, Tag, Series, get_user_model()):
        model.objects.all().delete()


def test_two_jobs_import_exactly_what_one_imports(client, tmp_path):
    folder = write_notes(tmp_path)
    assert run(folder, jobs=1)[0]
    serial = snapshot(client)
    forget_everything()
    ok, out, _ = run(folder, jobs=2)
    assert ok and "Imported 25 of 25 files: 25 created, 0 updated, 0 failed." in out
    parallel = snapshot(client)
    assert parallel == serial
    assert len(parallel["articles"]) == 25 and len(parallel["revisions"]) == 25
    # Chinese found by jieba words and by bigrams, English words, code, tags; drafts hidden.
    assert "/articles/note-6/" in parallel["search"]["强化学习"]
    assert "/articles/note-7/" not in parallel["search"]["marker7"]  # a draft
    assert parallel["search"]["解码"] and parallel["search"]["step_11"] == ["/articles/note-11/"]
    assert parallel["search"]["双指针"] == ["/articles/container-with-most-water/"]
    assert parallel["search"]["leetcode"]  # a tag
    assert parallel["search"]["sum"] == []  # `\sum` in display math is a TeX command, not a word


def test_reimporting_in_parallel_updates_by_slug(client, tmp_path):
    folder = write_notes(tmp_path)
    assert run(folder, jobs=2)[0]
    path = folder / "note-4.md"
    path.write_text(note(4).replace("tag0]", "新标签]").replace("回顾", "重新回顾"))
    ok, out, _ = run(folder, jobs=2)
    assert ok and "0 created, 25 updated" in out
    article = Article.objects.get(slug="note-4")
    assert "新标签" in article.tags.names() and "重新回顾" in article.body_html
    assert search(client, "新标签") == ["/articles/note-4/"]
    assert Revision.objects.filter(article=article).count() == 2 and Revision.objects.count() == 26


def test_the_derived_fields_and_index_are_those_of_an_in_process_save(tmp_path):
    assert run(write_notes(tmp_path), jobs=2)[0]
    for article in Article.objects.all():
        rendered = render_article(article.body, article.summary)
        assert [getattr(article, name) for name in DERIVED] == [getattr(rendered, name) for name in DERIVED]
        written = index_row(article)
        search_index.index_article(article)  # in this process, from the stored HTML and tags
        assert index_row(article) == written, article.slug


def test_the_writing_process_neither_renders_nor_segments(tmp_path, monkeypatch):
    """Rendering and jieba run in the workers only; each article is indexed once, with its tags."""
    main = os.getpid()
    words, writes = search_documents.article_words, []

    def workers_only(title, body_html):
        assert os.getpid() != main, "article_words ran in the writing process"
        return words(title, body_html)

    def never(*args, **kwargs):
        raise AssertionError("rendered again while saving")

    monkeypatch.setattr("articles.models.articles.render_article", never)
    monkeypatch.setattr(search_documents, "article_words", workers_only)
    monkeypatch.setattr(search_index, "write", lambda documents, **kw: writes.append(list(documents)))
    ok, _, err = run(write_notes(tmp_path), jobs=2)
    assert ok, err
    assert sorted(document.article_id for [document] in writes) == sorted(Article.objects.values_list("pk", flat=True))
    tagged = {d.article_id: d for [d] in writes}[Article.objects.get(slug="note-3").pk]
    assert set(tagged.tags) >= {"leetcode", "tag3"}


def test_the_serial_import_also_indexes_once_and_renders_once(tmp_path, monkeypatch):
    writes = []
    monkeypatch.setattr(
        "articles.models.articles.render_article", lambda *a: pytest.fail("rendered again while saving")
    )
    original = search_index.write
    monkeypatch.setattr(search_index, "write", lambda documents, **kw: writes.append(original(documents, **kw)))
    assert run(write_notes(tmp_path, count=4), jobs=1)[0]
    assert len(writes) == Article.objects.count() == 5


def test_a_tag_change_outside_an_import_still_reindexes(client):
    article = make_article(title="编辑", body="正文")
    article.tags.add("后来加的标签")
    assert search(client, "后来加的标签") == [article.get_absolute_url()]


def test_a_prerendered_body_is_ignored_once_the_body_changes():
    article = make_article(title="旧", body="旧正文")
    article.use_rendered(render_article("别的正文"))
    article.body = "新正文 $x$"
    article.save()
    assert "新正文" in article.body_html and article.has_math


def test_bad_files_are_reported_alike_in_parallel(tmp_path):
    folder = write_notes(tmp_path / "notes", count=6)
    for name, (content, _) in BAD_FILES.items():
        path = folder / "bad" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (folder / "zz-dup.md").write_text(note(2).replace("title: ", "title: Another "))
    reports = {}
    for jobs in (1, 2):
        forget_everything()
        ok, _, err = run(folder, jobs=jobs)
        assert not ok
        reports[jobs] = err
    assert reports[2] == reports[1]
    lines = reports[2].splitlines()
    for name, (_, reason) in BAD_FILES.items():
        assert any(line.startswith(f"{folder / 'bad' / name}: ") and reason in line for line in lines), name
    assert f"{folder / 'zz-dup.md'}: slug 'note-2' is already used by {folder / 'note-2.md'}" in reports[2]
    total = 7 + len(BAD_FILES) + 1
    assert f"Imported 7 of {total} files: 7 created, 0 updated, {len(BAD_FILES) + 1} failed." in reports[2]
    assert Article.objects.count() == 7


def test_an_error_in_a_worker_is_reported_for_its_file(tmp_path, monkeypatch):
    original = importer.render_article

    def fragile(body, summary="", macros=None):
        if "boom" in body:
            raise ZeroDivisionError("the renderer broke")
        return original(body, summary, macros)

    monkeypatch.setattr(importer, "render_article", fragile)
    folder = write_notes(tmp_path, count=3)
    (folder / "boom.md").write_text("---\ntitle: Boom\n---\nboom\n")
    ok, _, err = run(folder, jobs=2)
    assert not ok and f"{folder / 'boom.md'}: ZeroDivisionError: the renderer broke" in err
    assert Article.objects.count() == 4


def test_a_worker_cannot_use_the_database(tmp_path, monkeypatch):
    original = importer.read_article

    def nosy(path):
        if path.name == "nosy.md":
            Article.objects.count()
        return original(path)

    monkeypatch.setattr(importer, "read_article", nosy)
    folder = write_notes(tmp_path, count=3)
    (folder / "nosy.md").write_text("---\ntitle: Nosy\n---\nbody\n")
    ok, _, err = run(folder, jobs=2)
    assert not ok and f"{folder / 'nosy.md'}: RuntimeError: an import worker may not use the database" in err
    assert Article.objects.count() == 4  # and this process's connection still works


def test_jobs_must_be_positive(tmp_path):
    ok, _, err = run(write_notes(tmp_path, count=1), jobs=0)
    assert not ok and "--jobs must be 1 or more" in err and not Article.objects.exists()


def test_the_bigrams_are_those_of_the_whole_text():
    title, html = "卷积网络 attention", "<h2>感受野</h2><p>空洞卷积的感受野。卷积</p>"
    document = search_documents.build_document(1, title, ["卷积", "深度学习"], html)
    text = " ".join([title, "卷积 深度学习", plain_text(html)])
    assert document.bigrams == segmentation.index_bigrams(text)
    words = search_documents.article_words(title, html)
    assert search_documents.build_document(1, title, ["卷积", "深度学习"], html, words=words) == document
    stale = search_documents.article_words("旧标题", html)
    assert search_documents.build_document(1, title, ["卷积", "深度学习"], html, words=stale) == document


@pytest.mark.django_db(transaction=True)
def test_the_command_outside_any_transaction(client, tmp_path):
    """As in production: connections are closed before the workers fork and reopened after."""
    ok, out, _ = run(write_notes(tmp_path, count=8), jobs=2)
    assert ok and "9 created" in out
    assert Article.objects.count() == 9 and "/articles/note-6/" in search(client, "强化学习")


def test_a_worker_that_dies_is_reported_not_waited_for(tmp_path, monkeypatch):
    """A worker killed mid-import (for memory, say): its files are reported, the run ends, nothing half-saved."""
    import signal

    write_notes(tmp_path, count=30)

    def hung(*args):
        raise TimeoutError("the import waited for a worker that had died")

    monkeypatch.setattr(importer, "prepare", _dying_on_note_20)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        report = importer.import_paths([tmp_path], jobs=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    failed = {Path(path).name: reason for path, reason in report.failed}
    assert "worker process died" in failed["note-20.md"]
    assert report.total == 31 and report.created, "the files prepared before it are imported"
    assert Article.objects.count() == len(report.created)
    assert not Article.objects.filter(slug__in=[Path(name).stem for name in failed]).exists()


_prepare = importer.prepare


def _dying_on_note_20(path):
    if Path(path).name == "note-20.md":
        os._exit(1)  # as a process killed by the system: no exception, no result
    return _prepare(path)
