"""`manage.py backup` and `manage.py restore` (`make backup`, `make restore`): a site restored
into an empty database is the site that was backed up, page for page."""

import json
import shutil
from io import StringIO
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from articles.models import Article, Series, Tag
from articles.models.revisions import Revision
from articles.search import index as search_index
from tests.factories import make_article, make_draft
from tests.stored_dates import store_unreadable_date

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "images" / "2026" / "11").mkdir(parents=True)
    (settings.MEDIA_ROOT / "images" / "2026" / "11" / "figure.png").write_bytes(b"\x89PNG picture bytes")
    return settings.MEDIA_ROOT


def build_site():
    call_command("load_demo", verbosity=0)
    User = get_user_model()
    carol = User.objects.create_user("carol", password="pw-carol-123", is_staff=True)
    carol.groups.add(Group.objects.get(name="Authors"))
    article = make_article(title="备份与恢复", body="第一版 $x^2$", tags=["可靠", "Backup"], author=carol)
    article.body = "第二版 $x^3$ restoredword"
    article.save()
    from articles.models import revisions

    revisions.record(article, carol, note="second")
    make_draft(title="草稿", body="未发表")
    Tag.objects.get(name="Backup").delete()  # a tag gone, its articles kept


def pages():
    """Every public page of the site as a reader gets it."""
    client = Client()
    paths = ["/", "/?page=2", "/tags/", "/series/", "/feed/", "/sitemap.xml", "/robots.txt"]
    paths += [article.get_absolute_url() for article in Article.objects.published()]
    paths += [tag.get_absolute_url() for tag in Tag.objects.all()]
    paths += [series.get_absolute_url() for series in Series.objects.all()]
    paths += [f"/search/?q={quote(word)}" for word in ["restoredword", "注意力", "attention"]]
    return {path: (response.status_code, response.content) for path in paths if (response := client.get(path))}


def rows():
    """What the admin holds beyond the pages: revisions, drafts, users and their groups."""
    User = get_user_model()
    return (
        sorted(Revision.objects.values_list("article_key", "number", "title", "body", "note", "saved_by__username")),
        sorted(Article.objects.values_list("slug", "status", "body_html", "published_at", "updated_at")),
        sorted(User.objects.values_list("username", "password", "is_staff", "is_active")),
        sorted(User.groups.through.objects.values_list("user__username", "group__name")),
    )


def empty_the_database():
    call_command("flush", interactive=False, verbosity=0)
    search_index.clear()
    assert not Article.objects.exists() and not get_user_model().objects.exists()


def test_a_restored_site_is_the_site_that_was_backed_up(tmp_path, media):
    build_site()
    before_pages, before_rows = pages(), rows()
    assert len(before_pages) > 20 and b"restoredword" in before_pages["/search/?q=restoredword"][1]

    out = StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out)
    articles = Article.objects.count()
    assert out.getvalue().strip().startswith(f"Backed up {articles} articles, ")
    assert len(list((tmp_path / "backup" / "markdown").glob("*.md"))) == articles
    assert (tmp_path / "backup" / "media" / "images" / "2026" / "11" / "figure.png").is_file()

    empty_the_database()
    (media / "images" / "2026" / "11" / "figure.png").unlink()
    out = StringIO()
    call_command("restore", str(tmp_path / "backup"), stdout=out)
    assert out.getvalue().strip().startswith(f"Restored {articles} articles, ")

    assert rows() == before_rows
    after_pages = pages()
    assert sorted(after_pages) == sorted(before_pages)
    changed = [path for path in before_pages if after_pages[path] != before_pages[path]]
    assert changed == []
    assert (media / "images" / "2026" / "11" / "figure.png").read_bytes() == b"\x89PNG picture bytes"
    assert Client().login(username="carol", password="pw-carol-123")


