"""Importing honours the file's dates: `updated` is `date` when absent, and no import invents "now".

A file without any date: a new article gets the time of its import (there is nothing else);
importing it again keeps the article's dates, however its text changed.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import Article
from articles.transfer.importer import import_paths

pytestmark = pytest.mark.django_db

MARCH_1 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 2025-03-01T10:00:00+08:00
MARCH_5 = datetime(2025, 3, 4, 16, 0, tzinfo=UTC)  # 2025-03-05 in the site's time zone (+08:00)


def import_file(folder, front, body):
    path = Path(folder) / "note.md"
    path.write_text(f"---\ntitle: Dates\nslug: dates\n{front}---\n{body}\n", encoding="utf-8")
    report = import_paths([path])
    assert not report.failed, report.failed
    return Article.objects.get(slug="dates")


def test_a_changed_file_imported_again_keeps_the_dates_it_states(tmp_path):
    front = "date: 2025-03-01T10:00:00+08:00\nupdated: 2025-03-05\n"
    first = import_file(tmp_path, front, "First text.")
    assert (first.published_at, first.updated_at) == (MARCH_1, MARCH_5)
    again = import_file(tmp_path, front, "Changed text.")
    assert "Changed text" in again.body_html
    assert (again.published_at, again.updated_at) == (MARCH_1, MARCH_5)  # not the time of the import


def test_without_updated_the_update_time_is_the_date_on_every_import(tmp_path):
    front = "date: 2025-03-01T10:00:00+08:00\n"
    assert import_file(tmp_path, front, "First text.").updated_at == MARCH_1
    Article.objects.filter(slug="dates").update(updated_at=MARCH_5)  # edited in the admin since
    again = import_file(tmp_path, front, "Changed text.")
    assert (again.published_at, again.updated_at) == (MARCH_1, MARCH_1)


def test_a_new_file_without_dates_gets_the_import_time_and_keeps_it_when_imported_again(tmp_path):
    before = timezone.now()
    first = import_file(tmp_path, "", "First text.")
    assert before <= first.published_at <= timezone.now()
    assert first.updated_at == first.published_at
    earlier = datetime(2024, 6, 1, tzinfo=UTC)
    Article.objects.filter(slug="dates").update(published_at=earlier, updated_at=earlier + timedelta(days=2))
    again = import_file(tmp_path, "", "Changed text.")
    assert "Changed text" in again.body_html
    assert (again.published_at, again.updated_at) == (earlier, earlier + timedelta(days=2))


def test_a_draft_without_dates_is_unpublished_and_keeps_its_update_time(tmp_path):
    before = timezone.now()
    first = import_file(tmp_path, "draft: true\n", "Draft text.")
    assert first.published_at is None and before <= first.updated_at <= timezone.now()
    earlier = datetime(2024, 6, 1, tzinfo=UTC)
    Article.objects.filter(slug="dates").update(updated_at=earlier)
    again = import_file(tmp_path, "draft: true\n", "Changed draft.")
    assert again.published_at is None and again.updated_at == earlier


def test_a_new_file_with_only_updated_is_taken_as_published_then(tmp_path):
    article = import_file(tmp_path, "updated: 2025-03-05\n", "Text.")
    assert (article.published_at, article.updated_at) == (MARCH_5, MARCH_5)
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_a_new_date_in_the_file_moves_the_article(tmp_path):
    import_file(tmp_path, "date: 2025-03-01T10:00:00+08:00\n", "Text.")
    again = import_file(tmp_path, "date: 2025-03-05\nupdated: 2025-03-05\n", "Text.")
    assert (again.published_at, again.updated_at) == (MARCH_5, MARCH_5)
