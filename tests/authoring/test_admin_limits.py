"""Input that passes for text but crosses a database's limits is a field error in the admin, with
the author's text kept in the form: never a 503 ("try again") or a 500.

Tags past the cap, over-long tag names, NUL characters (PostgreSQL's text refuses them), a
series position past the integer column, over-long titles and slugs. And the search document
of the largest body the site accepts, in every script, fits PostgreSQL's tsvector (1 MB of
lexemes and positions, 2,047 bytes a lexeme, 256 positions a lexeme, positions below 16,384).
"""

import random
import time
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse

from articles.models import Article
from articles.search import documents
from markup import limits, segmentation
from tests import factories
from tests.factories import make_article
from tests.served_admin import post_form, served_sqlite, signed_in  # noqa: F401 - served_sqlite: the fixture

pytestmark = pytest.mark.django_db

BODY = "正文：注意力机制的推导，$QK^T$ 与 softmax。\n\n" * 40
ADD = reverse("admin:articles_article_add")


def add_form(**changes):
    return factories.add_form(**{"title": "数据库的边界", "body": BODY, "tags": "边界, 测试", **changes})


def refused_on(response, field):
    """The form came back (200) with an error on `field`; returns the form for more checks."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    assert field in form.errors, form.errors
    return form


def textarea(response):
    return response.context["adminform"].form["body"].value()


def test_more_tags_than_the_cap_is_a_field_error_and_the_text_stays(staff_client):
    tags = ", ".join(f"标签{i}" for i in range(2000))
    response = staff_client.post(ADD, add_form(tags=tags))
    form = refused_on(response, "tags")
    assert f"at most {limits.MAX_TAGS}" in str(form.errors["tags"])
    assert textarea(response) == BODY and "标签1999" in response.content.decode()
    assert not Article.objects.exists()


def test_the_cap_counts_distinct_tags_and_allows_exactly_the_cap(staff_client):
    names = [f"Tag{i}" for i in range(limits.MAX_TAGS)]
    # repeated names (case and spacing differ) are one tag each
    tags = ", ".join(names + [name.upper() for name in names] + [f" {names[0]}  "])
    assert staff_client.post(ADD, add_form(tags=tags)).status_code == 302
    assert Article.objects.get().tags.count() == limits.MAX_TAGS


def test_the_cap_applies_when_editing_too(staff_client):
    article = make_article(title="旧文", body=BODY, tags=["a"])
    from .test_revisions import form_data, save

    data = form_data(staff_client, article)
    response = save(staff_client, article, data, body=BODY + "新的一段", tags=", ".join(f"t{i}" for i in range(60)))
    refused_on(response, "tags")
    assert textarea(response) == BODY + "新的一段"
    assert sorted(Article.objects.get(pk=article.pk).tags.names()) == ["a"]


def test_a_tag_name_longer_than_the_column_is_a_field_error(staff_client):
    long_name = "很长的标签" * 30  # 150 characters; taggit's column holds 100
    response = staff_client.post(ADD, add_form(tags=f"短, {long_name}"))
    form = refused_on(response, "tags")
    assert f"longer than {limits.MAX_TAG_LENGTH} characters" in str(form.errors["tags"])
    assert textarea(response) == BODY


@pytest.mark.parametrize("field", ["title", "body", "summary", "tags", "change_note"])
def test_a_nul_character_is_a_field_error(staff_client, field):
    value = {"body": BODY + "\x00", "tags": "a\x00b"}.get(field, "带\x00空字符")
    response = staff_client.post(ADD, add_form(**{field: value}))
    form = refused_on(response, field)
    assert "Null characters are not allowed" in str(form.errors[field])
    if field != "body":
        assert textarea(response) == BODY


@pytest.mark.parametrize("order", ["2147483648", "99999999999999999999", "-1"])
def test_a_series_position_out_of_range_is_a_field_error(staff_client, order):
    response = staff_client.post(ADD, add_form(series_order=order))
    refused_on(response, "series_order")
    assert textarea(response) == BODY


def test_a_title_of_200_four_byte_characters_saves_with_a_slug_that_fits(staff_client):
    title = "".join(chr(0x20000 + i) for i in range(200))  # CJK extension B: 4 bytes each
    assert staff_client.post(ADD, add_form(title=title)).status_code == 302
    article = Article.objects.get()
    assert article.title == title and 0 < len(article.slug) <= Article._meta.get_field("slug").max_length
    # the same title again gets a suffixed slug that still fits
    assert staff_client.post(ADD, add_form(title=title)).status_code == 302
    second = Article.objects.exclude(pk=article.pk).get()
    assert second.slug == f"{article.slug}-2" and len(second.slug) <= 200


def test_a_title_or_slug_past_its_column_is_a_field_error(staff_client):
    response = staff_client.post(ADD, add_form(title="题" * 201))
    refused_on(response, "title")
    assert textarea(response) == BODY
    response = staff_client.post(ADD, add_form(slug="s" * 201))
    refused_on(response, "slug")
    assert textarea(response) == BODY


def test_a_typed_slug_already_used_is_a_field_error(staff_client):
    make_article(title="先来的", slug="taken")
    response = staff_client.post(ADD, add_form(slug="taken"))
    form = refused_on(response, "slug")
    assert "already used" in str(form.errors["slug"])
    assert textarea(response) == BODY


# The search document of the largest bodies: every one saves and is found, on both databases.

RNG = random.Random(12)
COMMON = [chr(c) for c in range(0x4E00, 0x9FA6)]  # the CJK unified ideographs
EXTENSION_B = [chr(c) for c in range(0x20000, 0x2A6E0)]  # 4 bytes each in UTF-8


def dictionary_words(shortest):
    """jieba's own words of `shortest` characters or more: the densest text for its search cut."""
    words = [
        word
        for word, count in segmentation.tokenizer().FREQ.items()
        if count > 0 and len(word) >= shortest and all("\u4e00" <= c <= "\u9fff" for c in word)
    ]
    RNG.shuffle(words)
    return words


