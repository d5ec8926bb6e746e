"""Page benchmark: the CPU each page costs under gunicorn and wrk, against two references.

    python -m bench.pages --articles 1000          (or: make bench ARTICLES=1000)

Generates N realistic notes (bench/corpus.py: the size, formulas, code, tables and headings
of the demo articles, Chinese and English) as Markdown files, imports them with one
`import_markdown --jobs 2` into a fresh PostgreSQL database (`kb_bench_pages` on the server
of $BENCH_POSTGRES_URL or the local one, which must run on this machine: its backends' CPU
is read from /proc), then serves the site with gunicorn (gunicorn.conf.py, 2 sync workers,
DEBUG off) twice, with the same settings: once with the page cache (a Redis the benchmark
starts) and once without. wrk loads each target in turn, in rounds whose order rotates; for
each run the CPU time spent by the serving gunicorn (master and workers), the PostgreSQL
backends of the database and Redis is divided by the requests served (bench/cpu.py). The
CPU per request of every page is divided by that of two references measured in the same
round (bench/ceilings.py): a bare view returning a fixed 20 KB page (the framework's cost)
and a plain Django template rendering 20 KB from 12 dicts (the template language's cost).
The references run on a third gunicorn with the same workers and Django's stock settings
(bench/reference_settings.py), so that none of the site's code (middleware, URLconf, context,
database) is in them: what the site adds to a request shows in its ratios.
CPU per request, unlike requests per second, hardly moves with what else runs on the
machine. Prints the median of the rounds as a Markdown table with the issue's targets
(uncached feed, article, tag page and tag index at most 12× the fixed page, search 25×;
with the page cache at least 0.75 of the fixed page's speed), met or missed; also written
to bench/.data/pages-N.md. Needs wrk (apt-get install wrk) and redis-server. Not part of
the test suite.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def say(message):
    print(message, file=sys.stderr, flush=True)


def write_markdown(count, folder):
    """`count` corpus notes (bench/corpus.py) as Markdown files bench-0.md ... in `folder`, newest first,
    seven minutes apart; returns the folders to import."""
    from bench import corpus

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index, note in enumerate(corpus.notes(count)):
        moment = start - timedelta(minutes=7 * index)
        (folder / f"bench-{index}.md").write_text(note.markdown(f"bench-{index}", moment.isoformat()))
    return [folder]


def fresh_database(name="kb_bench_pages"):
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}"


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def import_articles(env, parts):
    """Seconds to import every file: one `import_markdown --jobs 2` (two processes prepare, one writes).

    A file refused for its rendering time is imported once more, alone: the limit is of CPU
    time but also of twice that in wall-clock time, which a loaded machine can overrun.
    """
    started = time.perf_counter()
    command = [sys.executable, "manage.py", "import_markdown", "--jobs", "2", *map(str, parts)]
    result = subprocess.run(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode:
        failed = re.findall(r"^(/\S+\.md): .*longer than", result.stderr, re.M)
        if not failed:
            raise SystemExit("the import failed")
        say(f"Importing the {len(failed)} file(s) refused for time once more")
        manage(env, "import_markdown", *failed)
    return time.perf_counter() - started


def vacuum(url):
    """What autovacuum does to a production database some minutes after a bulk load: without
    fresh statistics and visibility map, PostgreSQL plans a fresh import's queries blind."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(command, env, log):
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_answering(port, path="/healthz", seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
        )
        if result.stdout == "200":
            return
        time.sleep(0.3)
    raise SystemExit(f"nothing answers on port {port}")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, seconds, connections):
    """(requests, requests per second, p50 ms, p99 ms) of one wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    if "Socket errors" in output:
        say(f"  ({url}: {output.split('Socket errors:')[1].splitlines()[0].strip()})")

    def latency(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * UNITS[unit]

    requests = int(re.search(r"^\s*(\d+) requests in", output, re.M)[1])
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return requests, rate, latency(50), latency(99)


FIXED = "fixed 20 KB page"
# What each server answers when it is ready: the site's health check, or the fixed page.
HEALTH = {"uncached": "/healthz", "cached": "/healthz", "reference": "/bench/fixed/"}
PLAIN = "plain template, 12 dicts"
# The targets, as CPU per request ÷ the fixed page's in the same round: uncached pages
# at most 12× (search 25×); with the page cache at least 0.75 of the fixed page's speed, that is
# at most 1 / 0.75 of its CPU.
UNCACHED_MOST = {"feed page 1": 12, "article": 12, "tag page": 12, "tag index": 12, "search 注意力": 25}
CACHED_LEAST = 0.75


def targets(count, search=True):
    deep = max(1, round(count / 12 * 0.6))
    pages = [
        ("feed page 1", "/"),
        (f"feed page {deep:,}", f"/?page={deep}"),
        ("article", f"/articles/bench-{count // 2}/"),
        ("tag page", f"/tags/{quote('llm')}/"),
        ("tag index", "/tags/"),
    ]
    return (
        [(FIXED, "reference", "/bench/fixed/"), (PLAIN, "reference", "/bench/plain-template/")]
        + [(name, "uncached", path) for name, path in pages]
        + ([("search 注意力", "uncached", f"/search/?q={quote('注意力')}")] if search else [])
        + [(name, "cached", path) for name, path in pages]
    )


class Meter:
    """CPU seconds spent by the server behind each port, the PostgreSQL backends of its database and Redis."""

    def __init__(self, servers, redis, database_url):
        from bench.cpu import Backends

        self.servers, self.redis = servers, redis
        name = database_url.rsplit("/", 1)[1]
        self.backends = Backends(POSTGRES, name)
        if not self.backends.seconds():
            say(f"  (no PostgreSQL backend of {name} visible in /proc: its CPU is left out)")

    def sample(self, server):
        from bench.cpu import tree_seconds

        # Redis too, whichever the server: only the page cache uses it much, but any use counts.
        processes = tree_seconds(self.servers[server].pid) + tree_seconds(self.redis.pid)
        return processes, self.backends.seconds()

    def since(self, server, before):
        from bench.cpu import spent

        processes, backends = self.sample(server)
        return processes - before[0] + spent(before[1], backends)


def measure(ports, meter, count, rounds, seconds, connections, search):
    plan = targets(count, search)
    results = {(name, server): [] for name, server, _ in plan}
    # Warm up: every worker past its first, slow request (imports, jieba), every cache filled.
    for server, port in ports.items():
        wrk(f"http://127.0.0.1:{port}{HEALTH[server]}", 8, connections)
    for _name, server, path in plan:
        wrk(f"http://127.0.0.1:{ports[server]}{path}", 2, connections)
    for round_number in range(rounds):
        shift = round_number * 3 % len(plan)
        for name, server, path in plan[shift:] + plan[:shift]:
            before = meter.sample(server)
            requests, rate, p50, p99 = wrk(f"http://127.0.0.1:{ports[server]}{path}", seconds, connections)
            if not requests:  # every request timed out: nothing to divide by, the table says so
                say(f"round {round_number + 1}/{rounds}  {name:26} {server:8} no answer within wrk's timeout")
                continue
            cpu_ms = meter.since(server, before) * 1000 / requests
            results[(name, server)].append((round_number, rate, p50, p99, cpu_ms))
            say(
                f"round {round_number + 1}/{rounds}  {name:26} {server:8} {rate:7.0f} req/s  "
                f"p50 {p50:6.2f} ms  CPU {cpu_ms:6.2f} ms/request"
            )
    return plan, results


def _verdict(name, server, over_fixed):
    """(target text, met) of one row, or ("", None) where the issue sets none."""
    if server == "uncached" and name in UNCACHED_MOST:
        most = UNCACHED_MOST[name]
        return f"≤ {most}×", over_fixed <= most
    if server == "cached":
        return f"≥ {CACHED_LEAST} of fixed ({1 / over_fixed:.2f})", 1 / over_fixed >= CACHED_LEAST
    return "", None


def report(count, import_seconds, plan, results, started):
    def per_round(name):
        return {r: cpu for r, _, _, _, cpu in results[(name, "reference")]}

    fixed, plain = per_round(FIXED), per_round(PLAIN)
    rows = [
        f"Pages at {count:,} realistic articles (bench/corpus.py), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
        "PostgreSQL, gunicorn.conf.py with 2 sync workers, DEBUG off; wrk -t2; CPU per request of the server "
        "processes, their PostgreSQL backends and Redis; median of the rounds, "
        "ratios against the references measured in the same round (served by Django's stock settings, "
        "none of the site's middleware)",
        "",
        "| page | page cache | CPU ms/request | × fixed 20 KB page | × plain template | target | | req/s | p50 ms |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: |",
    ]
    medians = {}
    for name, server, _ in plan:
        runs = [run for run in results[(name, server)] if run[0] in fixed and run[0] in plain]
        if not runs:
            rows.append(f"| {name} | {'on' if server == 'cached' else 'off'} | no answer in any round | | | | | | |")
            continue
        cpu = statistics.median(run[4] for run in runs)
        over_fixed = statistics.median(run[4] / fixed[run[0]] for run in runs)
        over_plain = statistics.median(run[4] / plain[run[0]] for run in runs)
        rate = statistics.median(run[1] for run in runs)
        p50 = statistics.median(run[2] for run in runs)
        medians[(name, server)] = (cpu, over_fixed, p50)
        target, met = _verdict(name, server, over_fixed)
        verdict = {True: "met", False: "**missed**", None: ""}[met]
        cache = {"cached": "on", "uncached": "off", "reference": "–"}[server]
        rows.append(
            f"| {name} | {cache} | {cpu:.2f} | {over_fixed:.1f}× | {over_plain:.2f}× | {target} | {verdict} "
            f"| {rate:,.0f} | {p50:.1f} |"
        )
    deep = next(name for name, _, _ in plan if name.startswith("feed page ") and name != "feed page 1")
    load = os.getloadavg()
    minutes = (time.monotonic() - started) / 60
    rows += [
        "",
        f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min), "
        f"{os.cpu_count()} cores; the run took {minutes:.0f} min.",
    ]
    checks = []
    if import_seconds is not None:
        rate, least = count / import_seconds, 10_000 / 180
        checks.append(
            (f"import: {count:,} articles in {import_seconds:.0f} s, {rate:.0f} files/s "
             f"(10,000 in 3 min is {least:.0f} files/s)", rate >= least)
        )  # fmt: skip
    if (deep, "uncached") in medians and ("feed page 1", "uncached") in medians:
        deep_ratio = medians[(deep, "uncached")][0] / medians[("feed page 1", "uncached")][0]
        checks.append((f"{deep} at most 3 × page 1 (uncached CPU): {deep_ratio:.1f}×", deep_ratio <= 3))
    rows += ["", *[f"- {'met' if met else '**missed**'}: {text}" for text, met in checks]]
    return "\n".join(rows) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="how many articles (default 1,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every target (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections (default 8)")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (no import)")
    parser.add_argument("--no-search", dest="search", action="store_false", help="leave the search page out")
    args = parser.parse_args()
    started = time.monotonic()
    # Stopped with SIGTERM too, the servers started below are stopped (the `finally`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    for tool in ("wrk", "redis-server", "curl"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: apt-get install {tool}")

    folder = DATA / f"pages-{args.articles}"
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "KB_TEST_DATABASE_NAME"}}
    env.update(
        DATABASE_URL=POSTGRES.rsplit("/", 1)[0] + "/kb_bench_pages" if args.reuse else fresh_database(),
        DJANGO_SETTINGS_MODULE="kb.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "s3cret-" * 8,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        STATIC_ROOT=str(folder / "static"),
        LOG_LEVEL="WARNING",  # no line per request: the log would weigh on every target alike
        WEB_CONCURRENCY="2",  # two sync workers, one per core
    )
    import_seconds = None
    manage(env, "migrate", "--noinput", "-v", "0")  # with --reuse too: the code may have moved on
    if not args.reuse:
        say(f"Writing {args.articles:,} Markdown files")
        parts = write_markdown(args.articles, folder / "markdown")
        say("Importing")
        import_seconds = import_articles(env, parts)
        say(f"Imported in {import_seconds:.0f} s")
        vacuum(env["DATABASE_URL"])
    manage(env, "collectstatic", "--noinput", "-v", "0")

    processes = []
    with open(folder / "servers.log", "wb") as log:
        try:
            redis_port = free_port()
            redis = [shutil.which("redis-server"), "--port", str(redis_port), "--save", "", "--appendonly", "no"]
            processes.append(serve(redis, env, log))
            ports = {"uncached": free_port(), "cached": free_port(), "reference": free_port()}
            servers = {}
            for server, cache in (("uncached", "false"), ("cached", "true")):
                server_env = dict(env, BIND=f"127.0.0.1:{ports[server]}", KB_PAGE_CACHE=cache)
                server_env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
                servers[server] = serve([sys.executable, "-m", "gunicorn"], server_env, log)
                processes.append(servers[server])
            reference_env = {k: v for k, v in env.items() if k != "DATABASE_URL"}
            reference_env.update(
                DJANGO_SETTINGS_MODULE="bench.reference_settings", BIND=f"127.0.0.1:{ports['reference']}"
            )
            servers["reference"] = serve(
                [sys.executable, "-m", "gunicorn", "-c", "bench/reference_gunicorn.py"], reference_env, log
            )
            processes.append(servers["reference"])
            for server, port in ports.items():
                wait_until_answering(port, HEALTH[server])
            meter = Meter(servers, processes[0], env["DATABASE_URL"])
            plan, results = measure(
                ports, meter, args.articles, args.rounds, args.seconds, args.connections, args.search
            )
            meter.backends.close()
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    table = report(args.articles, import_seconds, plan, results, started)
    (DATA / f"pages-{args.articles}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
