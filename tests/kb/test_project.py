"""Project-wide guards: migrations, settings, static assets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_no_pending_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def start_django(**env):
    """Import the settings in a fresh process with `env`; return (exit code, stderr)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="kb.settings")
    process = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return process.returncode, process.stderr


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY, ALLOWED_HOSTS and SITE_URL"),
        ({"DEBUG": "false", "SITE_URL": "https://kb.example.org"}, "SECRET_KEY and ALLOWED_HOSTS"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50, "SITE_URL": "https://kb.example.org"}, "ALLOWED_HOSTS"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "kb.example.org", "SITE_URL": "https://kb.example.org"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kb.example.org"}, "SITE_URL"),
    ],
)
def test_production_settings_refuse_to_start_without_secrets(env, missing):
    code, stderr = start_django(**env)
    assert code != 0
    assert f"DEBUG is off, so {missing} must be set" in stderr


def test_production_settings_start_when_complete():
    complete = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kb.example.org", "SITE_URL": "https://kb.example.org"}
    assert start_django(DEBUG="false", **complete)[0] == 0


def test_bad_debug_value_is_a_clear_error():
    code, stderr = start_django(DEBUG="maybe")
    assert code != 0 and "DEBUG must be true or false" in stderr


def test_mathjax_and_its_safe_extension_are_served_by_the_site():
    for path in ["mathjax/es5/tex-chtml.js", "mathjax/es5/ui/safe.js", "js/mathjax-config.js", "css/pygments.css"]:
        assert finders.find(path), path
    config = (ROOT / "static/js/mathjax-config.js").read_text()
    assert '"ui/safe"' in config and 'processHtmlClass: "arithmatex"' in config


def test_templates_load_nothing_from_another_host():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert 'src="http' not in text and 'href="http' not in text and "//" not in text.replace("://", ""), template


def test_the_admin_sign_in_form_is_wired_by_the_kb_app_not_by_importing_the_urls():
    """KbConfig.ready() sets the throttle's sign-in form; no URLconf needs to be imported first."""
    script = (
        "import sys, django; django.setup()\n"
        "from django.contrib import admin\n"
        "from kb.login_throttle import ThrottledAdminAuthenticationForm\n"
        "assert 'kb.urls' not in sys.modules, 'kb.urls imported by setup()'\n"
        "assert admin.site.login_form is ThrottledAdminAuthenticationForm, admin.site.login_form\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kb.settings"}
    process = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert process.returncode == 0, process.stderr
