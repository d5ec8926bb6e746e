"""Health and failure: /healthz, the 503 page while the database is down, recovery, logs."""

import json
import logging
import subprocess
import sys

import pytest
from django.db import OperationalError
from django.test import Client

from articles.reading import views
from kb import health
from kb.logs import JsonFormatter
from tests.own_postgres import OwnPostgres
from tests.serving import ROOT, fetch, free_port, production_env, read_output, start, stop, wait_for


class Unreachable:
    """Stands in for the database connection: every attempt to use it fails."""

    def cursor(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def reader():
    # The test client re-raises view exceptions by default; a reader's browser sees the response.
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"database unavailable: OperationalError\n"


def fail_listing(exception):
    def get_queryset(self):
        raise exception

    return get_queryset


@pytest.mark.django_db
def test_pages_answer_the_sites_503_page_while_the_database_is_unreachable(reader, monkeypatch, caplog):
    monkeypatch.setattr(views.FeedView, "get_queryset", fail_listing(OperationalError("server closed the connection")))
    response = reader.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "<h1" in page and "Temporarily unavailable" in page and "Traceback" not in page
    [error] = [record for record in caplog.records if record.name == "django.request"]
    assert error.levelno == logging.ERROR and error.exc_info[0] is OperationalError


@pytest.mark.django_db
def test_other_errors_are_still_the_500_page(reader, monkeypatch):
    monkeypatch.setattr(views.FeedView, "get_queryset", fail_listing(ValueError("a bug")))
    response = reader.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode() and "a bug" not in response.content.decode()


@pytest.mark.django_db
def test_one_log_line_per_request_with_method_path_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="kb.requests")
    client.get("/healthz")
    client.get("/articles/no-such-article/")
    lines = [record for record in caplog.records if record.name == "kb.requests"]
    assert [(r.method, r.path, r.status) for r in lines] == [
        ("GET", "/healthz", 200),
        ("GET", "/articles/no-such-article/", 404),
    ]
    assert all(isinstance(r.duration_ms, float) and r.duration_ms >= 0 for r in lines)
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["logger"] == "kb.requests" and entry["status"] == 200 and "duration_ms" in entry
    assert entry["message"].startswith("GET /healthz 200 ")


def test_errors_are_logged_as_one_json_line_with_their_traceback():
    try:
        raise OperationalError("could not connect")
    except OperationalError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Service Unavailable: /", (), None)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["message"] == "Service Unavailable: /"
    assert entry["traceback"].startswith("Traceback (most recent call last)")
    assert "OperationalError: could not connect" in entry["traceback"]


def test_a_hostile_host_header_is_one_log_line_without_a_traceback(client, caplog):
    caplog.set_level(logging.INFO)
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    [record] = [record for record in caplog.records if record.name.startswith("django.security")]
    entry = json.loads(JsonFormatter().format(record))
    assert "evil.example" in entry["message"] and "traceback" not in entry


@pytest.fixture(scope="module")
def own_postgres():
    server = OwnPostgres()
    try:
        server.init().start()
        server.create_database("kb")
        yield server
    finally:
        server.remove()


@pytest.mark.servers
@pytest.mark.no_db_difference  # its own PostgreSQL server, whatever DATABASE_URL says
def test_site_answers_503_while_postgres_is_stopped_and_recovers_by_itself(own_postgres, tmp_path):
    port = free_port()
    env = production_env(
        DATABASE_URL=own_postgres.url("kb"),
        STATIC_ROOT=str(tmp_path / "static"),
        CONN_MAX_AGE="60",  # a kept connection that the outage breaks: recovery must not depend on a fresh one
    )
    for command in (["migrate", "--noinput"], ["load_demo"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    server = start(gunicorn, env, tmp_path / "gunicorn.log")
    article = "/articles/flashattention-online-softmax/"
    try:
        wait_for(port, "/healthz", process=server)
        assert fetch(port, "/")[0] == 200 and fetch(port, article)[0] == 200

        own_postgres.stop()
        status, _, body = fetch(port, "/healthz")
        assert status == 503 and body.startswith(b"database unavailable")
        for path in ["/", article]:
            status, headers, body = fetch(port, path)
            assert status == 503 and headers["Retry-After"] == "30", path
            assert b"Temporarily unavailable" in body and b"Traceback" not in body, path

        own_postgres.start()
        wait_for(port, "/", status=200, seconds=30, process=server)
        assert fetch(port, article)[0] == 200 and fetch(port, "/healthz")[0] == 200

        entries = [json.loads(line) for line in read_output(server).splitlines() if line.startswith("{")]
        requests = [(e["path"], e["status"]) for e in entries if e["logger"] == "kb.requests"]
        assert ("/", 503) in requests and (article, 503) in requests and requests[-1] == ("/healthz", 200)
        errors = {e["message"]: e for e in entries if e["level"] == "ERROR" and e["logger"] == "django.request"}
        for path in ["/", article]:
            assert "OperationalError" in errors[f"Service Unavailable: {path}"]["traceback"]
    finally:
        stop(server)
