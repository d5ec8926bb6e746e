"""An import folder of good files among a hundred kinds of broken ones.

Every good file is imported, every bad one is reported by name with a reason a person can
act on, and a bad file leaves nothing behind: no article, revision, tag, series or author.
"""

import random
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article, Series, Tag
from articles.models.revisions import Revision

pytestmark = pytest.mark.django_db


def front(fields, body="Body with $x^2$.\n"):
    return "---\n" + fields + "\n---\n" + body


def good(number):
    return front(
        f"title: 好文章 {number}\nslug: good-{number}\ndate: 2025-03-0{number % 9 + 1}T10:00:00+08:00\n"
        f"tags: [good-tag, 标签{number}]\nseries: Good series\nseries_order: {number}\nauthor: good_author",
        f"第 {number} 篇，公式 $a_{number} * b$。\n",
    )


# What a broken file's front matter would create if it were half imported.
BAD_NAMES = "tags: [poison-tag]\nseries: Poison series\nauthor: poison_author"


def bad(fields, body="Body.\n"):
    return front(fields + "\n" + BAD_NAMES, body)


TOO_DEEP = "> " * 300 + "quote\n"
LAUGHS = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}]\n"
    for n in range(1, 9)
)
# (file name, content as text or bytes, a fragment of the reason)
BROKEN = [
    # no front matter, or not closed
    ("empty.md", b"", "no front matter"),
    ("blank.md", "\n\n   \n", "no front matter"),
    ("bom-only.md", b"\xef\xbb\xbf", "no front matter"),
    ("body-only.md", "# Title\n\nJust Markdown.\n", "no front matter"),
    ("late-dashes.md", "\n---\ntitle: x\n---\n", "no front matter"),
    ("unclosed.md", "---\ntitle: Unclosed\n\nBody\n", "not closed"),
    ("only-dashes.md", "---\n", "not closed"),
    ("three-dashes-body.md", "--- title: x ---\nbody", "no front matter"),
    # YAML that does not parse
    ("yaml-tab.md", front("title: x\n\tslug: y"), "bad YAML"),
    ("yaml-quote.md", front('title: "unclosed'), "bad YAML"),
    ("yaml-bracket.md", front("title: x\ntags: [a, b"), "bad YAML"),
    ("yaml-brace.md", front("title: {x"), "bad YAML"),
    ("yaml-indent.md", front("title: x\n  slug: y\n slug2: z"), "bad YAML"),
    ("yaml-colon.md", front("title: a: b: c"), "bad YAML"),
    ("yaml-python-tag.md", front("title: !!python/object/apply:os.system ['echo hacked']"), "bad YAML"),
    # a few hundred bytes of nested aliases that expand to gigabytes of text ("billion laughs")
    ("yaml-laughs-date.md", front("title: x\n" + LAUGHS + "date: *l8"), "aliases (*name) are not allowed"),
    ("yaml-laughs-order.md", front("title: x\n" + LAUGHS + "series_order: *l8"), "aliases (*name) are not allowed"),
    ("yaml-alias-title.md", front("slug: &s same\ntitle: *s"), "aliases (*name) are not allowed"),
    ("yaml-python-name.md", front("title: !!python/name:os.system"), "bad YAML"),
    ("yaml-unknown-tag.md", front("title: !custom x"), "bad YAML"),
    ("yaml-alias.md", front("title: *missing"), "bad YAML"),
    ("yaml-bad-escape.md", front('title: "\\q"'), "bad YAML"),
    ("yaml-binary.md", bad("title: !!binary aGVsbG8="), "'title' must be text, not a bytes"),
    ("yaml-set.md", bad("title: !!set {a, b}"), "'title' must be text, not a set"),
    ("yaml-directive.md", front("%YAML 1.1\ntitle: x"), "bad YAML"),
    ("yaml-control-char.md", front("title: a\x07b"), "bad YAML"),
    ("yaml-deep.md", front("title: " + "[" * 2000 + "]" * 2000), "bad YAML"),
    # front matter of the wrong shape
    ("fm-list.md", front("- title: x"), "'name: value' lines"),
    ("fm-scalar.md", front("just a sentence"), "'name: value' lines"),
    ("fm-null.md", front("~"), "'name: value' lines"),
    ("fm-empty.md", front(""), "'name: value' lines"),
    ("fm-unknown.md", front("title: x\ncolour: red"), "unknown field 'colour'"),
    ("fm-typo.md", front("titel: x"), "unknown field 'titel'"),
    ("fm-number-key.md", front("title: x\n1: one"), "unknown field '1'"),
    # title
    ("title-missing.md", bad("slug: no-title"), "'title' is required"),
    ("title-empty.md", bad("title: ''"), "'title' is required"),
    ("title-null.md", bad("title: null"), "'title' is required"),
    ("title-list.md", bad("title: [a, b]"), "'title' must be text"),
    ("title-dict.md", bad("title: {a: b}"), "'title' must be text"),
    ("title-long.md", bad("title: " + "长" * 201), "longer than 200"),
    ("title-anchor-list.md", front("title: &a [x, y]"), "'title' must be text"),
    # slug
    ("slug-space.md", bad("title: x\nslug: has space"), "bad slug"),
    ("slug-slash.md", bad("title: x\nslug: a/b"), "bad slug"),
    ("slug-dots.md", bad("title: x\nslug: ../../etc"), "bad slug"),
    ("slug-markup.md", bad("title: x\nslug: <script>"), "bad slug"),
    ("slug-percent.md", bad("title: x\nslug: a%20b"), "bad slug"),
    ("slug-long.md", bad("title: x\nslug: " + "a" * 300), "longer than"),
    ("slug-list.md", bad("title: x\nslug: [a]"), "'slug' must be text"),
    ("slug-null-byte.md", bad('title: x\nslug: "a\\0b"'), "bad slug"),
    # dates
    ("date-month.md", bad("title: x\ndate: 2025-13-01"), "bad date in 'date'"),
    ("date-day.md", bad("title: x\ndate: 2025-02-30"), "bad date in 'date'"),
    ("date-word.md", bad("title: x\ndate: yesterday"), "bad date in 'date'"),
    ("date-sexagesimal.md", bad("title: x\ndate: 10:00"), "is a number"),
    ("date-number.md", bad("title: x\ndate: 20250301"), "is a number"),
    ("date-float.md", bad("title: x\ndate: 2025.03"), "is a number"),
    ("date-hour.md", bad("title: x\ndate: 2025-03-01T25:00:00"), "bad date in 'date'"),
    ("date-year.md", bad("title: x\ndate: 99999-01-01"), "bad date in 'date'"),
    ("date-list.md", bad("title: x\ndate: [2025-03-01]"), "bad date in 'date'"),
    ("date-slashes.md", bad("title: x\ndate: 03/01/2025"), "bad date in 'date'"),
    ("date-zone.md", bad("title: x\ndate: 2025-03-01T10:00:00+25:00"), "bad date in 'date'"),
    ("updated-bad.md", bad("title: x\ndate: 2025-03-01\nupdated: soon"), "bad date in 'updated'"),
    ("updated-bool.md", bad("title: x\nupdated: true"), "bad date in 'updated'"),
    # dates outside the site's range (after conversion to UTC), a future 'updated'
    (
        "date-year-one.md",
        bad("title: x\ndate: 0001-01-01"),
        "The 'date' 0001-01-01 00:00+08:05:43 is outside the range",
    ),
    (
        "date-year-one-zone.md",
        bad("title: x\ndate: 0001-01-01T00:00:00+08:00"),
        "'date' 0001-01-01 00:00+08:00 is outside",
    ),
    ("date-9999.md", bad("title: x\ndate: 9999-12-31T23:59:59-08:00"), "'date' 9999-12-31 23:59-08:00 is outside"),
    ("date-1969.md", bad("title: x\ndate: 1969-12-31T23:00:00Z"), "'date' 1969-12-31 23:00+00:00 is outside"),
    ("date-2100.md", bad("title: x\ndate: 2100-01-01T08:00:00+08:00"), "'date' 2100-01-01 08:00+08:00 is outside"),
    ("updated-year-one.md", bad("title: x\ndate: 2025-03-01\nupdated: 0001-01-01"), "'updated' 0001-01-01 00:00"),
    (
        "updated-future.md",
        bad("title: x\ndate: 2025-03-01\nupdated: 2099-01-01"),
        "'updated' 2099-01-01 00:00+08:00 lies in",
    ),
    ("updated-after-date.md", bad("title: x\ndate: 2090-03-01\nupdated: 2091-01-01"), "'updated' 2091-01-01"),
    # tags
    ("tags-dict.md", front("title: x\ntags: {a: b}"), "'tags' must be a list"),
    ("tags-nested.md", front("title: x\ntags: [[a, b]]"), "'tags' must be a list"),
    ("tags-null-entry.md", front("title: x\ntags: [a, null]"), "'tags' must be a list"),
    ("tags-number.md", front("title: x\ntags: 5"), "'tags' must be a list"),
    ("tags-long.md", front("title: x\ntags: [" + "t" * 101 + "]"), "longer than 100"),
    ("tags-too-many.md", front("title: x\ntags: [" + ", ".join(f"t{n}" for n in range(51)) + "]"), "51 tags; an"),
    ("tags-2000.md", front("title: x\ntags: [" + ", ".join(f"标签{n}" for n in range(2000)) + "]"), "2000 tags"),
    # series and its order
    ("series-list.md", front("title: x\nseries: [a]"), "'series' must be text"),
    ("series-long.md", front("title: x\nseries: " + "s" * 201), "longer than 200"),
    ("order-negative.md", bad("title: x\nseries_order: -1"), "'series_order' must be a whole number"),
    ("order-text.md", bad("title: x\nseries_order: first"), "'series_order' must be a whole number"),
    ("order-float.md", bad("title: x\nseries_order: 1.5"), "'series_order' must be a whole number"),
    ("order-bool.md", bad("title: x\nseries_order: true"), "'series_order' must be a whole number"),
    ("order-huge.md", bad("title: x\nseries_order: 2147483648"), "'series_order' must be a whole number"),
    ("order-list.md", bad("title: x\nseries_order: [1]"), "'series_order' must be a whole number"),
    # draft, author, summary
    ("draft-word.md", bad("title: x\ndraft: maybe"), "'draft' must be true or false"),
    ("draft-number.md", bad("title: x\ndraft: 1"), "'draft' must be true or false"),
    ("draft-list.md", bad("title: x\ndraft: []"), "'draft' must be true or false"),
    ("author-space.md", front("title: x\nauthor: bob smith"), "bad author"),
    ("author-markup.md", front("title: x\nauthor: <b>"), "bad author"),
    ("author-long.md", front("title: x\nauthor: " + "a" * 151), "longer than 150"),
    ("author-list.md", front("title: x\nauthor: [a]"), "'author' must be text"),
    ("summary-dict.md", bad("title: x\nsummary: {a: b}"), "'summary' must be text"),
    # Markdown the pipeline refuses
    ("body-too-deep.md", bad("title: Too deep", TOO_DEEP), "nested too deeply"),
    ("body-brackets.md", bad("title: Brackets", "[" * 60 + "x\n"), "nested too deeply"),
    ("body-stars.md", bad("title: Stars", "*" * 250 + "x\n"), "nested too deeply"),
    ("summary-too-deep.md", bad("title: Deep summary\nsummary: '" + "*" * 250 + "'"), "nested too deeply"),
    ("body-too-large.md", bad("title: Big", "长" * 90_000), "The body is 264 KB; the limit is 256 KB"),
    ("summary-too-large.md", bad("title: x\nsummary: " + "s" * 5000), "The summary is 5 KB; the limit is 4 KB"),
    # not text at all
    ("nul.md", b"---\ntitle: x\n---\nbody\x00more", "binary data"),
    ("png.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    ("zip.md", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary data"),
    ("elf.md", b"\x7fELF\x02\x01\x01\x00", "binary data"),
    ("random.md", bytes(random.Random(7).randrange(256) for _ in range(4096)), "not UTF-8"),
    # wrong encodings
    ("utf16.md", good(1).replace("good-1", "utf16").encode("utf-16"), "binary data"),
    ("utf16be.md", "---\ntitle: x\n---\n".encode("utf-16-be"), "binary data"),
    ("latin1.md", front("title: café").encode("latin-1"), "not UTF-8"),
    ("gbk.md", front("title: 卷积神经网络").encode("gbk"), "not UTF-8"),
    ("shift-jis.md", front("title: 日本語のノート").encode("shift_jis"), "not UTF-8"),
    ("big5.md", front("title: 繁體中文").encode("big5"), "not UTF-8"),
    ("cp1252.md", front("title: “smart” quotes").encode("cp1252"), "not UTF-8"),
    ("truncated-utf8.md", front("title: x").encode() + "卷".encode()[:2], "not UTF-8"),
    ("overlong-utf8.md", front("title: x").encode() + b"\xc0\xaf", "not UTF-8"),
    ("surrogate-utf8.md", front("title: x").encode() + b"\xed\xa0\x80", "not UTF-8"),
    ("invalid-start.md", b"\xff\xfe\xfd---\ntitle: x\n---\n", "not UTF-8"),
    # too large
    ("huge.md", front("title: Huge", "x" * (5 * 1024 * 1024 + 1)), "larger than 5 MB"),
]


