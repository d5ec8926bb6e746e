"""Load test: the production configuration under many concurrent clients, reads, searches and saves.

    python -m bench.load --articles 2000 --clients 64 --seconds 60      (or: make load)

Imports N synthetic articles (bench/corpus.py, as bench/pages.py does) into a fresh
PostgreSQL database `kb_bench_load` (`--reuse` keeps the last one), starts a Redis on a free
port and serves the site as in production: DEBUG off, gunicorn with gunicorn.conf.py, the
page cache on (REDIS_URL). Then, for `--seconds`, `--clients` clients at once:

- Anonymous readers and searchers (bench/readers.py), driven by wrk: one wrk process per
  kind of page (feed pages from the first to the deepest, articles, tag pages and tag pairs
  with their deeper pages, series pages, Atom feeds, searches), each connection picking its
  next address (a Lua `request()`) by the reader model (`--readers`: `zipf`, popular pages
  asked for more, by default; `walk`, every address once before any twice; bench/readers.py),
  and counting every status that is not 200. The searches mix Chinese and English queries,
  tag filters, both sorts and deeper result pages (the last page of each, learned by asking
  for page 1 first).
- `--editors` staff clients (bench/editors.py; members of Editors, created beforehand),
  driven by Python threads: each signs in once through /admin/login/, then loops: reads an article
  anonymously (so that its page is in the page cache), opens its admin change form, keeps
  every field as the form has it (the `version` of the optimistic lock included), changes
  the body, posts it with the CSRF token and expects the 302; then reads the anonymous page
  again, revalidating its copy as a browser does (If-None-Match, If-Modified-Since): it
  must get the new text at once (a 304 or the old text is a stale read). Every tenth save
  adds a new published article instead, which must then be on its page and on the feed's
  first page. Each editor edits its own share of the articles, so that none of these saves
  is refused as a conflict. Another save in ten is a contest instead: two editors (0 and 1,
  2 and 3, ...) open one article's form, wait for each other, and post at once; the optimistic
  lock must accept one and refuse the other with its diff. After the run, every edited page
  must still show its last edit (a lost save is an error).

wrk for the readers because it drives 60 connections for about 1 % of the machine's CPU,
which a Python client (a thread per connection, HTTP parsed under the GIL) would take from
the server on this 2-core machine; Python for the editors, who need sessions, CSRF tokens
and form parsing, at a rate it keeps up with easily. The report includes the CPU each part
used during the run (gunicorn, PostgreSQL, Redis, the drivers), to show that the server,
not the drivers, was the bottleneck.

Errors: any unexpected status (a 404 for a page known to exist is one), connection errors,
timeouts, stale reads, refused or lost saves, and any traceback, ERROR or CRITICAL line in
the server log. The table goes to bench/.data/load.md and to stdout; the exit status is 1
when there was any error. Needs wrk and redis-server. Not part of the test suite.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench.editors import Contest, Editor, Recorder, fetch, sign_in
from bench.pages import (
    DATA,
    POSTGRES,
    ROOT,
    free_port,
    fresh_database,
    import_articles,
    manage,
    say,
    serve,
    vacuum,
    wait_until_answering,
    write_markdown,
)
from bench.readers import WEIGHTS, ZIPF_EXPONENT, read_paths, search_paths, share, start_wrk, wrk_result

DATABASE = "kb_bench_load"
PASSWORD = "load-editor-password-4711"
INVENTORY = """
import itertools, json
from collections import Counter
from articles.models import Article
from articles.reading.queries import series_in_use, tags_in_use
published = Article.objects.published()
pairs = Counter()
tags_of = {}
for pk, slug in published.values_list("pk", "tags__slug"):
    if slug:
        tags_of.setdefault(pk, []).append(slug)
for slugs in tags_of.values():
    pairs.update(itertools.combinations(sorted(slugs), 2))
print(json.dumps({
    "articles": list(published.values_list("pk", "slug")),
    "tags": [[tag.slug, tag.count] for tag in tags_in_use()],
    "pairs": [["+".join(pair), count] for pair, count in pairs.most_common(20)],
    "series": [s.slug for s in series_in_use()],
}))
"""
EDITORS = """
import sys
from django.contrib.auth.models import Group, User
editors = Group.objects.get(name="Editors")
for index in range(int(sys.argv[1])):
    user, _ = User.objects.get_or_create(username=f"load-editor-{index}")
    user.is_staff, user.is_active = True, True
    user.set_password(sys.argv[2])
    user.save()
    user.groups.add(editors)
"""


def shell(env, code, *args):
    """Run `code` in `manage.py shell` (with sys.argv[1:] = args); its standard output."""
    script = f"import sys; sys.argv = {['shell', *args]!r}\n" + code
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"manage.py shell failed:\n{result.stderr}")
    return result.stdout


# CPU accounting from /proc: who used the machine during the run.
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """CPU seconds of `pids`, with their reaped children (recycled gunicorn workers, closed backends)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / TICK