def test_restore_refuses_a_database_that_is_not_empty_and_a_folder_that_is_no_backup(tmp_path, media):
    make_article(title="在用")
    call_command("backup", str(tmp_path / "b"), stdout=StringIO())
    with pytest.raises(CommandError, match=r"not empty \(1 articles"):
        call_command("restore", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="holds no database.json"):
        call_command("restore", str(tmp_path))
    with pytest.raises(CommandError, match="is not empty: back up into a new folder"):
        call_command("backup", str(tmp_path / "b"))
    assert connection.vendor in {"sqlite", "postgresql"}


def one_line_error(command, *args):
    """The CommandError `command` ends with: what `manage.py` prints, on one line."""
    with pytest.raises(CommandError) as raised:
        call_command(command, *args, stdout=StringIO())
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message


def test_a_backup_is_readable_by_its_owner_only(tmp_path, media):
    make_article(title="私密", tags=["x"])
    get_user_model().objects.create_user("dora", password="pw-dora-12345")
    call_command("backup", str(tmp_path / "backups" / "now"), stdout=StringIO())
    folder = tmp_path / "backups" / "now"
    paths = [folder, *folder.rglob("*")]
    assert {path.name for path in folder.iterdir()} == {"database.json", "markdown", "media"}
    assert "pbkdf2_sha256$" in (folder / "database.json").read_text(encoding="utf-8")
    modes = {path.relative_to(folder).as_posix(): oct(path.stat().st_mode & 0o777) for path in paths}
    assert {mode for path, mode in modes.items() if (folder / path).is_dir()} == {"0o700"}, modes
    assert {mode for path, mode in modes.items() if (folder / path).is_file()} == {"0o600"}, modes
    assert [path.name for path in (tmp_path / "backups").iterdir()] == ["now"]  # no temporary left

    # Restored images are the site's again, readable by the web server (not 0600).
    empty_the_database()
    (media / "images" / "2026" / "11" / "figure.png").unlink()
    call_command("restore", str(folder), stdout=StringIO())
    assert (media / "images" / "2026" / "11" / "figure.png").stat().st_mode & 0o044


@pytest.mark.parametrize(
    "failure",
    [OSError(28, "No space left on device"), OverflowError("date value out of range"), RuntimeError("bug")],
    ids=["disk-full", "overflow", "anything"],
)
def test_a_failed_backup_leaves_nothing_and_says_why_on_one_line(tmp_path, media, monkeypatch, failure):
    for n in range(3):
        make_article(title=f"文章 {n}")
    written = []

    def export_then_fail(folder, queryset=None):
        (folder).mkdir()
        (folder / "half.md").write_text("---\ntitle: half\n---\n", encoding="utf-8")
        written.append(folder)
        raise failure

    monkeypatch.setattr("articles.transfer.backup.export_all", export_then_fail)
    message = one_line_error("backup", str(tmp_path / "backups" / "b"))
    assert message.startswith("Backup failed, nothing written: ")
    assert failure.args[-1] in message
    assert written and not written[0].exists()
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_backup_into_an_existing_empty_folder_fills_it_whole_or_not_at_all(tmp_path, media, monkeypatch):
    make_article(title="挂载点")
    mount = tmp_path / "mount"  # say, an empty disk mounted for backups
    mount.mkdir(mode=0o755)
    call_command("backup", str(mount), stdout=StringIO())
    assert sorted(path.name for path in mount.iterdir()) == ["database.json", "markdown", "media"]
    assert oct(mount.stat().st_mode & 0o777) == "0o700"
    assert oct((mount / "database.json").stat().st_mode & 0o777) == "0o600"

    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setattr("articles.transfer.backup.check_dump", lambda *args, **kwargs: 1 / 0)
    message = one_line_error("backup", str(other))
    assert message == "Backup failed, nothing written: ZeroDivisionError: division by zero"
    assert list(other.iterdir()) == []


def test_a_stored_date_out_of_range_fails_the_backup_on_one_line_and_leaves_nothing(tmp_path, media):
    make_article(title="Fine")
    broken = make_article(title="Year one", slug="year-one")
    undo = store_unreadable_date(broken)
    try:
        message = one_line_error("backup", str(tmp_path / "backups" / "b"))
    finally:
        undo()
    assert message.startswith("Backup failed, nothing written: ")
    if connection.vendor == "sqlite":
        assert f"cannot export article year-one (pk={broken.pk})" in message
    else:
        assert "cannot read articles.article" in message
    assert list((tmp_path / "backups").iterdir()) == []


