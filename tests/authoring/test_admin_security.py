"""The authoring side under attack: cookies out of scripts' reach (and HTTPS-only in
production), uploads that could carry script refused.

The sign-in throttle is tests/kb/test_sign_in_throttle.py; authors editing only their own
articles is tests/authoring/test_permissions.py.
"""

import subprocess
import sys
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.serving import ROOT, production_env

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-editor-123"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, not safety, here
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)


def sign_in(client, username="editor", password=PASSWORD, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_session_and_csrf_cookies_are_out_of_scripts_reach(client, editor):
    login_page = client.get(LOGIN)
    assert login_page.cookies["csrftoken"]["httponly"] is True
    response = sign_in(client)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"] is True


def test_the_editor_takes_the_csrf_token_from_its_form_not_the_cookie():
    script = (ROOT / "static" / "js" / "editor.js").read_text()
    assert "csrfmiddlewaretoken" in script and "document.cookie" not in script


def production_setting(*names, **env):
    code = f"from django.conf import settings; print(*[getattr(settings, n) for n in {names!r}])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_cookies_are_secure_and_http_only():
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY")
    assert production_setting(*names, HTTPS="true", SITE_URL="https://kb.example.org") == ["True"] * 4


# --- Uploads: nothing a browser could run is stored, whatever its name or declared type.


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, data, name, content_type="image/png"):
    return client.post(
        reverse("admin:articles_article_upload_image"),
        {"image": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def png():
    buffer = BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"alert(document.cookie)", "x.js", "text/javascript"),
        (b"alert(1)", "x.png", "image/png"),
        (b"<!doctype html><script>alert(1)</script>", "x.html", "text/html"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg",
         "image/svg+xml"),
        (b"<svg onload=alert(1)>", "x.gif", "image/gif"),
        (b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "x.png", "image/png"),
        (b"GIF89a<script>alert(1)</script>", "x.gif", "image/gif"),
        (b"#!/bin/sh\nrm -rf /\n", "x.sh", "application/x-sh"),
        (b"<?php system($_GET['c']); ?>", "x.php", "image/png"),
        (b"%PDF-1.4\n1 0 obj<</JS(alert(1))>>", "x.pdf", "application/pdf"),
    ],
)  # fmt: skip
def test_scripts_pages_and_vector_images_are_refused(client, editor, media, data, name, content_type):
    client.force_login(editor)
    response = upload(client, data, name, content_type)
    assert response.status_code == 400 and name in response.json()["error"]
    assert not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize("name", ["figure.html", "figure.svg", "figure.js", "figure", "figure.png.html"])
def test_a_real_picture_is_stored_under_its_own_format_never_the_given_name(client, editor, media, name):
    client.force_login(editor)
    response = upload(client, png(), name, content_type="text/html")
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.endswith(".png") and name not in url
    assert [path.suffix for path in media.rglob("*") if path.is_file()] == [".png"]