def pids_where(test):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat.split(" (", 1)[1].rsplit(")", 1)
            if test(name, rest.split()):
                found.append(int(entry.name))
    return found


def machine_busy():
    values = list(map(int, Path("/proc/stat").read_text().splitlines()[0].split()[1:]))
    idle = values[3] + values[4]
    return sum(values[:8]) / TICK, (sum(values[:8]) - idle) / TICK


def cpu_snapshot(gunicorn, redis):
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "gunicorn": cpu_seconds(pids_where(lambda _n, f: int(f[2]) == gunicorn)),  # its process group
        "PostgreSQL": cpu_seconds(pids_where(lambda name, _f: name == "postgres")),
        "Redis": cpu_seconds([redis]),
        "drivers": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "machine": machine_busy(),
    }


def cpu_line(before, after, seconds):
    total, busy = (a - b for a, b in zip(after["machine"], before["machine"], strict=True))
    used = {name: after[name] - before[name] for name in ("gunicorn", "PostgreSQL", "Redis", "drivers")}
    used["anything else on the machine"] = max(0, busy - sum(used.values()))
    shares = ", ".join(f"{name} {seconds_used / total:.0%}" for name, seconds_used in used.items())
    return (
        f"CPU over the {seconds} s: {busy / total:.0%} busy of {os.cpu_count()} cores; of all CPU time: {shares} "
        "(PostgreSQL: all its processes on the machine; drivers: wrk and the Python editors)."
    )


def scan_log(path):
    """Lines of the server log that show an error: tracebacks, ERROR and CRITICAL."""
    bad = []
    for line in Path(path).read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict):
            if "traceback" in entry or entry.get("level") in {"ERROR", "CRITICAL"}:
                bad.append(line)
        elif "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line:
            bad.append(line)
    return bad