def write(folder, name, content):
    path = Path(folder) / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def run(*paths):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_markdown", *map(str, paths), stdout=out, stderr=err)
        return True, out.getvalue(), err.getvalue()
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)


def test_there_are_a_hundred_kinds_of_broken_file():
    assert len(BROKEN) >= 100
    assert len({name for name, _, _ in BROKEN}) == len(BROKEN)


def test_good_files_are_imported_and_every_broken_one_is_reported_with_its_reason(tmp_path):
    folder = tmp_path / "notes"
    (folder / "nested").mkdir(parents=True)
    goods = [write(folder / ("nested" if n % 2 else ""), f"good-{n}.md", good(n)) for n in range(1, 9)]
    for name, content, _ in BROKEN:
        write(folder, name, content)
    write(folder, "zz-dup-of-good-2.md", bad("title: Another\nslug: good-2"))  # a slug taken in this run
    ok, out, err = run(folder)

    assert not ok
    total = len(goods) + len(BROKEN) + 1
    assert f"Imported {len(goods)} of {total} files: {len(goods)} created, 0 updated, {len(BROKEN) + 1} failed." in err
    reported = dict(line.split(": ", 1) for line in err.splitlines() if line.startswith(str(folder)))
    reported = {Path(path).name: reason for path, reason in reported.items()}
    missing = {name: why for name, _, why in BROKEN if why not in reported.get(name, "")}
    assert missing == {}, {name: reported.get(name) for name in missing}
    assert "already used by" in reported["zz-dup-of-good-2.md"]

    # Every good file in full, nothing of any broken one.
    assert sorted(Article.objects.values_list("slug", flat=True)) == sorted(f"good-{n}" for n in range(1, 9))
    assert Article.objects.get(slug="good-2").title == "好文章 2"
    assert Revision.objects.count() == len(goods)
    assert list(Series.objects.values_list("title", flat=True)) == ["Good series"]
    assert not Tag.objects.filter(name="poison-tag").exists()
    assert not get_user_model().objects.filter(username="poison_author").exists()


