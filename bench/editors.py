"""The load test's staff clients: sign in, edit and add articles through the admin, read them back.

Used by bench/load.py. Each `Editor` is one thread with its own session; `Recorder` collects
what every client saw (latencies, statuses, stale reads) for the report.
"""

import http.client
import math
import random
import re
import statistics
import threading
import time
import traceback
from collections import Counter, defaultdict
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

from bench.forms import form_fields

CHANGELIST = "/admin/articles/article/"
MARKER = re.compile(r"\s*Edited under load: loadmark\w+\.\s*")
NEW_EVERY = 10  # every tenth save of an editor adds an article instead of editing one
CONTEST_EVERY = 5  # and the fifth of every ten a contest with its partner, when it has one


class Recorder:
    """Counts, latencies and errors per kind of request, from any thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # kind -> milliseconds, Python clients
        self.counts = Counter()
        self.summaries = {}  # kind -> (count, p50, p99, errors), wrk
        self.errors = defaultdict(Counter)  # kind -> what -> how many
        self.saves = self.created = self.contests = 0
        self.cache = defaultdict(lambda: [0, 0, 0, 0])  # kind -> page cache hits, misses, and both once warm

    def add(self, kind, milliseconds=None, error=None):
        with self.lock:
            self.counts[kind] += 1
            if milliseconds is not None:
                self.latencies[kind].append(milliseconds)
            if error:
                self.errors[kind][error] += 1

    def error(self, kind, what):
        with self.lock:
            self.errors[kind][what] += 1

    def add_summary(self, kind, count, p50, p99, errors):
        with self.lock:
            self.summaries[kind] = (count, p50, p99, errors)
            self.errors[kind].update(errors)

    def add_cache(self, kind, hits, misses, warm_hits, warm_misses):
        with self.lock:
            counts = self.cache[kind]
            for index, value in enumerate((hits, misses, warm_hits, warm_misses)):
                counts[index] += value

    def stale_reads(self):
        stale = ("stale read", "new article missing from the feed")
        return sum(n for what, n in self.errors["anonymous read-back"].items() if what.startswith(stale))

    def editor_kinds(self):
        return list(self.counts)

    def summary(self):
        """kind -> (requests, p50 ms, p99 ms, errors): wrk's kinds, then the editors'."""
        rows = dict(self.summaries)
        for kind, count in self.counts.items():
            values = sorted(self.latencies[kind]) or [0.0]
            p99 = values[min(len(values) - 1, math.ceil(0.99 * len(values)) - 1)]
            rows[kind] = (count, statistics.median(values), p99, self.errors[kind])
        return rows

    def problems(self):
        return [(kind, what, n) for kind, whats in self.errors.items() for what, n in whats.items()]


def fetch(port, path, method="GET", body=None, headers=None, timeout=20):
    """(status, headers, body bytes) of one request on a new connection; redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Client:
    """One HTTP client with its cookies (none for an anonymous reader), recording every request."""

    def __init__(self, port, recorder, timeout=20):
        self.port, self.recorder, self.timeout = port, recorder, timeout
        self.cookies = {}

    def request(self, kind, path, fields=None, expect=200, headers=None):
        """The response's (headers, text), or None after recording why it was wrong.

        `expect`: the status the request must get, or a tuple of the statuses it may get."""
        headers = {"Connection": "close", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode([tuple(field) for field in fields] if isinstance(fields, list) else fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            status, response_headers, content = fetch(
                self.port, path, "POST" if fields is not None else "GET", body, headers, self.timeout
            )
        except TimeoutError:
            self.recorder.add(kind, error="timeout")
            return None
        except OSError as error:
            self.recorder.add(kind, error=f"connection error ({type(error).__name__})")
            return None
        milliseconds = (time.perf_counter() - started) * 1000
        for value in response_headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        if status not in (expect if isinstance(expect, tuple) else (expect,)):
            self.recorder.add(kind, milliseconds, f"status {status} (expected {expect}) for {path[:80]}")
            return None
        self.recorder.add(kind, milliseconds)
        return response_headers, content.decode("utf-8", "replace")


def replace(fields, **values):
    """`fields` with these names set to these values (added when the form has no such field)."""
    fields = [[name, values.pop(name) if name in values else value] for name, value in fields]
    return fields + [[name, value] for name, value in values.items()]


def sign_in(port, username, password, recorder, timeout=20):
    """A signed-in staff client, through the admin's own sign-in form (once per editor)."""
    client = Client(port, recorder, timeout)
    page = client.request("editor sign-in", "/admin/login/?next=/admin/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[1])[1] if page else ""
    fields = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    if client.request("editor sign-in", "/admin/login/?next=/admin/", fields, expect=302) is None:
        raise SystemExit(f"{username} could not sign in")
    return client


class Contest:
    """Two editors saving one article from forms opened at the same version, at the same moment.

    The optimistic lock must accept one save and refuse the other with its diff: two accepted
    saves would lose one, two refused would lose both.
    """

    def __init__(self, article):
        self.article = article
        self.barrier = threading.Barrier(2, timeout=60)
        self.outcomes = {}  # editor number -> ("saved" or "refused", marker)


class Editor:
    """A staff client editing its share of the articles (so that its own saves are never refused
    as conflicts) and, with a partner, now and then the same article at the same moment."""

    def __init__(self, client, number, articles, run_id, contest=None):
        self.client, self.number, self.articles, self.recorder = client, number, articles, client.recorder
        # Anonymous, on the same server: what readers get, from the page cache.
        self.reader = Client(client.port, client.recorder, client.timeout)
        self.run_id = run_id
        self.rng = random.Random(number)
        self.kept = {}  # article page -> the marker of its last save
        self.contest = contest

    def run(self, deadline):
        count = 0
        try:
            while time.monotonic() < deadline:
                count += 1
                if count % NEW_EVERY == 0:
                    self.add(count)
                elif count % CONTEST_EVERY == 0 and self.contest is not None:
                    self.contend(count)
                else:
                    self.edit(count)
        except Exception:  # a bug in the driver must fail the run, not just end one thread
            self.recorder.error("editor", f"driver crashed: {traceback.format_exc()[-300:]}")
            raise
        finally:
            if self.contest is not None:
                self.contest.barrier.abort()  # the partner's next contest ends, not waits

    def marker(self, count):
        return f"loadmark{self.run_id}x{self.number}x{count}"

    def save(self, kind, form_path, **values):
        """Open the form, post it with `values` changed; True when the admin accepted it."""
        page = self.client.request("admin form (GET)", form_path)
        if page is None:
            return False
        fields = form_fields(page[1], "article_form")
        if not fields:
            self.recorder.error(kind, "no article form on the page")
            return False
        body = values.pop("body", None)
        if body is not None:
            values["body"] = body(dict(fields).get("body", ""))
        saved = self.client.request(kind, form_path, [*replace(fields, **values), ["_save", "Save"]], expect=302)
        if saved is None:
            return False
        if not saved[0].get("Location", "").endswith(CHANGELIST):
            self.recorder.error(kind, f"redirected to {saved[0].get('Location')}")
            return False
        return True

    def read_back(self, path, marker, what="stale read", before=None):
        """Read `path` anonymously; it must show `marker`. With `before` (the headers of a read
        before the save), ask as a browser revalidating its copy would: a 304 is a stale read."""
        conditional = {}
        if before is not None:
            conditional = {"If-None-Match": before["ETag"], "If-Modified-Since": before["Last-Modified"]}
        page = self.reader.request("anonymous read-back", path, headers=conditional)
        if page is not None and marker not in page[1]:
            self.recorder.error("anonymous read-back", f"{what}: {path} without {marker}")
            return False
        return page is not None

    def edit(self, count):
        pk, slug = self.rng.choice(self.articles)
        path = f"/articles/{quote(slug)}/"
        before = self.reader.request("anonymous read-back", path)  # now in the page cache
        if before is None:
            return
        marker = self.marker(count)

        def body(old):
            return MARKER.sub("\n", old).rstrip() + f"\n\nEdited under load: {marker}.\n"

        if self.save("admin save (POST)", f"{CHANGELIST}{pk}/change/", body=body):
            with self.recorder.lock:
                self.recorder.saves += 1
            if self.read_back(path, marker, before=before[0]):
                self.kept[path] = marker

    def add(self, count):
        marker = self.marker(count)
        slug = f"load-{self.run_id}-{self.number}-{count}"
        saved = self.save(
            "admin new article (POST)",
            f"{CHANGELIST}add/",
            title=f"Load test note {self.run_id} {self.number} {count}",
            slug=slug,
            body=lambda _: f"新的笔记：注意力与卷积，attention and convolution.\n\nEdited under load: {marker}.\n",
            tags="llm, attention",
            status="published",
        )
        if saved:
            with self.recorder.lock:
                self.recorder.created += 1
            path = f"/articles/{slug}/"
            if self.read_back(path, marker):
                self.kept[path] = marker
            self.read_back("/", path, what="new article missing from the feed")

    def contend(self, count):
        contest = self.contest
        pk, slug = contest.article
        form_path, path = f"{CHANGELIST}{pk}/change/", f"/articles/{quote(slug)}/"
        page = self.client.request("admin form (GET)", form_path)
        fields = form_fields(page[1], "article_form") if page else None
        marker = self.marker(count)
        try:
            contest.barrier.wait()  # both forms are open, at the same version
            outcome = None
            if fields:
                body = MARKER.sub("\n", dict(fields).get("body", "")).rstrip() + f"\n\nEdited under load: {marker}.\n"
                answer = self.client.request(
                    "admin contested save (POST)",
                    form_path,
                    [*replace(fields, body=body), ["_save", "Save"]],
                    expect=(200, 302),
                )
                if answer is not None:
                    outcome = "saved" if answer[0].get("Location", "").endswith(CHANGELIST) else None
                    outcome = outcome or ("refused" if "Not saved:" in answer[1] else None)
            contest.outcomes[self.number] = (outcome, marker)
            contest.barrier.wait()  # both have their answer
            if self.number == min(contest.outcomes):
                self.judge(path)
            contest.barrier.wait()  # judged: the outcomes can be forgotten
        except threading.BrokenBarrierError:
            return  # the partner stopped: the run is over
        contest.outcomes.clear()

    def judge(self, path):
        outcomes = sorted(self.contest.outcomes.values(), key=lambda outcome: str(outcome[0]))
        with self.recorder.lock:
            self.recorder.contests += 1
        if None in [outcome for outcome, _ in outcomes]:
            return  # a request failed: recorded as such already
        if [outcome for outcome, _ in outcomes] != ["refused", "saved"]:
            what = "both saves accepted, one lost" if outcomes[0][0] == "saved" else "both refused"
            self.recorder.error("admin contested save (POST)", what)
            return
        if self.read_back(path, outcomes[1][1]):
            self.kept[path] = outcomes[1][1]

    def check_kept(self):
        """Every page this editor saved still shows its last save: no save was lost."""
        for path, marker in self.kept.items():
            self.read_back(path, marker, what="lost save")
