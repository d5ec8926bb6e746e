"""The article form's TeX macros field: saved, applied to the page, refused with a clear message."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from tests.factories import add_form

pytestmark = pytest.mark.django_db


def test_macros_typed_in_the_admin_apply_on_the_page(staff_client):
    form = add_form(
        title="Macros", body="Let $\\Ex[X]$ and $\\R$.", macros="\\Ex = \\mathbb{E}\r\n", status="published"
    )
    response = staff_client.post(reverse("admin:articles_article_add"), form, follow=True)
    assert response.redirect_chain, response.content.decode()[:3000]
    article = Article.objects.get(title="Macros")
    assert article.macros == "\\Ex = \\mathbb{E}"
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "\\(\\mathbb{E}[X]\\)" in page and "\\(\\mathbb{R}\\)" in page


def test_a_macro_line_that_cannot_be_read_is_an_error_on_the_field_and_the_text_is_kept(staff_client):
    form = add_form(title="Bad", body="Body kept $x$.", macros="\\R = \\mathbb{R}\nnot a macro")
    response = staff_client.post(reverse("admin:articles_article_add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "line 2: write a macro as" in errors["macros"][0]
    assert "Body kept $x$." in response.content.decode() and not Article.objects.exists()


def test_a_recursive_macro_is_refused_on_the_body_and_nothing_is_lost(staff_client):
    form = add_form(title="Loop", body="Uses $\\a$.", macros="\\a = \\b\n\\b = \\a")
    response = staff_client.post(reverse("admin:articles_article_add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "the macro \\a expands into itself" in errors["body"][0]
    assert "Uses $\\a$." in response.content.decode() and not Article.objects.exists()


def test_changing_only_the_macros_renders_the_article_again(staff_client):
    article = Article.objects.create(title="T", body="$\\Ex$", status="published")
    assert "\\(\\Ex\\)" in article.body_html
    article.macros = "\\Ex = \\mathbb{E}"
    article.save()
    assert "\\(\\mathbb{E}\\)" in Article.objects.get(pk=article.pk).body_html
