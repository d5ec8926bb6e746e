"""`manage.py backup` and `manage.py restore` (`make backup`, `make restore`): a site restored
into an empty database is the site that was backed up, page for page."""

from io import StringIO
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from articles import search_index
from articles.models import Article, Series, Tag
from articles.revisions import Revision

from .factories import make_article, make_draft

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
    from articles import revisions

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