def run(port, redis_pid, gunicorn_pid, inventory, args):
    recorder = Recorder()
    paths = read_paths(inventory)
    say("Learning the search pages (page 1 of every search)")
    paths["searches"] = search_paths(port)
    connections = share(args.clients - args.editors, WEIGHTS)
    say("Signing the editors in")
    sessions = [sign_in(port, f"load-editor-{n}", PASSWORD, recorder, args.timeout) for n in range(args.editors)]
    articles = inventory["articles"]
    run_id = datetime.now(UTC).strftime("%H%M%S")
    shares = [articles[n :: args.editors] for n in range(args.editors)]
    # Editors in pairs (0 and 1, 2 and 3, ...) contest an article taken out of the first one's share.
    contests = [Contest(shares[n].pop()) for n in range(0, args.editors - 1, 2)]
    editors = [
        Editor(session, n, shares[n], run_id, contests[n // 2] if n // 2 < len(contests) else None)
        for n, session in enumerate(sessions)
    ]
    if not args.cold:
        say("Asking for every address the readers know once, before the clock (a site that has been serving)")
        prime(port, [path for kind, kind_paths in paths.items() if kind != "searches" for path in kind_paths])
    say(f"Loading for {args.seconds} s: {connections}, {args.editors} editors")
    with tempfile.TemporaryDirectory(prefix="kb-load-") as scripts:
        before = cpu_snapshot(gunicorn_pid, redis_pid)
        started = time.monotonic()
        processes = {
            kind: start_wrk(port, paths[kind], count, args.seconds, args.timeout, scripts, kind, args.readers)
            for kind, count in connections.items()
        }
        threads = [threading.Thread(target=editor.run, args=(started + args.seconds,)) for editor in editors]
        for thread in threads:
            thread.start()
        for kind, process in processes.items():
            wrk_result(kind, process, recorder)
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        after = cpu_snapshot(gunicorn_pid, redis_pid)
    say("Checking that every edit is still there")
    for editor in editors:
        editor.check_kept()
    return recorder, connections, paths, elapsed, cpu_line(before, after, args.seconds)


def prime(port, paths):
    """Ask for every one of `paths` once (two at a time): the page cache holds them all."""
    with ThreadPoolExecutor(2) as pool:
        for path, (status, _headers, _body) in zip(paths, pool.map(lambda path: fetch(port, path), paths), strict=True):
            if status != 200:
                raise SystemExit(f"{path} answered {status} before the run")


READER_MODELS = {
    "zipf": f"Zipf, the n-th most popular address of a kind asked for in proportion to 1/n^{ZIPF_EXPONENT}",
    "walk": "the readers of each kind walk every address of it once before any twice",
}


def _ratio(hits, misses):
    return f"{hits / (hits + misses):.1%}" if hits + misses else "–"


def report(recorder, connections, paths, elapsed, cpu, log_errors, args, inventory):
    clients = {**connections, **dict.fromkeys(recorder.editor_kinds(), args.editors)}
    rows = [
        f"Load at {len(inventory['articles']):,} articles: {args.clients} clients for {args.seconds} s "
        f"({sum(connections.values())} wrk connections, {args.editors} editors); PostgreSQL; gunicorn.conf.py; "
        "DEBUG off; page cache on (Redis)",
        "",
        "| requests | clients | addresses | count | req/s | p50 ms | p99 ms | page cache hits | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = 0
    for kind, (count, p50, p99, kind_errors) in recorder.summary().items():
        addresses = f"{len(paths[kind]):,}" if kind in paths else "–"
        wrong = sum(kind_errors.values())
        rate = "before the clock"  # each editor signs in once, before the run
        if kind != "editor sign-in":
            total, rate = total + count, f"{count / elapsed:,.1f}"
        hits = _ratio(*recorder.cache[kind][:2]) if kind in recorder.cache else "–"
        rows.append(
            f"| {kind} | {clients.get(kind, args.editors)} | {addresses} | {count:,} | {rate} "
            f"| {p50:.1f} | {p99:.1f} | {hits} | {wrong} |"
        )
    # Every error counts, also those of no kind in the table (an editor's thread that crashed).
    errors = sum(n for _, _, n in recorder.problems()) + len(log_errors)
    cached = [counts for counts in recorder.cache.values() if counts[0] + counts[1]]
    hits, misses, warm_hits, warm_misses = (sum(column) for column in zip(*cached, strict=True)) if cached else [0] * 4
    everything = f"| **all** | {args.clients} | | {total:,} | {total / elapsed:,.1f} | | "
    rows.append(everything + f"| {_ratio(hits, misses)} | {errors} |")
    rows += [
        "",
        f"Saves: {recorder.saves} edits and {recorder.created} new articles, each read back at once after it; "
        f"{recorder.contests} contests (two editors saving one article from the same version at once).",
        f"Page cache hit ratio of the readers (the kinds it serves: not searches): {_ratio(hits, misses)} of "
        f"{hits + misses:,} requests; {_ratio(warm_hits, warm_misses)} once the readers of each kind had made as "
        f"many requests as it has addresses. Readers: {READER_MODELS[args.readers]}; "
        + ("the page cache empty at the start. " if args.cold else "every address asked for once before the clock. ")
        + f"Stale reads: {recorder.stale_reads()}.",
    ]
    problems = [f"{kind}: {what} × {n}" for kind, what, n in recorder.problems()]
    problems += [f"server log: {line[:300]}" for line in log_errors]
    if len(problems) > 20:
        problems = [*problems[:20], f"... and {len(problems) - 20} more"]
    rows += ["", "Errors: none." if not problems else "Errors:", *[f"- {problem}" for problem in problems]]
    rows += [
        "",
        cpu,
        "Load average at the end: {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min), {} cores; {}.".format(
            *os.getloadavg(), os.cpu_count(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        ),
    ]
    return "\n".join(rows) + "\n", errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2_000, help="how many articles (default 2,000)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients in all (default 64)")
    parser.add_argument("--editors", type=int, default=4, help="of which staff editing in the admin (default 4)")
    parser.add_argument("--seconds", type=int, default=60, help="how long (default 60)")
    parser.add_argument("--timeout", type=int, default=20, help="seconds before a request counts as timed out")
    parser.add_argument(
        "--readers",
        choices=["zipf", "walk"],
        default="zipf",
        help="zipf: popular pages asked for more (default); walk: every address once before any twice",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="start with an empty page cache (default: every reader address asked for once before the clock)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (no import)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    for tool in ("wrk", "redis-server", "curl"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: apt-get install {tool}")

    folder = DATA / "load"
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "KB_TEST_DATABASE_NAME"}}
    env.update(
        DATABASE_URL=POSTGRES.rsplit("/", 1)[0] + f"/{DATABASE}" if args.reuse else fresh_database(DATABASE),
        DJANGO_SETTINGS_MODULE="kb.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "s3cret-" * 8,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        STATIC_ROOT=str(folder / "static"),
        LOG_LEVEL="WARNING",  # no line per request; warnings, errors and tracebacks stay
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    if not args.reuse:
        say(f"Writing {args.articles:,} Markdown files")
        parts = write_markdown(args.articles, folder / "markdown")
        say("Importing")
        say(f"Imported in {import_articles(env, parts):.0f} s")
        vacuum(env["DATABASE_URL"])
    manage(env, "collectstatic", "--noinput", "-v", "0")
    shell(env, EDITORS, str(args.editors), PASSWORD)
    inventory = json.loads(shell(env, INVENTORY).strip().splitlines()[-1])

    processes = []
    log_path = folder / "servers.log"
    with open(log_path, "wb") as log:
        try:
            redis_port = free_port()
            redis = [shutil.which("redis-server"), "--port", str(redis_port), "--save", "", "--appendonly", "no"]
            processes.append(serve(redis, env, log))
            port = free_port()
            server_env = dict(env, BIND=f"127.0.0.1:{port}", KB_PAGE_CACHE="true")
            server_env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            processes.append(serve([sys.executable, "-m", "gunicorn"], server_env, log))
            wait_until_answering(port)
            results = run(port, processes[0].pid, processes[1].pid, inventory, args)
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    table, errors = report(*results, scan_log(log_path), args, inventory)
    (DATA / "load.md").write_text(table)
    print(table)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
