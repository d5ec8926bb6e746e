"""The demo articles (articles/demo/), as a newcomer running `make run` reads them.

A TeX command written through a string that read backslash escapes (`\\times` as a tab,
`\\approx` as a bell) reaches the page as "?pprox": no demo file may carry a control character.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article

DEMO = Path(__file__).resolve().parents[2] / "articles" / "demo"
DEMO_FILES = sorted(DEMO.glob("*.md"))

# Every C0 control character but the line feed, plus DEL and the C1 range.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def test_there_are_demo_files():
    assert len(DEMO_FILES) >= 12, [path.name for path in DEMO_FILES]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda path: path.name)
def test_no_demo_file_carries_a_control_character(path):
    text = path.read_text(encoding="utf-8")
    found = [
        f"line {text.count(chr(10), 0, match.start()) + 1}: {match.group()!r} in "
        f"{text[max(0, match.start() - 20) : match.end() + 20]!r}"
        for match in CONTROL.finditer(text)
    ]
    assert not found, f"{path.name} carries control characters (a TeX backslash read as an escape?): {found}"


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda path: path.name)
def test_every_demo_file_is_a_real_note_of_5_to_15_kb(path):
    assert 5 * 1024 <= path.stat().st_size <= 15 * 1024, f"{path.name}: {path.stat().st_size} bytes"


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda path: path.name)
def test_no_demo_file_carries_a_tex_command_broken_by_a_newline(path):
    # "\nabla", "\neq", "\nu" read as escapes leave a line starting with the rest of the word.
    broken = re.findall(r"^(?:abla|eq|ewline|otin|u)\b.*$", path.read_text(encoding="utf-8"), re.M)
    assert not broken, f"{path.name}: lines that look like a TeX command cut by a newline: {broken}"


@pytest.mark.django_db
def test_the_loaded_demo_fills_a_second_feed_page(client, settings):
    call_command("load_demo", verbosity=0)
    published = Article.objects.published().count()
    assert published > settings.KB_PAGE_SIZE, f"{published} published demo articles fit on one feed page"
    first = client.get("/").content.decode()
    assert first.count('<h2 class="card-title">') == settings.KB_PAGE_SIZE
    assert 'href="?page=2"' in first, "the feed's first page links no second page"
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert second.content.decode().count('<h2 class="card-title">') == published - settings.KB_PAGE_SIZE


@pytest.mark.django_db
def test_every_demo_article_has_math_code_and_a_table():
    call_command("load_demo", verbosity=0)
    lacking = {
        article.slug: [
            part
            for part, present in [
                ("math", article.has_math),
                ("code", "<pre" in article.body_html),
                ("table", "<table" in article.body_html),
            ]
            if not present
        ]
        for article in Article.objects.all()
    }
    assert not {slug: parts for slug, parts in lacking.items() if parts}
