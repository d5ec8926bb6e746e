import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: `default` keeps the suite fast and the same on every run (CI);
# `explore` (HYPOTHESIS_PROFILE=explore) searches long and at random, for development.
settings.register_profile(
    "default", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw-editor-123", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _the_default_language_for_each_test():
    """Every test starts in the default language, as every new process does.

    A request in Chinese leaves its language active in the thread (LocaleMiddleware
    activates it and nothing resets it), so a later test calling code directly (a
    management command, a form) would read Chinese messages depending on test order.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module.

    Skipped, with a plain message, where /usr/bin/chromium is missing; a failure instead
    where REQUIRE_BROWSER is set (CI, whose .ci/run installs Chromium).
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: browser tests skipped (apt-get install chromium to run them)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message + ", but REQUIRE_BROWSER is set")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # tests themselves are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# Fixtures that start server processes themselves: a test using one is a `servers` test.
SERVER_FIXTURES = {"served_sqlite"}  # tests/served_admin.py: gunicorn on its own SQLite file


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SERVER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.servers)
    leave_out_what_cannot_differ_on_postgresql(config, items)


# A test touches the session's database only through one of these (pytest-django's own;
# django_db_blocker is not one: pytest-django's autouse fixtures request it for every test).
DATABASE_FIXTURES = {
    "_django_db_helper",
    "db",
    "transactional_db",
    "django_db_setup",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}
MARKUP_TESTS = Path(__file__).resolve().parent / "markup"
LEFT_OUT_ON_POSTGRESQL = []


def uses_the_database(item):
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & set(item.fixturenames))


def cannot_differ_by_database(item):
    """A test whose outcome DATABASE_URL cannot change: it never touches the session's database,
    and it is a pure function of markup/, a browser-only check, or marked `no_db_difference`."""
    if uses_the_database(item):
        return False
    return (
        MARKUP_TESTS in Path(item.path).resolve().parents
        or item.get_closest_marker("browser") is not None
        or item.get_closest_marker("no_db_difference") is not None
    )


def leave_out_what_cannot_differ_on_postgresql(config, items):
    """The PostgreSQL pass runs only the tests the database can change; the SQLite pass runs all.

    They are deselected rather than skipped, so that `-rs` does not list hundreds of them one by
    one; the count and the reason are one line before and after the run. KB_TEST_EVERYTHING=1
    runs everything on PostgreSQL too.
    """
    from django.db import connection

    if connection.vendor != "postgresql" or os.environ.get("KB_TEST_EVERYTHING"):
        return
    left_out = [item for item in items if cannot_differ_by_database(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        kept = set(items) - set(left_out)
        items[:] = [item for item in items if item in kept]
        LEFT_OUT_ON_POSTGRESQL.extend(left_out)


def left_out_message():
    return (
        f"PostgreSQL pass: {len(LEFT_OUT_ON_POSTGRESQL)} tests not run (deselected) because they cannot differ by "
        "database: none uses the database, and each is a pure function of markup/, a browser-only check or marked "
        "no_db_difference. The SQLite pass runs them; KB_TEST_EVERYTHING=1 runs them here too."
    )


def pytest_report_collectionfinish(config, start_path, items):
    if LEFT_OUT_ON_POSTGRESQL:
        return left_out_message()


def pytest_terminal_summary(terminalreporter):
    if LEFT_OUT_ON_POSTGRESQL:
        terminalreporter.write_line(left_out_message())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of `item` starts: tests/serving.py's start() checks the `servers` mark."""
    from tests import serving

    serving.current_test = item