def damage(folder, change):
    """Apply `change` to the rows of the dump in `folder`, written back as JSON."""
    path = folder / "database.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(change(rows) or rows), encoding="utf-8")


def first(rows, model):
    return next(row for row in rows if row["model"] == model)


def without_an_article_with_tags(rows):
    tagged = first(rows, "articles.taggedarticle")["fields"]["content_object"]
    return [row for row in rows if not (row["model"] == "articles.article" and row["pk"] == tagged)]


def set_field(model, name, value):
    def change(rows):
        first(rows, model)["fields"][name] = value

    return change


def a_revision_twice(rows):
    revision = first(rows, "articles.revision")
    return [*rows, {**revision, "pk": revision["pk"] + 1000}]


DAMAGES = [
    ("cut off", lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]), "is damaged: "),
    ("not UTF-8", lambda path: path.write_bytes(b"\xff\xfe[\x00"), "is not UTF-8 text"),
    ("not a dump", lambda path: path.write_text('{"rows": []}'), "is JSON but not a database dump"),
    (
        "unknown model",
        lambda path: damage(path.parent, lambda rows: [{"model": "shop.order", "fields": {}}]),
        "'shop.order', which this site does not have",
    ),
    (
        "unknown field",
        lambda path: damage(path.parent, set_field("articles.article", "colour", "red")),
        "articles.article pk=",
    ),
    (
        "missing article",
        lambda path: damage(path.parent, without_an_article_with_tags),
        "refers in content_object to articles.article",
    ),
    (
        "year one",
        lambda path: damage(path.parent, set_field("articles.article", "published_at", "0001-01-01T00:00:00+08:00")),
        "field published_at: The published_at 0001-01-01 00:00+08:00 is outside the range",
    ),
    (
        "year 9999",
        lambda path: damage(path.parent, set_field("articles.revision", "saved_at", "9999-12-31T23:59:59+00:00")),
        "articles.revision pk=",
    ),
    (
        "no such date",
        lambda path: damage(path.parent, set_field("articles.article", "updated_at", "2025-02-30T10:00:00+08:00")),
        "field updated_at: ",
    ),
    (
        "date not text",
        lambda path: damage(path.parent, set_field("articles.article", "published_at", [2025, 1, 1])),
        "field published_at: [2025, 1, 1] is not a date",
    ),
    (
        "nested key",
        lambda path: damage(path.parent, set_field("articles.taggedarticle", "tag", [["a"]])),
        "refers in tag to articles.tag [['a']]",
    ),
    (
        "not null",
        lambda path: damage(path.parent, set_field("articles.article", "title", None)),
        "Could not load articles.Article(pk=",
    ),
    ("duplicate revision", lambda path: damage(path.parent, a_revision_twice), "Could not load articles.Revision(pk="),
]


def test_restore_refuses_a_bad_backup_on_one_line_naming_the_row_and_restores_nothing(tmp_path, media):
    article = make_article(title="有标签", tags=["a", "b"])
    from articles.models import revisions

    revisions.record(article, note="first")
    call_command("backup", str(tmp_path / "good"), stdout=StringIO())
    empty_the_database()
    messages = {}
    for name, change, expected in DAMAGES:
        folder = tmp_path / name.replace(" ", "-")
        shutil.copytree(tmp_path / "good", folder)
        change(folder / "database.json")
        messages[name] = one_line_error("restore", str(folder))
        assert messages[name].startswith("Restore failed: ") and expected in messages[name], messages[name]
        assert not Article.objects.exists() and not Revision.objects.exists(), name
        assert not get_user_model().objects.exists() and not Tag.objects.exists(), name
    call_command("restore", str(tmp_path / "good"), stdout=StringIO())  # the good one still restores
    assert Article.objects.get().title == "有标签"