def test_a_file_failing_while_it_is_saved_leaves_nothing_behind(tmp_path, monkeypatch):
    """A database error after the series, author and article rows were written rolls them all back."""
    from articles.models import revisions
    from articles.transfer import importer

    def failing_record(article, **kwargs):
        raise importer.BadFile("the database refused the revision")

    write(tmp_path, "a.md", bad("title: Half saved\nslug: half-saved"))
    monkeypatch.setattr(revisions, "record", failing_record)
    ok, _, err = run(tmp_path)
    assert not ok and "the database refused the revision" in err
    assert not Article.objects.exists() and not Series.objects.exists() and not Tag.objects.exists()
    assert not get_user_model().objects.filter(username="poison_author").exists()


def test_text_fields_keep_what_was_written_where_yaml_would_read_a_boolean_or_number(tmp_path):
    fields = "title: Yes\nslug: yes-no\ntags: [no, 1.10, 007, CNN]\nseries: 2.50\nsummary: on\nauthor: 007"
    write(tmp_path, "a.md", front(fields))
    assert run(tmp_path)[0]
    article = Article.objects.get(slug="yes-no")
    assert (article.title, article.series.title, article.summary) == ("Yes", "2.50", "on")
    assert sorted(article.tags.names()) == sorted(["no", "1.10", "007", "CNN"])
    assert article.author.username == "007"
