"""`manage.py import_markdown` and `load_demo`, as the README describes them ("Writing": the import format)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Series

pytestmark = pytest.mark.django_db

GOOD = """---
title: 盛最多水的容器
slug: container-with-most-water
date: 2025-03-01T10:00:00+08:00
updated: 2025-03-05
tags: [LeetCode, 双指针]
series: LeetCode 题解
series_order: 11
summary: 一句话摘要 $O(n)$
draft: false
author: alice
---
双指针从两端向中间收缩，面积为 $\\min(h_i, h_j) \\cdot (j - i)$。
"""


def write(folder, name, text, encoding="utf-8"):
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(*paths):
    """Run the command; return (exit ok, stdout, stderr)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import_markdown", *map(str, paths), stdout=out, stderr=err)
        return True, out.getvalue(), err.getvalue()
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)


def test_good_file_is_imported_with_every_field(tmp_path):
    ok, out, _ = run(write(tmp_path, "a.md", GOOD))
    assert ok and out.strip() == "Imported 1 of 1 file: 1 created, 0 updated, 0 failed."
    article = Article.objects.get()
    assert article.slug == "container-with-most-water" and article.title == "盛最多水的容器"
    assert article.published_at == datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    assert timezone.localtime(article.updated_at).isoformat() == "2025-03-05T00:00:00+08:00"
    assert sorted(article.tags.names()) == ["LeetCode", "双指针"]
    assert (article.series.title, article.series_order) == ("LeetCode 题解", 11)
    assert article.summary == "一句话摘要 $O(n)$" and "arithmatex" in article.excerpt
    assert article.status == Article.Status.PUBLISHED and Article.objects.published().filter(pk=article.pk).exists()
    assert article.author.username == "alice" and not article.author.is_active
    assert not article.author.has_usable_password()
    assert '<span class="arithmatex">\\(\\min(h_i, h_j) \\cdot (j - i)\\)</span>' in article.body_html


def test_importing_again_updates_instead_of_duplicating(tmp_path):
    path = write(tmp_path, "a.md", GOOD)
    run(path)
    write(
        tmp_path, "a.md", GOOD.replace("tags: [LeetCode, 双指针]", "tags: [LeetCode]").replace("双指针从", "改写后从")
    )
    ok, out, _ = run(path)
    assert ok and "0 created, 1 updated" in out
    article = Article.objects.get()
    assert article.tags.names()[0] == "LeetCode" and article.tags.count() == 1
    assert "改写后" in article.body_html
    assert Series.objects.count() == 1 and get_user_model().objects.count() == 1


def test_slug_made_from_title_and_dates_optional(tmp_path):
    run(write(tmp_path, "b.md", "---\ntitle: 空洞卷积\n---\n正文\n"))
    article = Article.objects.get()
    assert article.slug == "空洞卷积" and Article.objects.published().filter(pk=article.pk).exists()
    first_published = article.published_at
    run(write(tmp_path, "b.md", "---\ntitle: 空洞卷积\n---\n新正文\n"))
    assert Article.objects.get().published_at == first_published  # re-import keeps the date


def test_updated_defaults_to_date_and_drafts_stay_hidden(tmp_path):
    run(write(tmp_path, "c.md", "---\ntitle: Draft\ndate: 2024-01-02\ndraft: true\n---\nx\n"))
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and not Article.objects.published().exists()
    assert article.updated_at == article.published_at


BAD_FILES = {
    "no-front-matter.md": ("Just a body.\n", "no front matter"),
    "unclosed.md": ("---\ntitle: x\nbody\n", "not closed"),
    "no-title.md": ("---\ntags: [a]\n---\nbody\n", "'title' is required"),
    "bad-yaml.md": ("---\ntitle: [unclosed\n---\nbody\n", "bad YAML"),
    "bad-date.md": ("---\ntitle: x\ndate: yesterday\n---\nbody\n", "bad date in 'date'"),
    "bad-updated.md": ("---\ntitle: x\nupdated: 2025-13-45\n---\nbody\n", "bad date in 'updated'"),
    "time-only.md": ("---\ntitle: x\ndate: 10:00\n---\nbody\n", "is a number"),
    "not-a-mapping.md": ("---\n- a\n- b\n---\nbody\n", "'name: value'"),
    "unknown-field.md": ("---\ntitle: x\ntag: [a]\n---\nbody\n", "unknown field 'tag'"),
    "bad-order.md": ("---\ntitle: x\nseries_order: first\n---\nbody\n", "'series_order'"),
    "bad-draft.md": ("---\ntitle: x\ndraft: maybe\n---\nbody\n", "'draft'"),
    "bad-tags.md": ("---\ntitle: x\ntags: {a: 1}\n---\nbody\n", "'tags'"),
    "bad-slug.md": ("---\ntitle: x\nslug: a/b c\n---\nbody\n", "bad slug"),
    "huge-order.md": ("---\ntitle: x\nseries_order: 99999999999999999999\n---\nbody\n", "'series_order'"),
    "too-deep.md": (
        "---\ntitle: x\n---\n" + "\n".join("    " * i + "- x" for i in range(60, 330)),
        "nested too deeply",
    ),
    "empty.md": ("", "no front matter"),
    "latin1.md": ("---\ntitle: café\n---\nbody\n".encode("latin-1"), "not UTF-8"),
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
}