def fill(pieces):
    """Markdown of `pieces` up to the body cap, minus a little room for the marker word."""
    out, size = [], 0
    for piece in pieces:
        if size + len(piece.encode()) > limits.MAX_BODY_BYTES - 200:
            break
        out.append(piece)
        size += len(piece.encode())
    return "".join(out).strip()  # the form strips what surrounds the text


def endless(make):
    while True:
        yield make()


LARGEST_BODIES = {
    "dense varied CJK": lambda: endless(lambda: "".join(RNG.choice(COMMON) for _ in range(60)) + "\n\n"),
    "one unbroken CJK run": lambda: endless(lambda: RNG.choice(COMMON)),
    "CJK extension B": lambda: endless(lambda: "".join(RNG.choice(EXTENSION_B) for _ in range(60)) + "\n\n"),
    "dictionary words": lambda: iter(dictionary_words(3)),
    "long dictionary words": lambda: iter(dictionary_words(4)),
    "headings": lambda: endless(lambda: "## " + "".join(RNG.choice(COMMON) for _ in range(60)) + "\n\n"),
    "mixed scripts": lambda: endless(
        lambda: "".join(RNG.choice(COMMON) for _ in range(20)) + f" w{RNG.getrandbits(40):x} "
    ),
    "distinct Latin tokens": lambda: endless(lambda: f"t{RNG.getrandbits(48):x} "),
    "long Latin words": lambda: endless(lambda: "".join(RNG.choices("abcdefghijklmnopqrstuvwxyz", k=60)) + " "),
}


