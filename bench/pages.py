"""Page benchmark: the site under gunicorn and wrk, against the framework's and the template's ceilings.

    python -m bench.pages --articles 10000          (or: make bench ARTICLES=10000)

Generates N synthetic articles (bench/corpus.py: mixed Chinese and English, math, code) as
Markdown files, imports them with one `import_markdown --jobs 2` into a fresh PostgreSQL
database (`kb_bench_pages` on the server of $BENCH_POSTGRES_URL or the local one; two worker
processes prepare the files, one writes them), then serves the site
with gunicorn (gunicorn.conf.py) twice, with the same settings: once with the page cache
(a Redis the benchmark starts) and once without. wrk loads each target in turn, in rounds
whose order rotates, and every page's throughput is divided by the ceilings measured in
the same round: a bare view returning a fixed 20 KB page (bench/ceilings.py) and the feed
template rendered from objects in memory. Reports the median of the rounds as a Markdown
table, also written to bench/.data/pages-N.md. Needs wrk (apt-get install wrk) and
redis-server. Not part of the test suite.
"""

import argparse
import json
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
SERIES = ["推理加速笔记", "强化学习笔记", "卷积网络笔记", "LeetCode 题解", "训练技巧"]
SERIES_LENGTH = 15


def say(message):
    print(message, file=sys.stderr, flush=True)