def test_bad_files_are_reported_by_name_and_reason_and_the_rest_imported(tmp_path):
    write(tmp_path, "good/one.md", GOOD)
    write(tmp_path, "good/two.md", "---\ntitle: Two\n---\nbody\n")
    for name, (content, _) in BAD_FILES.items():
        write(tmp_path, f"bad/{name}", content)
    write(tmp_path, "notes.txt", "ignored: not .md")
    ok, out, err = run(tmp_path)
    assert not ok
    for name, (_, reason) in BAD_FILES.items():
        line = next((line for line in err.splitlines() if line.startswith(str(tmp_path / "bad" / name))), "")
        assert reason in line, name
    assert f"Imported 2 of {2 + len(BAD_FILES)} files: 2 created, 0 updated, {len(BAD_FILES)} failed." in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Two", "盛最多水的容器"]


def test_a_bad_file_leaves_no_partial_article(tmp_path):
    write(tmp_path, "a.md", GOOD.replace("title: 盛最多水的容器", "title: " + "x" * 300))
    ok, _, err = run(tmp_path)
    assert not ok and "longer than 200" in err
    assert not Article.objects.exists() and not Series.objects.exists()


def test_duplicate_slugs_in_one_run_are_reported(tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD.replace("title: 盛最多水的容器", "title: Other"))
    ok, _, err = run(tmp_path)
    assert not ok and "already used by" in err
    assert Article.objects.get().title == "盛最多水的容器"


def test_missing_path_and_empty_folder_fail_clearly(tmp_path):
    ok, _, err = run(tmp_path / "missing.md")
    assert not ok and "missing.md" in err
    (tmp_path / "empty").mkdir()
    ok, _, err = run(tmp_path / "empty")
    assert not ok and "No Markdown (.md) files found" in err


def test_windows_line_endings_and_bom(tmp_path):
    ok, _, _ = run(write(tmp_path, "w.md", "\ufeff" + GOOD.replace("\n", "\r\n")))
    assert ok and Article.objects.get().title == "盛最多水的容器"


def test_demo_content_loads_into_an_empty_database_only_once():
    from io import StringIO

    out = StringIO()
    call_command("load_demo", stdout=out)
    count = Article.objects.count()
    assert count >= 10 and "0 failed" in out.getvalue()
    assert Article.objects.published().count() < count  # one demo article is a draft
    assert Series.objects.filter(articles__isnull=False).distinct().count() >= 2
    assert all(a.has_math for a in Article.objects.all())
    call_command("load_demo", stdout=out)
    assert Article.objects.count() == count and "already has" in out.getvalue()


def test_scheduled_import_is_hidden_until_its_date(tmp_path):
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    run(write(tmp_path, "f.md", f"---\ntitle: Later\ndate: {future}\n---\nbody\n"))
    assert Article.objects.count() == 1 and not Article.objects.published().exists()


def test_a_future_date_schedules_but_a_future_updated_is_refused(tmp_path):
    later = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    write(tmp_path, "scheduled.md", f"---\ntitle: Scheduled\ndate: {later.isoformat()}\n---\nbody\n")
    write(tmp_path, "same.md", f"---\ntitle: Same\ndate: {later.isoformat()}\nupdated: {later.isoformat()}\n---\nb\n")
    write(tmp_path, "ahead.md", f"---\ntitle: Ahead\ndate: 2025-03-01\nupdated: {later.isoformat()}\n---\nbody\n")
    ok, _, err = run(tmp_path)
    assert not ok
    assert f"ahead.md: The 'updated' {later.astimezone(UTC):%Y-%m-%d %H:%M}+00:00 lies in the future" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Same", "Scheduled"]
    assert Article.objects.get(title="Scheduled").updated_at == later  # its update time is its publication
    assert not Article.objects.published().exists()


def test_the_first_and_last_moments_of_the_date_range_import(tmp_path):
    from markup import limits

    first, last = limits.EARLIEST_DATE, limits.LATEST_DATE - timedelta(seconds=1)
    with_dates = "---\ntitle: {title}\ndate: {date}\nupdated: {updated}\n---\nbody\n"
    folder = tmp_path
    write(folder, "first.md", with_dates.format(title="First", date=first.isoformat(), updated=first.isoformat()))
    write(folder, "last.md", with_dates.format(title="Last", date=last.isoformat(), updated="2025-01-01"))
    ok, _, err = run(folder)
    assert ok, err
    assert Article.objects.get(title="First").published_at == first
    assert Article.objects.get(title="Last").published_at == last