@pytest.mark.parametrize("kind", LARGEST_BODIES)
def test_the_largest_body_of_any_script_saves_and_is_found(staff_client, client, kind):
    body = "markerword 起点标记\n\n" + fill(LARGEST_BODIES[kind]())
    assert len(body.encode()) <= limits.MAX_BODY_BYTES
    response = staff_client.post(ADD, add_form(title=f"最大的正文 {kind}", body=body, status="published"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.body == body
    assert "最大的正文" in client.get("/search/?q=markerword").content.decode()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT length(document) FROM articles_search WHERE article_id = %s", [article.pk])
            assert cursor.fetchone()[0] > 1000


def test_one_unbroken_cjk_run_of_the_largest_body_is_segmented_quickly():
    """jieba's time grows faster than a run: 87,000 characters in one took 24 s on a loaded machine."""
    text = "".join(RNG.choice(COMMON) for _ in range(limits.MAX_BODY_BYTES // 3))
    started = time.monotonic()
    words = documents.article_words("标题", f"<p>{text}</p>")
    assert time.monotonic() - started < 8  # about 2 s on a loaded 2-core machine
    assert len(words.body) > len(text) * 0.9 and text[:2] in words.body_bigrams


def test_the_search_document_is_bounded_whatever_the_text():
    """Even text far past the body cap (a [TOC] repeated, say) makes a document PostgreSQL takes."""
    text = "".join(RNG.choice(COMMON) for _ in range(200_000))
    html = f"<p>{text}</p>"  # as stored, past what rendering accepts today
    document = documents.build_document(1, "标题", ["标签"], html)
    assert documents.document_bytes(document) <= documents.MAX_DOCUMENT_BYTES < 1024 * 1024
    # the title, the tags and the start of the body are kept; the end is what goes
    literal = documents.tsvector_literal(document)
    assert "'标题'" in literal and "'标签'" in literal and f"'{text[:2]}'" in literal
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT length(%s::tsvector)", [literal])
            assert cursor.fetchone()[0] > 50_000


# A request larger than the server reads: a body several times the cap still reaches the form;
# past the request limit the answer says the submission is too large (it said the address
# could not be understood).


def post_as_a_browser(client, url, data, **headers):
    """Posted URL-encoded, as a browser sends the admin's form: 9 bytes for a CJK character."""
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded", **headers)


def test_a_body_four_times_the_cap_reaches_the_form_and_gets_the_field_error(staff_client):
    body = "长" * (4 * limits.MAX_BODY_BYTES // 3)  # 1 MB of text, 3 MB as the browser sends it
    assert len(urlencode({"body": body})) > 3 * 1024 * 1024
    response = post_as_a_browser(staff_client, ADD, add_form(body=body))
    form = refused_on(response, "body")
    assert "the limit is 256 KB" in str(form.errors["body"])
    assert textarea(response) == body
    assert not Article.objects.exists()


def test_a_request_past_the_limit_says_it_is_too_large(staff_client, settings):
    body = "长" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 9 + 1)
    response = post_as_a_browser(staff_client, ADD, add_form(body=body))
    page = response.content.decode()
    assert response.status_code == 413
    assert "The submission is too large" in page and "Nothing was saved" in page
    assert "could not be understood" not in page and "<h1" in page
    assert not Article.objects.exists()


def test_a_request_with_too_many_fields_says_so(staff_client, settings):
    extra = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = post_as_a_browser(staff_client, ADD, add_form(**extra))
    page = response.content.decode()
    assert response.status_code == 400
    assert "more than" in page and "fields" in page and "Nothing was saved" in page
    assert "could not be understood" not in page and "<h1" in page
    assert not Article.objects.exists()


def test_the_change_form_tells_the_editor_the_request_limit(staff_client, settings):
    html = staff_client.get(ADD).content.decode()
    assert f'data-max-request-bytes="{settings.DATA_UPLOAD_MAX_MEMORY_SIZE}"' in html
    # well above the article's own cap, so that the cap's field error is what authors meet
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 9 * 3 * limits.MAX_BODY_BYTES


def test_the_add_tag_action_keeps_the_cap(staff_client):
    full = make_article(title="满了", tags=[f"t{i}" for i in range(limits.MAX_TAGS)])
    room = make_article(title="还有位置", tags=["t1"])
    response = staff_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "add_tag", "_selected_action": [full.pk, room.pk], "tag": "新标签"},
        follow=True,
    )
    page = response.content.decode()
    assert f"already at {limits.MAX_TAGS} tags: “满了”" in page and "Tagged 1 article(s)" in page
    assert full.tags.count() == limits.MAX_TAGS and "新标签" in room.tags.names()


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        ("series", {"title": "系列\x00", "slug": "", "description": ""}, "title"),
        ("series", {"title": "系" * 201, "slug": "", "description": ""}, "title"),
        ("series", {"title": "系列", "slug": "", "description": "说明\x00"}, "description"),
        ("tag", {"name": "标签\x00"}, "name"),
        ("tag", {"name": "标" * 101}, "name"),
    ],
)
def test_series_and_tag_names_past_their_columns_are_field_errors(staff_client, model, data, field):
    inline = {"articles-TOTAL_FORMS": "0", "articles-INITIAL_FORMS": "0"} if model == "series" else {}
    response = staff_client.post(reverse(f"admin:articles_{model}_add"), {**data, **inline})
    refused_on(response, field)


def test_served_a_form_past_the_request_limit_gets_the_answer_not_a_reset_connection(served_sqlite, settings):  # noqa: F811 - the fixture
    """Through gunicorn the refused request is read to its end before the answer: a server that
    answered and closed mid-upload reset the connection, and the author saw no page at all."""
    port, _ = served_sqlite
    editor = signed_in(port, "editor1")
    body = "长" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 9 + 1000)
    status, _, page = post_form(editor, f"http://127.0.0.1:{port}{ADD}", {"title": "太长", "body": body})()
    assert status == 413 and "The submission is too large" in page


def test_a_summary_over_its_cap_is_an_error_on_the_summary_and_the_texts_stay(staff_client):
    summary = "一句话摘要。" * (limits.MAX_SUMMARY_BYTES // 18 + 10)
    response = staff_client.post(ADD, add_form(summary=summary))
    form = refused_on(response, "summary")
    assert "summary" in str(form.errors["summary"]) and "body" not in form.errors
    assert textarea(response) == BODY and form["summary"].value() == summary
    assert not Article.objects.exists()
