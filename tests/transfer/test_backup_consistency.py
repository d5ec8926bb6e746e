"""A backup taken while authors save is one moment of the site, and it restores.

Writers on database connections of their own (threads on PostgreSQL; processes on an SQLite
file, since the in-memory test database locks tables rather than keeping snapshots) create
tagged articles with revisions, edit tags and delete articles for as long as
`manage.py backup` runs. Read model after model (PostgreSQL's READ COMMITTED), the dump held
tags and revisions of articles it did not hold, and `restore` died with an IntegrityError;
read in one snapshot, every row the dump holds refers to rows it holds, the counts printed
are the file's own, and the dump restores into an empty database row for row.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import OperationalError, close_old_connections, connection, transaction

from articles.models import Article, revisions
from articles.search import index as search_index
from tests.factories import make_article
from tests.serving import ROOT

SEED_ARTICLES = 150
WRITERS = 3


def seed():
    with transaction.atomic():  # one commit: an SQLite file syncs the disk on each
        for n in range(SEED_ARTICLES):
            article = make_article(title=f"Seed {n}", body=f"Seed body {n}. " * 40, tags=[f"seed-{n % 7}", "seed"])
            revisions.record(article, note="seed")


class Writer(threading.Thread):
    """An author saving as fast as the database lets them, until told to stop."""

    def __init__(self, number):
        super().__init__(daemon=True)
        self.number = number
        self.stop = threading.Event()
        self.commits = []  # time.monotonic() of each committed save
        self.errors = []
        self.waits = 0  # SQLite: saves tried again after waiting past the busy timeout

    def run(self):
        step = 0
        try:
            while not self.stop.is_set():
                step += 1
                try:
                    self.save(step)
                except OperationalError as error:
                    # SQLite lets one writer in at a time, and with a rollback journal none
                    # commits while the backup reads: past the busy timeout, "locked". Counted,
                    # and tried again. (PostgreSQL: any error fails the test.)
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    self.waits += 1
                    time.sleep(0.01)
                    continue
                self.commits.append(time.monotonic())
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(error))
        finally:
            close_old_connections()
            connection.close()

    def save(self, step):
        with transaction.atomic():
            if step % 5 == 0:
                # Delete an article of this writer: its revisions stay (SET NULL), its tags go.
                victim = Article.objects.filter(title__startswith=f"Writer {self.number} ").order_by("pk").first()
                if victim is not None:
                    revisions.record(victim, deleted=True)
                    victim.delete()
                return
            article = make_article(
                title=f"Writer {self.number} step {step}",
                body=f"Saved while a backup runs ({step}).",
                tags=[f"writer-{self.number}", f"writer-{self.number}-step-{step}"],
            )
            revisions.record(article, note="first")
            article.tags.add(f"writer-{self.number}-later-{step}")
            article.body += " Second version."
            article.save()
            revisions.record(article, note="second")


def dump_rows(folder):
    return json.loads((folder / "database.json").read_text(encoding="utf-8"))


def dangling(rows):
    """Rows of the dump that refer to an article the dump does not hold."""
    articles = {row["pk"] for row in rows if row["model"] == "articles.article"}
    return [
        (row["model"], row["pk"])
        for row in rows
        if (row["model"] == "articles.taggedarticle" and row["fields"]["content_object"] not in articles)
        or (row["model"] == "articles.revision" and row["fields"]["article"] not in (None, *articles))
    ]


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_authors_save_is_one_moment_and_restores(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("writer threads need PostgreSQL; on SQLite the test with writer processes runs instead")
    seed()
    writers = [Writer(number) for number in range(WRITERS)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while not all(writer.commits for writer in writers) and time.monotonic() < deadline:
        assert not any(writer.errors for writer in writers), [writer.errors for writer in writers]
        time.sleep(0.01)
    assert all(writer.commits for writer in writers), "the writers never saved"

    out = StringIO()
    started = time.monotonic()
    try:
        call_command("backup", str(tmp_path / "backup"), stdout=out)
    finally:
        finished = time.monotonic()
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=30)
    assert [writer.errors for writer in writers] == [[]] * WRITERS
    # The writers really saved while the dump was being read.
    during = sum(started < moment < finished for writer in writers for moment in writer.commits)
    assert during > 0, "no writer committed during the backup: the test proved nothing"

    rows = dump_rows(tmp_path / "backup")
    held = Counter(row["model"] for row in rows)
    assert dangling(rows) == []
    assert held["articles.article"] > SEED_ARTICLES
    assert len(list((tmp_path / "backup" / "markdown").glob("*.md"))) == held["articles.article"]
    # The summary line counts what the file holds, not what the database holds afterwards.
    summary = out.getvalue().strip()
    assert summary.startswith(
        f"Backed up {held['articles.article']} articles, {held['articles.revision']} revisions, "
        f"{held['auth.user']} users "
    ), summary

    call_command("flush", interactive=False, verbosity=0)
    search_index.clear()
    out = StringIO()
    call_command("restore", str(tmp_path / "backup"), stdout=out)
    assert out.getvalue().strip().startswith(f"Restored {held['articles.article']} articles, ")
    for label in held:
        model = apps.get_model(label)
        restored = set(model._base_manager.values_list("pk", flat=True))
        assert restored == {row["pk"] for row in rows if row["model"] == label}, label
    assert Article.objects.filter(title__startswith="Writer ").exists()


WRITER_PROCESS = """
import os, pathlib, time
from tests.transfer.test_backup_consistency import Writer

