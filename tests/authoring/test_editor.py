"""The editor's server side: live preview, image upload, tag suggestions (the browser part is
in test_editor_browser.py)."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from markup import limits
from markup.rendering import render_markdown
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    return tmp_path


def picture(kind="PNG", size=(8, 6)):
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def upload(client, data, name="figure.png", content_type="image/png"):
    return client.post(
        reverse("admin:articles_article_upload_image"),
        {"image": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def test_preview_is_the_published_pipeline(staff_client):
    body = "## 定义\n\n$$\\frac{a}{b}$$\n\n和 $x^2$\n\n<script>alert(1)</script>\n\n```python\nx = 1\n```"
    answer = staff_client.post(reverse("admin:articles_article_preview"), {"body": body}).json()
    assert answer["html"] == render_markdown(body).html
    assert '<div class="arithmatex">\\[\\frac{a}{b}\\]</div>' in answer["html"]
    assert "<script" not in answer["html"] and answer["has_math"] is True


def test_preview_applies_the_articles_own_macros_as_typed(staff_client):
    url = reverse("admin:articles_article_preview")
    answer = staff_client.post(url, {"body": "期望 $\\Ex[X]$ 与 $\\R$", "macros": "\\Ex = \\mathbb{E}"}).json()
    assert "\\mathbb{E}[X]" in answer["html"] and "\\mathbb{R}" in answer["html"]  # its own and the site's
    refused = staff_client.post(url, {"body": "$x$", "macros": "\\Ex = \\Ex"}).json()
    assert refused["error"].startswith("TeX macros: ")


def test_preview_reports_markdown_that_cannot_render(staff_client):
    body = "\n".join("    " * i + "- x" for i in range(60))  # 236 spaces deep, 7 KB: under the size cap
    answer = staff_client.post(reverse("admin:articles_article_preview"), {"body": body}).json()
    assert "nested too deeply" in answer["error"]


def test_editor_endpoints_are_for_staff_only(client):
    for name in ("preview", "upload_image", "tag_suggestions"):
        response = client.post(reverse(f"admin:articles_article_{name}"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_change_form_loads_the_editor_without_inline_script(staff_client):
    article = make_article(title="带图的文章")
    html = staff_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "js/editor.js" in html and "mathjax/es5/tex-chtml.js" in html and "js/mathjax-config.js" in html
    assert f'data-preview-url="{reverse("admin:articles_article_preview")}"' in html
    assert f'data-upload-url="{reverse("admin:articles_article_upload_image")}"' in html
    assert f'data-suggest-url="{reverse("admin:articles_article_tag_suggestions")}"' in html
    from django.contrib.contenttypes.models import ContentType

    view_on_site = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(article).pk, article.pk])
    assert view_on_site in html and staff_client.get(view_on_site)["Location"].endswith(article.get_absolute_url())


@pytest.mark.parametrize(("kind", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")])
def test_an_image_is_stored_in_the_media_storage(staff_client, media, kind, extension):
    response = upload(staff_client, picture(kind), name=f"图 1.{extension}")
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("/media/images/") and url.endswith(f".{extension}")
    stored = media / url.removeprefix("/media/")
    with Image.open(stored) as image:  # re-encoded (test_image_upload.py), the same picture
        assert image.format == kind and image.size == (8, 6)
        assert all(abs(a - b) <= 12 for a, b in zip(image.convert("RGB").getpixel((3, 3)), (200, 30, 30), strict=True))
    html = render_markdown(f"![图 1]({url})").html
    assert f'<img alt="图 1" src="{url}"' in html  # the sanitiser keeps it


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg", "SVG and HTML are refused"),
        (b"<html><script>alert(1)</script></html>", "page.png", "not an image this site accepts"),
        (picture(size=(300, 200))[:200], "cut.png", "damaged"),
        (b"", "empty.png", "not an image this site accepts"),
    ],
)
def test_files_that_are_not_pictures_are_refused_with_a_reason(staff_client, media, data, name, reason):
    response = upload(staff_client, data, name=name)
    assert response.status_code == 400 and reason in response.json()["error"] and name in response.json()["error"]
    assert not any(media.rglob("*.*"))


def test_other_formats_and_large_files_are_refused(staff_client, settings, media):
    buffer = BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="BMP")
    response = upload(staff_client, buffer.getvalue(), name="old.bmp")
    assert response.status_code == 400 and "BMP image; upload PNG, JPEG, GIF or WebP" in response.json()["error"]
    settings.KB_IMAGE_MAX_BYTES = 100
    response = upload(staff_client, picture(size=(200, 200)), name="big.png")
    assert response.status_code == 413
    assert response.json()["error"].endswith("; images may be at most 100 bytes.")
    assert staff_client.post(reverse("admin:articles_article_upload_image")).json()["error"] == "No image was sent."


def test_tag_suggestions_most_used_first_cjk_included(staff_client):
    make_article(tags=["强化学习", "RL"])
    make_article(tags=["强化学习", "学习率"])
    make_article(tags=["强化学习", "学习率", "Learning"])
    url = reverse("admin:articles_article_tag_suggestions")
    assert [t["name"] for t in staff_client.get(url, {"q": "学习"}).json()["tags"]] == ["强化学习", "学习率"]
    assert staff_client.get(url, {"q": "learn"}).json()["tags"] == [{"name": "Learning", "uses": 1}]
    everything = staff_client.get(url).json()["tags"]
    assert [t["uses"] for t in everything] == [3, 2, 1, 1]


def test_media_is_served_in_development_only(client, settings, media):
    import importlib

    from django.urls import clear_url_caches

    import kb.urls

    (media / "images").mkdir()
    (media / "images" / "a.png").write_bytes(picture())
    assert client.get("/media/images/a.png").status_code == 404  # DEBUG off: the web server's job
    settings.DEBUG = True
    try:
        importlib.reload(kb.urls)
        clear_url_caches()
        response = client.get("/media/images/a.png")
        assert response.status_code == 200 and b"".join(response.streaming_content) == picture()
    finally:
        settings.DEBUG = False
        importlib.reload(kb.urls)
        clear_url_caches()


def test_the_preview_of_a_body_past_the_cap_is_refused_with_its_size(staff_client):
    body = "长" * (limits.MAX_BODY_BYTES // 3 + 1000)
    answer = staff_client.post(reverse("admin:articles_article_preview"), {"body": body}).json()
    assert "the limit is 256 KB" in answer["error"] and "html" not in answer


def test_the_preview_of_a_request_past_the_limit_is_a_413_with_a_message(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = staff_client.post(
        reverse("admin:articles_article_preview"), {"body": "长" * 40_000}, headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 413
    assert "The submission is too large" in response.json()["error"]
