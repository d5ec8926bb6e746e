"""After a save in the admin: formulas that do not parse and images without alt text are warned
about, with their lines, and the text is saved all the same."""

import html

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import add_form, make_article

pytestmark = pytest.mark.django_db

BAD_BODY = "First line with $x^2$.\n\nSecond paragraph:\n$\\frac{a}{b$ is broken.\n\n`$\\frac{c}{d$` is code.\n"


def change_form(client, article, **changes):
    """What the change form posts for `article` as it stands, with `changes`."""
    form = client.get(reverse("admin:articles_article_change", args=[article.pk])).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for field in ("published_at", "updated_at"):
        moment = getattr(article, field)
        data[f"{field}_0"] = timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""
        data[f"{field}_1"] = timezone.localtime(moment).strftime("%H:%M:%S") if moment else ""
    data["tags"] = ""
    data.update(changes)
    return {key: "" if value is None else value for key, value in data.items()}


def warnings_in(response):
    return [str(message) for message in response.context["messages"] if message.level_tag == "warning"]


def test_a_formula_that_does_not_parse_is_saved_live_and_warned_about_with_its_line(staff_client):
    article = make_article(title="Live", body="Old text.")
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = staff_client.post(url, change_form(staff_client, article, body=BAD_BODY), follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    warnings = warnings_in(response)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("Line 4: the formula “\\frac{a}{b” does not parse (unbalanced braces")
    assert "readers will see it in red" in warnings[0]
    assert html.escape(warnings[0]) in response.content.decode()  # shown on the page after the redirect
    live = Client().get(article.get_absolute_url()).content.decode()
    assert "Second paragraph" in live and "\\frac{a}{b" in live and "Old text" not in live


def test_an_author_saving_a_draft_gets_the_same_warnings(client, django_user_model):
    author = django_user_model.objects.create_user("writer", password="pw-x-123456", is_staff=True)
    author.groups.add(Group.objects.get(name="Authors"))
    client.force_login(author)
    body = "Intro.\n\n$$\n\\begin{aligned}\na &= b\n\\end{align}\n$$\n\n\\(\\undefinedthing x\\)\n"
    response = client.post(reverse("admin:articles_article_add"), add_form(title="Draft", body=body), follow=True)
    assert response.redirect_chain, response.content.decode()[:2000]
    assert Article.objects.get(title="Draft").body.strip() == body.strip()
    warnings = warnings_in(response)
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("Line 3: the formula “\\begin{aligned} a &= b \\end{align}” does not parse")
    assert "\\begin{aligned} ended by \\end{align}" in warnings[0]
    assert warnings[1].startswith("Line 9: ") and "unknown command \\undefinedthing" in warnings[1]


def test_a_clean_body_saves_without_warnings(staff_client):
    article = make_article(body="Old.")
    body = (
        "$x^2$ and $$\\sum_{i=1}^n i$$\n\n$$\n\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}\n$$\n\n"
        "![A cat on a mat](/media/cat.png)\n\n`$x^a^b$` in code is not math.\n"
    )
    response = staff_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        change_form(staff_client, article, body=body),
        follow=True,
    )
    assert response.redirect_chain
    assert warnings_in(response) == []
    assert Article.objects.get(pk=article.pk).body.strip() == body.strip()


def test_an_image_without_alt_text_is_flagged_with_its_line(staff_client):
    article = make_article(body="Old.")
    body = "Text.\n\n![a described image](/media/a.png)\n\n![](/media/b.png)\n"
    response = staff_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        change_form(staff_client, article, body=body),
        follow=True,
    )
    assert warnings_in(response) == ["Line 5: an image has no alt text: describe it for readers who cannot see it."]
    assert Article.objects.get(pk=article.pk).body.strip() == body.strip()


def test_many_problems_are_capped_with_a_count_of_the_rest(staff_client):
    article = make_article(body="Old.")
    body = "".join(f"Formula $x^a^{i}$.\n\n" for i in range(25))
    response = staff_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        change_form(staff_client, article, body=body),
        follow=True,
    )
    warnings = warnings_in(response)
    assert len(warnings) == 21
    assert warnings[0].startswith("Line 1: the formula “x^a^0” does not parse (double superscript")
    assert warnings[19].startswith("Line 39: ")
    assert warnings[20] == "… and 5 more problems."