writer = Writer(int(os.environ["KB_WRITER"]))
writer.start()
stop = pathlib.Path(os.environ["KB_WRITER_STOP"])
while not stop.exists() and writer.is_alive():
    time.sleep(0.02)
writer.stop.set()
writer.join()
print(len(writer.commits), writer.waits, writer.errors)
"""


def manage(env, *command, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert not check or result.returncode == 0, result.stdout + result.stderr
    return result


def sqlite_env(path, tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "KB_TEST_DATABASE_NAME"}
    env.update(DATABASE_URL=f"sqlite:///{path}", MEDIA_ROOT=str(tmp_path / "media"), DEBUG="true")
    return env


def pks(path, label):
    model = apps.get_model(label)
    with closing(sqlite3.connect(path)) as database:
        rows = database.execute(f'SELECT "{model._meta.pk.column}" FROM "{model._meta.db_table}"').fetchall()
    return {pk for (pk,) in rows}


def test_on_sqlite_a_backup_taken_while_writer_processes_save_restores(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: on PostgreSQL the test with writer threads runs")
    site, copy = tmp_path / "site.sqlite3", tmp_path / "restored.sqlite3"
    env = sqlite_env(site, tmp_path)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-c", "from tests.transfer.test_backup_consistency import seed; seed()")
    stop = tmp_path / "stop"
    writers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", WRITER_PROCESS],
            cwd=ROOT,
            env={**env, "KB_WRITER": str(number), "KB_WRITER_STOP": str(stop)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for number in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(pks(site, "articles.article")) <= SEED_ARTICLES and time.monotonic() < deadline:
            time.sleep(0.05)
        backup = manage(env, "backup", str(tmp_path / "backup"))
    finally:
        stop.touch()
        reports = [writer.communicate(timeout=60)[0] for writer in writers]
    assert all(report.strip().endswith("[]") for report in reports), reports  # no writer failed
    rows = dump_rows(tmp_path / "backup")
    held = Counter(row["model"] for row in rows)
    assert dangling(rows) == [] and held["articles.article"] > SEED_ARTICLES
    assert backup.stdout.strip().startswith(f"Backed up {held['articles.article']} articles, ")
    assert len(pks(site, "articles.article")) > held["articles.article"]  # the writers went on after

    # The site's own database is not empty: refused, on one line, as manage.py prints it.
    refused = manage(env, "restore", str(tmp_path / "backup"), check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("CommandError: Restore failed: the database is not empty (")

    copy_env = sqlite_env(copy, tmp_path)
    manage(copy_env, "migrate", "--noinput", "-v", "0")
    restored = manage(copy_env, "restore", str(tmp_path / "backup"))
    assert restored.stdout.strip().startswith(f"Restored {held['articles.article']} articles, ")
    for label in held:
        assert pks(copy, label) == {row["pk"] for row in rows if row["model"] == label}, label
