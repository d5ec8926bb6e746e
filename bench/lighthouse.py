"""Lighthouse on a phone, against the production configuration: `make lighthouse`.

    python -m bench.lighthouse [--runs 3] [--url http://127.0.0.1:8000]

Without --url it starts `make serve` itself (DEBUG off, hashed and compressed static files,
gunicorn) on a free port, with a fresh SQLite database holding the demo articles, and stops
it afterwards; with --url it measures a site already running (e.g. `make serve`).

Lighthouse (bench/lighthouse/package.json pins it; `make lighthouse` installs it there) runs
with Debian's Chromium (CHROME_PATH, /usr/bin/chromium by default) and its default mobile
preset: a phone's screen, 4x slower CPU and slow 4G, simulated. Pages measured: the feed, the
demo article with the most formulas, another article, a tag page and a search page. Each page
is measured --runs times; the table gives the median run of each page (by performance score)
and is also written to bench/.data/lighthouse/report.md, next to each run's JSON report.
Figures depend on the machine and its load: the load average is printed with them.
Not part of the test suite.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "lighthouse"
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def say(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
        return response.read().decode()


def wait_for(url, process, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"`make serve` exited with {process.returncode}: see {DATA / 'serve.log'}")
        try:
            get(url + "/healthz")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"`make serve` did not answer within {seconds} s: see {DATA / 'serve.log'}")


def serve():
    """`make serve` on a free port with a fresh SQLite database of the demo: (process, base URL)."""
    database = DATA / "db.sqlite3"
    for leftover in DATA.glob("db.sqlite3*"):
        leftover.unlink()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "KB_TEST_DATABASE_NAME"}}
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{database}", WEB_CONCURRENCY="2")
    log = open(DATA / "serve.log", "wb")  # noqa: SIM115 - the server's output for as long as it runs
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, process)
    except BaseException:
        stop(process)
        raise
    return process, base


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def pages(base):
    """The page types measured: name -> path. The heaviest article is the one with the most formulas."""

    def locations(path):
        return [re.sub(r"^https?://[^/]+", "", url) for url in re.findall(r"<loc>([^<]+)</loc>", get(base + path))]

    # The sitemap may be an index of sitemaps.
    parts = locations("/sitemap.xml")
    paths = [page for part in parts for page in (locations(part) if part.endswith(".xml") else [part])]
    articles = [path for path in paths if path.startswith("/articles/")]
    tags = [path for path in paths if path.startswith("/tags/") and path != "/tags/"]
    if not articles or not tags:
        raise SystemExit(f"the sitemap of {base} lists no article or no tag: is the demo loaded?")
    formulas = {path: len(re.findall(r'class="[^"]*\barithmatex\b', get(base + path))) for path in articles}
    heaviest = max(articles, key=lambda path: (formulas[path], path))
    other = min(articles, key=lambda path: (formulas[path], path))
    say(f"heaviest article: {heaviest} ({formulas[heaviest]} formulas); other: {other} ({formulas[other]})")
    return {
        "feed": "/",
        "heaviest article": heaviest,
        "article": other,
        "tag page": tags[0],
        "search": "/search/?q=" + quote("梯度"),
    }


def lighthouse(url, output):
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    for attempt in range(3):
        # Lighthouse now and then fails to record a trace (NO_NAVSTART, on a busy machine): again.
        if subprocess.run(command, env={**os.environ, "CHROME_PATH": chrome}).returncode == 0:
            break
        say(f"Lighthouse failed on {url} (attempt {attempt + 1} of 3)")
    else:
        raise SystemExit(f"Lighthouse failed three times on {url}")
    report = json.loads(output.read_text())
    audits = report["audits"]
    return {
        **{name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES},
        "FCP s": audits["first-contentful-paint"]["numericValue"] / 1000,
        "LCP s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "TBT ms": audits["total-blocking-time"]["numericValue"],
        "CLS": audits["cumulative-layout-shift"]["numericValue"],
    }


def table(results):
    columns = ["performance", "TBT ms", "LCP s", "FCP s", "CLS", "accessibility", "best-practices", "seo"]
    lines = ["| page | " + " | ".join(columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    for name, (path, runs) in results.items():
        scores = [run["performance"] for run in runs]
        median = runs[scores.index(sorted(scores)[(len(scores) - 1) // 2])]
        cells = []
        for column in columns:
            value = median[column]
            if column == "performance":
                value = f"{value} ({min(scores)}–{max(scores)})" if len(runs) > 1 else value
            elif column == "TBT ms":
                value = f"{value:.0f}"
            elif column in {"LCP s", "FCP s"}:
                value = f"{value:.1f}"
            elif column == "CLS":
                value = f"{value:.3f}"
            cells.append(str(value))
        lines.append(f"| {name} (`{path}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description="Lighthouse (mobile preset) on the feed, articles, a tag page and search."
    )
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median is reported (3)")
    parser.add_argument("--page", action="append", help="only this page type (feed, heaviest article, ...); repeatable")
    parser.add_argument("--url", help="measure a site already running here instead of starting `make serve`")
    options = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} not found: run `make lighthouse` (it installs the pinned Lighthouse first)")
    if shutil.which(os.environ.get("CHROME_PATH", "/usr/bin/chromium")) is None:
        raise SystemExit("Chromium not found: set CHROME_PATH or apt-get install chromium")
    DATA.mkdir(parents=True, exist_ok=True)
    process = None
    base = options.url.rstrip("/") if options.url else None
    if base is None:
        say("starting `make serve` with the demo articles ...")
        process, base = serve()
    try:
        results = {}
        for name, path in pages(base).items():
            if options.page and name not in options.page:
                continue
            runs = []
            for run in range(options.runs):
                output = DATA / f"{name.replace(' ', '-')}-{run + 1}.json"
                runs.append(lighthouse(base + path, output))
                say(f"{name} run {run + 1}: performance {runs[-1]['performance']}, TBT {runs[-1]['TBT ms']:.0f} ms")
            results[name] = (path, runs)
    finally:
        if process is not None:
            stop(process)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    header = (
        f"Lighthouse {json.loads((LIGHTHOUSE.parent.parent / 'lighthouse' / 'package.json').read_text())['version']}, "
        f"mobile preset, median of {options.runs} runs, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, load average {load} after the runs"
    )
    report = header + "\n\n" + table(results) + "\n"
    (DATA / "report.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
