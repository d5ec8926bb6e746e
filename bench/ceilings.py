"""The two references of the page benchmark, served by a gunicorn of their own with Django's stock
settings (bench/reference_settings.py): none of the site's middleware, URLconf or database.

`fixed_page` returns the same 20 KB of HTML every time: the framework's cost alone.
`plain_template_page` renders bench/templates/plain.html, a plain Django template with no
includes and no filters, from a list of 12 dicts of plain values (titles, dates, tags and
excerpts of corpus notes, built once in memory): ~20 KB of HTML, no database, no context
processors. It is what a page of 12 items costs in Django's template language when nothing else is done; the site's own
templates are not the reference, so their cost shows in the ratios.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from django.http import HttpResponse
from django.template import Context, Engine

from . import corpus

_PARAGRAPH = "<p>" + "x" * 1017 + "</p>\n"  # 1 KB
FIXED = ("<!doctype html><title>fixed</title>\n" + _PARAGRAPH * 20)[: 20 * 1024 - 15].encode() + b"</p></html>\n\n\n\n"
EXCERPT_CHARACTERS = 600  # ~1.4 KB of mixed Chinese and English: 12 items make ~20 KB with the markup


def fixed_page(request):
    return HttpResponse(FIXED)


def plain_items(count=12):
    """The plain template's list: `count` dicts of plain values, as a view would pass them."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for index, note in enumerate(corpus.notes(count)):
        text = " ".join(line for line in note.body.split("\n\n") if line[:1] not in "#`$|-[")
        items.append(
            {
                "title": note.title,
                "url": f"/articles/bench-{index}/",
                "date": (start - timedelta(minutes=7 * index)).isoformat(),
                "day": f"{start - timedelta(minutes=7 * index):%Y-%m-%d}",
                "series": note.series,
                "series_url": f"/series/{quote(note.series or '')}/",
                "tags": [{"name": name, "url": f"/tags/{quote(name.lower())}/"} for name in note.tags],
                "excerpt": text[:EXCERPT_CHARACTERS],
            }
        )
    return items


_engine = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")])  # cached loader: DEBUG is off
_context = None


def plain_template_page(request):
    global _context
    if _context is None:
        _context = {"title": "最新文章", "site_name": "知识库", "items": plain_items()}
    return HttpResponse(_engine.get_template("plain.html").render(Context(_context)))