def test_fifty_tags_import_and_repeats_count_once(tmp_path):
    tags = ", ".join([f"tag{n}" for n in range(50)] + [f"TAG{n}" for n in range(50)])
    ok, _, err = run(write(tmp_path, "tags.md", f"---\ntitle: Tagged\ntags: [{tags}]\n---\nbody\n"))
    assert ok, err
    assert Article.objects.get().tags.count() == 50


def symlink(link, target):
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


def test_symbolic_links_out_of_the_folder_are_reported_and_not_followed(tmp_path):
    """A folder's links may reach only inside it: a note's `secret.md -> ~/.ssh/...` is no import."""
    outside = tmp_path / "private"
    write(outside, "secret.md", "---\ntitle: Secret\n---\nprivate words\n")
    write(outside, "more/other.md", "---\ntitle: Other secret\n---\nprivate\n")
    (tmp_path / "images").mkdir()
    notes = tmp_path / "notes"
    write(notes, "real.md", "---\ntitle: Real\n---\nbody\n")
    write(notes, "sub/deep.md", "---\ntitle: Deep\n---\nbody\n")
    symlink(notes / "secret.md", outside / "secret.md")  # a file outside
    symlink(notes / "escape.md", "../private/secret.md")  # the same, relative
    symlink(notes / "private", outside / "more")  # a folder outside holding Markdown
    symlink(notes / "images", tmp_path / "images")  # a folder outside holding none: not a Markdown matter
    symlink(notes / "alias.md", notes / "sub" / "deep.md")  # inside: imported once, as the file itself
    symlink(notes / "sub-again", "sub")  # inside: not entered, its files are read as sub/
    symlink(notes / "loop", ".")

    ok, _, err = run(notes)

    assert not ok
    lines = {Path(line.split(": ", 1)[0]).name: line for line in err.splitlines() if line.startswith(str(notes))}
    assert f"symbolic link to a file outside {notes}: not imported" in lines["secret.md"]
    assert f"symbolic link to a file outside {notes}: not imported" in lines["escape.md"]
    assert f"symbolic link to a folder outside {notes}: not followed" in lines["private"]
    assert set(lines) == {"secret.md", "escape.md", "private"}
    assert "Imported 2 of 5 files: 2 created, 0 updated, 3 failed." in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Deep", "Real"]


def test_a_file_named_on_the_command_line_is_read_wherever_it_links(tmp_path):
    write(tmp_path / "elsewhere", "note.md", "---\ntitle: Chosen\n---\nbody\n")
    ok, _, err = run(symlink(tmp_path / "notes" / "note.md", tmp_path / "elsewhere" / "note.md"))
    assert ok, err
    assert Article.objects.get().title == "Chosen"


WARNED = """---
title: Warned
slug: warned
---
Fine $x^2$ here.

Broken $\\frac{a}{b$ here, and `$\\frac{c}{d$` in code.

![](/media/figure.png)
"""


def test_formulas_that_do_not_parse_are_warnings_the_file_is_imported(tmp_path):
    path = write(tmp_path, "warned.md", WARNED)
    write(tmp_path, "clean.md", "---\ntitle: Clean\n---\n$x^2$ and ![A plot](/media/p.png)\n")
    ok, out, err = run(tmp_path)
    assert ok, err  # warnings leave the exit status at 0
    assert "Imported 2 of 2 files: 2 created, 0 updated, 0 failed, 1 with warnings." in out
    assert err.splitlines() == [
        f"{path}: warning: line 3: the formula “\\frac{{a}}{{b” does not parse (unbalanced braces: a “{{” "
        "is not closed); imported, readers will see it in red",
        f"{path}: warning: line 5: an image has no alt text (/media/figure.png)",
    ]
    assert "\\frac{a}{b" in Article.objects.get(slug="warned").body_html


def test_warnings_come_back_from_the_worker_processes(tmp_path):
    from articles.transfer.importer import import_paths

    for n in range(5):
        write(tmp_path, f"w{n}.md", WARNED.replace("slug: warned", f"slug: warned-{n}").replace("$x^2$", f"$x^{n}^a$"))
    report = import_paths([tmp_path], jobs=2)
    assert len(report.created) == 5 and not report.failed
    lines = [(path.name, line.split(":")[0]) for path, line in report.warnings]
    assert lines == [(f"w{n}.md", line) for n in range(5) for line in ("line 1", "line 3", "line 5")]