def write_markdown(count, folder):
    from bench import corpus

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index, (title, body, _html, tags) in enumerate(corpus.articles(count)):
        moment = start - timedelta(minutes=7 * index)
        front = {"title": title, "slug": f"bench-{index}", "date": moment.isoformat(), "tags": tags}
        if index % 10 == 0:  # one article in ten is part of a series of SERIES_LENGTH parts
            number, order = divmod(index // 10, SERIES_LENGTH)
            front.update(series=f"{SERIES[number % len(SERIES)]} {number + 1}", series_order=order + 1)
        # JSON is YAML: every value reaches the importer exactly as written here.
        lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
        (folder / f"bench-{index}.md").write_text("---\n" + "\n".join(lines) + "\n---\n" + body + "\n")
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
    """Seconds to import every file: one `import_markdown --jobs 2` (two processes prepare, one writes)."""
    started = time.perf_counter()
    manage(env, "import_markdown", "--jobs", "2", *map(str, parts))
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
    """(requests per second, p50 ms, p99 ms) of one wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    if "Socket errors" in output:
        say(f"  ({url}: {output.split('Socket errors:')[1].splitlines()[0].strip()})")

    def latency(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * UNITS[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return rate, latency(50), latency(99)


def targets(count, search=True):
    deep = max(1, round(count / 12 * 0.6))
    article = f"/articles/bench-{count // 2}/"
    pages = [
        ("feed page 1", "/"),
        (f"feed page {deep:,}", f"/?page={deep}"),
        ("article", article),
        ("tag page", f"/tags/{quote('llm')}/"),
    ]
    return (
        [
            ("fixed 20 KB page (ceiling)", "plain", "/bench/fixed/"),
            ("feed template (ceiling)", "plain", "/bench/template/"),
        ]
        + [(name, "cached", path) for name, path in pages]
        + [(name, "uncached", path) for name, path in pages]
        + ([("search 注意力", "uncached", f"/search/?q={quote('注意力')}")] if search else [])
    )


def measure(ports, count, rounds, seconds, connections, search):
    plan = targets(count, search)
    results = {(name, server): [] for name, server, _ in plan}
    # Warm up: every worker past its first, slow request (imports, jieba), every cache filled.
    for port in set(ports.values()):
        wrk(f"http://127.0.0.1:{port}/healthz", 8, connections)
    for _name, server, path in plan:
        wrk(f"http://127.0.0.1:{ports[server]}{path}", 2, connections)
    for round_number in range(rounds):
        shift = round_number * 3 % len(plan)
        for name, server, path in plan[shift:] + plan[:shift]:
            rate, p50, p99 = wrk(f"http://127.0.0.1:{ports[server]}{path}", seconds, connections)
            results[(name, server)].append((round_number, rate, p50, p99))
            say(f"round {round_number + 1}/{rounds}  {name:28} {server:8} {rate:8.0f} req/s  p50 {p50:6.2f} ms")
    return plan, results


def report(count, import_seconds, plan, results):
    def per_round(key):
        return {r: rate for r, rate, _, _ in results[key]}

    fixed = per_round(("fixed 20 KB page (ceiling)", "plain"))
    template = per_round(("feed template (ceiling)", "plain"))
    rows = [
        f"Pages at {count:,} articles (PostgreSQL; gunicorn.conf.py; wrk -t2; median of rounds; "
        "ratios against the ceilings measured in the same round)",
        "",
        "| page | page cache | req/s | p50 ms | p99 ms | ÷ fixed 20 KB | ÷ feed template |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    medians = {}
    for name, server, _ in plan:
        runs = results[(name, server)]
        rate = statistics.median(rate for _, rate, _, _ in runs)
        p50 = statistics.median(p50 for _, _, p50, _ in runs)
        p99 = statistics.median(p99 for _, _, _, p99 in runs)
        over_fixed = statistics.median(rate / fixed[r] for r, rate, _, _ in runs)
        over_template = statistics.median(rate / template[r] for r, rate, _, _ in runs)
        medians[(name, server)] = (rate, p50, over_fixed, over_template)
        cache = {"cached": "on", "uncached": "off", "plain": "–"}[server]
        rows.append(
            f"| {name} | {cache} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {over_fixed:.2f} | {over_template:.2f} |"
        )
    deep = next(name for name, _, _ in plan if name.startswith("feed page ") and name != "feed page 1")
    cached = [medians[(name, "cached")][2] for name, server, _ in plan if server == "cached"]
    load = os.getloadavg()
    rows += [
        "",
        "Load average at the end: {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min), {} cores.".format(*load, os.cpu_count()),
    ]
    checks = (
        []
        if import_seconds is None
        else [
            (f"import of {count:,} articles: {import_seconds:.0f} s", import_seconds < 120 * count / 10_000),
        ]
    )
    checks += [
        (f"cached pages ≥ 0.7 of the fixed page: lowest {min(cached):.2f}", min(cached) >= 0.7),
        (
            "uncached feed and article ≥ 0.6 of the template: "
            f"{medians[('feed page 1', 'uncached')][3]:.2f} and {medians[('article', 'uncached')][3]:.2f}",
            min(medians[("feed page 1", "uncached")][3], medians[("article", "uncached")][3]) >= 0.6,
        ),
        (
            f"{deep} no slower than 3 × page 1 (uncached p50): "
            f"{medians[(deep, 'uncached')][1]:.1f} ms vs {medians[('feed page 1', 'uncached')][1]:.1f} ms",
            medians[(deep, "uncached")][1] <= 3 * medians[("feed page 1", "uncached")][1],
        ),
    ]
    rows += ["", *[f"- {'met' if met else '**not met**'}: {text}" for text, met in checks]]
    return "\n".join(rows) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="how many articles (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every target (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections (default 8)")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (no import)")
    parser.add_argument("--no-search", dest="search", action="store_false", help="leave the search page out")
    args = parser.parse_args()
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
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "s3cret-" * 8,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        STATIC_ROOT=str(folder / "static"),
        LOG_LEVEL="WARNING",  # no line per request: the log would weigh on every target alike
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
            ports = {"plain": free_port(), "cached": free_port()}
            ports["uncached"] = ports["plain"]
            for server, cache in (("plain", "false"), ("cached", "true")):
                server_env = dict(env, BIND=f"127.0.0.1:{ports[server]}", KB_PAGE_CACHE=cache)
                server_env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
                processes.append(serve([sys.executable, "-m", "gunicorn"], server_env, log))
            for port in {ports["plain"], ports["cached"]}:
                wait_until_answering(port)
            plan, results = measure(ports, args.articles, args.rounds, args.seconds, args.connections, args.search)
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    table = report(args.articles, import_seconds, plan, results)
    (DATA / f"pages-{args.articles}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
