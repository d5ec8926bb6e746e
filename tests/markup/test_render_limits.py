"""Every text an author can send renders, or is refused with a message, within the render budget.

Issue 12, point 1: runs of unclosed Markdown or HTML syntax made rendering super-linear
(`"[a](" * n` took 17-40 s at 40 KB, `"<div>" * 50000` over 30 s) and nothing stopped it.
Now a body over limits.MAX_BODY_BYTES is refused before any work, the pipeline is linear on
the known patterns, and the rest runs in a forked process killed after limits.RENDER_SECONDS
(markup/render_budget.py). Each pattern below is built at the size cap and timed through
render_article(), in this process; the admin and the preview are checked to show the refusal
and keep the text.

Wall-clock bounds are the budget plus a generous margin for forking and a loaded machine.
"""

import contextlib
import os
import pickle
import signal
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from articles.transfer.import_format import split_front_matter
from markup import limits, render_budget, rendering
from markup.render_budget import MEMORY_BYTES, WALL_FACTOR, OverBudget, WorkerDied, within_budget
from markup.rendering import RenderError, render_article, render_markdown
from tests import factories

CAP = limits.MAX_BODY_BYTES
# Seconds: the budget is CPU time, and a child is stopped after WALL_FACTOR times it in any
# case; then a fork, pickling, a busy machine.
BOUND = WALL_FACTOR * limits.RENDER_SECONDS + 1.5


def at_cap(unit, prefix=""):
    """`prefix` then `unit` repeated up to the largest body the site accepts."""
    return prefix + unit * ((CAP - len(prefix.encode())) // len(unit.encode()))


# The patterns of the issue, and more found by timing repeated tokens.
NAMED = {
    "unclosed links": at_cap("[a]("),
    "unclosed tags": at_cap("<a "),
    "unclosed images": at_cap("![a]("),
    "unclosed \\( math": at_cap("\\(a "),
    "headings, line after line": at_cap("## h\n"),
    "nested divs": "<div>" * 50000,
    "nested divs written as empty": at_cap("<div/>"),
    "links, closed": at_cap("[a](b) "),
    "images, closed": at_cap("![a](b) "),
    "comparisons in prose": at_cap("a<b "),
    "unclosed autolinks": at_cap("<http://a "),
    "inline display math": at_cap("$$a "),
    "inline math": at_cap("$x$ "),
    "empty fences": at_cap("```\n"),
    "footnotes": at_cap("x[^1]\n\n[^1]: y\n\n"),
    "task list": at_cap("- [ ] x\n"),
    "table rows": at_cap("| a | b |\n", prefix="| a | b |\n|---|---|\n"),
    "links with titles, unclosed": at_cap('[a]("'),
    "nested spans": at_cap("<span>"),
    "nested lists": at_cap("<ul><li>"),
    "emphasis": at_cap("*a "),
    "code spans": at_cap("`a "),
}


def render_timed(body, summary=""):
    """(seconds, outcome) of render_article(body, summary); outcome is "rendered" or the refusal."""
    start = time.monotonic()
    try:
        render_article(body, summary)
        outcome = "rendered"
    except RenderError as error:
        outcome = str(error)
    return time.monotonic() - start, outcome


@pytest.mark.parametrize("name", NAMED)
def test_each_pattern_at_the_cap_renders_or_is_refused_within_the_budget(name):
    body = NAMED[name]
    assert len(body.encode()) <= CAP
    seconds, outcome = render_timed(body)
    assert seconds < BOUND, (name, seconds, outcome)
    assert outcome == "rendered" or outcome.startswith(("This text", "The HTML")), outcome


TOKENS = [
    "[", "]", "(", ")", "![", "<", ">", "a", " ", "\n", "\n\n", "*", "_", "`", "$", "$$", "\\(",
    "\\)", "\\[", "\\", "&", "#", "## ", "> ", "- ", "1. ", "|", "~~", '"', "'", "=", "<a ",
    "<div>", "</div>", "<!--", "[^1]", "http://", ":", "!!! note\n", "```", "    ",
]  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map("".join))
def test_any_repeated_run_of_tokens_at_the_cap_renders_or_is_refused_within_the_budget(unit):
    seconds, outcome = render_timed(at_cap(unit))
    assert seconds < BOUND, (unit, seconds, outcome)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map("".join))
def test_texts_small_enough_to_render_in_the_process_are_fast_whatever_they_hold(unit):
    text = (unit * rendering.IN_PROCESS_BYTES)[: rendering.IN_PROCESS_BYTES // 4]
    start = time.process_time()
    with contextlib.suppress(RenderError):
        render_article(text)  # no fork for these: nothing would stop them
    # Generous (the CPU time of one render grows several-fold when the other core is busy): what
    # it rules out is a text under IN_PROCESS_BYTES that runs away, which nothing would stop.
    assert time.process_time() - start < 2


def test_a_realistic_200_kb_note_needs_well_under_the_budget():
    demo = sorted((Path(rendering.__file__).parents[1] / "articles" / "demo").glob("*.md"))
    parts = [split_front_matter(path.read_text(encoding="utf-8"))[1] for path in demo]
    body, index = "", 0
    while len(body.encode()) < 190_000:
        body += parts[index % len(parts)] + "\n\n"
        index += 1
    rendering._render_article("Warm: $x$\n\n```python\nx = 1\n```\n", "")
    # CPU time, measured in this process: what the budget counts. It still grows when the other
    # core is busy (shared caches): 0.93-1.29 s on a quiet 2-core machine on 2026-12-07, 1.7 s at
    # load 16. Rendering faster is the performance issue's; this test keeps the size limit honest.
    start = time.process_time()
    rendering._render_article(body, "")
    assert time.process_time() - start < limits.RENDER_SECONDS * 0.8


def test_a_body_over_the_cap_is_refused_at_once_naming_size_and_limit():
    seconds, outcome = render_timed("字" * (CAP // 3 + 1))
    assert seconds < 2  # refused before any parsing: far under the render budget even under load
    assert outcome == "The body is 256 KB; the limit is 256 KB. Split it into several articles."
    _, outcome = render_timed("x" * (CAP + 100 * 1024))
    assert outcome.startswith("The body is 356 KB; the limit is 256 KB")


def test_a_summary_over_its_cap_is_refused_naming_the_summary():
    with pytest.raises(RenderError, match="The summary is 4 KB; the limit is 4 KB"):
        render_markdown("s" * (limits.MAX_SUMMARY_BYTES + 1), field="summary")
    _, outcome = render_timed("Body.", summary="s" * (CAP + 1))
    assert outcome.startswith("The summary is 256 KB; the limit is 256 KB")


def test_past_the_budget_the_text_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setattr(limits, "RENDER_SECONDS", 0.05)
    start = time.monotonic()
    with pytest.raises(RenderError, match=r"longer than 0.05 s to render"):
        render_article(NAMED["headings, line after line"])
    assert time.monotonic() - start < 1.5


# --- The budget itself: a forked child, killed in time, harmless to its parent.


def _sleep(seconds):
    time.sleep(seconds)
    return "woke"


def _spin(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return "spun"


def _fail():
    raise RenderError("refused in the child")


def _die():
    os.kill(os.getpid(), 9)


def _hog():
    return len(bytearray(MEMORY_BYTES + (1 << 30)))


def test_within_budget_answers_kills_and_reports():
    assert within_budget(5, _sleep, 0) == "woke"
    start = time.monotonic()
    with pytest.raises(OverBudget):  # CPU time spent
        within_budget(0.2, _spin, 30)
    with pytest.raises(OverBudget):  # no CPU time, but WALL_FACTOR times the budget in wall-clock time
        within_budget(0.2, _sleep, 30)
    assert time.monotonic() - start < 2 * (WALL_FACTOR * 0.2 + 1)
    with pytest.raises(RenderError, match="refused in the child"):
        within_budget(5, _fail)
    with pytest.raises(WorkerDied, match="SIGKILL"):
        within_budget(5, _die)
    with pytest.raises(OverBudget, match="memory"):
        within_budget(5, _hog)


def test_renders_from_several_threads_at_once():
    results, body = [], "## 标题\n\n" + "正文 $x$ [链接](https://example.org)。\n\n" * 400
    expected = rendering._render_article(body, "")

    def work():
        results.append(render_article(body))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


@pytest.mark.django_db
def test_the_database_connection_survives_refused_and_rendered_texts(monkeypatch):
    Article.objects.count()  # the connection is open before the forks
    render_article(NAMED["links, closed"][:20_000])
    monkeypatch.setattr(limits, "RENDER_SECONDS", 0.05)
    with pytest.raises(RenderError):
        render_article(NAMED["headings, line after line"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert Article.objects.count() == 0


# --- Through the admin and the preview.


def add_form(body, **changes):
    return factories.add_form(body=body, **changes)


@pytest.mark.django_db
def test_the_admin_refuses_a_body_too_slow_to_render_and_keeps_the_text(staff_client, monkeypatch):
    monkeypatch.setattr(limits, "RENDER_SECONDS", 0.05)
    body = "正文保留。\n\n" + NAMED["headings, line after line"][:100_000]
    start = time.monotonic()
    response = staff_client.post(reverse("admin:articles_article_add"), add_form(body))
    assert time.monotonic() - start < 10
    html = response.content.decode()
    assert response.status_code == 200
    assert "longer than 0.05 s to render" in html
    assert "正文保留。" in html and html.count("## h") >= 20_000  # the text is back in the form
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_body_over_the_cap_and_keeps_the_text(staff_client):
    body = "开头保留。" + "x" * CAP
    response = staff_client.post(reverse("admin:articles_article_add"), add_form(body))
    html = response.content.decode()
    assert response.status_code == 200
    assert "the limit is 256 KB" in html
    assert "开头保留。" in html and html.count("x" * 1000) >= CAP // 1000 - 1
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_the_preview_answers_a_hostile_body_fast(staff_client, monkeypatch):
    url = reverse("admin:articles_article_preview")
    for body in (NAMED["unclosed links"], NAMED["nested divs"], NAMED["unclosed \\( math"]):
        start = time.monotonic()
        answer = staff_client.post(url, {"body": body}).json()
        assert time.monotonic() - start < BOUND + 1
        assert "html" in answer or "render" in answer["error"] or "nests more than" in answer["error"]
    monkeypatch.setattr(limits, "RENDER_SECONDS", 0.05)
    answer = staff_client.post(url, {"body": NAMED["headings, line after line"]}).json()
    assert "longer than 0.05 s to render" in answer["error"]


# --- The linear processors (markup/linear_markdown.py) change the cost, not the result.

LINK_TOKENS = [
    "[", "]", "(", ")", "![", "a", "b c", " ", "\n", '"', "'", "t", "<", ">", "<u>", "\\", "\\(",
    "\\)", "$", "`", "*", "http://x.org/", "(a)", "[a]", "[a](b)", '[a](b "t")', "[^1]", "\\\\",
]  # fmt: skip


def _reference_markdown():
    import markdown

    from markup.linear_markdown import LinearMarkdown

    extensions = [e for e in rendering.EXTENSIONS if not isinstance(e, LinearMarkdown)]
    return markdown.Markdown(extensions=extensions, extension_configs=rendering.EXTENSION_CONFIGS)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(LINK_TOKENS), max_size=30).map("".join))
def test_links_images_and_bracket_math_come_out_as_python_markdown_makes_them(source):
    reference = _reference_markdown()
    assert rendering._markdown().convert(source) == reference.convert(source)


def test_long_links_with_nested_parentheses_and_titles_are_still_links():
    source = "[w](https://en.wikipedia.org/wiki/A_(b_(c))_d) " + "x" * 40 + ' [t](/p "a (title)") ' * 20
    assert rendering._markdown().convert(source) == _reference_markdown().convert(source)
    html = render_markdown(source).html
    assert 'href="https://en.wikipedia.org/wiki/A_(b_(c))_d"' in html and html.count('title="a (title)"') == 20


def test_a_less_than_sign_in_prose_no_longer_opens_a_tag_to_the_end_of_the_text():
    html = render_markdown("若 a<b 且 c<d，则 <b>粗</b>。\n\n<div class=note>x</div>").html
    assert html == '<p>若 a&lt;b 且 c&lt;d，则 <b>粗</b>。</p>\n<div class="note">x</div>'


# --- Through import_markdown, in its worker processes and without them.

GOOD_FILE = "---\ntitle: 好文件\n---\n正文 $x$。\n"


@pytest.mark.django_db
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_import_reports_a_body_too_slow_to_render_by_name_and_imports_the_rest(tmp_path, monkeypatch, jobs):
    from io import StringIO

    from django.core.management import CommandError, call_command

    monkeypatch.setattr(limits, "RENDER_SECONDS", 0.05)  # forked import workers inherit it
    (tmp_path / "good.md").write_text(GOOD_FILE, encoding="utf-8")
    (tmp_path / "slow.md").write_text("---\ntitle: 慢\n---\n" + NAMED["headings, line after line"], encoding="utf-8")
    (tmp_path / "huge.md").write_text("---\ntitle: 大\n---\n" + "x" * (CAP + 1), encoding="utf-8")
    out, err = StringIO(), StringIO()
    start = time.monotonic()
    with pytest.raises(CommandError):
        call_command("import_markdown", str(tmp_path), "--jobs", jobs, stdout=out, stderr=err)
    assert time.monotonic() - start < 20
    report = err.getvalue()
    assert "slow.md" in report and "longer than 0.05 s to render" in report
    assert "huge.md" in report and "the limit is 256 KB" in report
    assert list(Article.objects.values_list("title", flat=True)) == ["好文件"]


def test_a_child_cut_short_while_answering_is_a_clear_refusal(monkeypatch):
    def half_an_answer(fd, *args):
        return pickle.dumps((True, "x" * 1000))[:100]

    monkeypatch.setattr(render_budget, "_read_until", half_an_answer)
    with pytest.raises(WorkerDied, match="partial answer"):
        within_budget(1, len, "abc")


def test_a_signal_to_the_process_group_ends_the_child_not_the_parents_handlers():
    """A server's handler (gunicorn's quit, say) inherited by the child would keep it running
    (here: past its time, OverBudget) or raise SystemExit into the server; the child just ends."""

    def wait_for_sigterm():
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill -TERM -<pgid>` would deliver it
        time.sleep(5)
        return "not reached"

    previous = signal.signal(signal.SIGTERM, lambda *args: None)  # the server's own handler
    try:
        with pytest.raises(WorkerDied, match="SIGTERM"):
            within_budget(1, wait_for_sigterm)
    finally:
        signal.signal(signal.SIGTERM, previous)
