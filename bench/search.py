"""Search benchmark: a realistic corpus, indexed, then the first results pages timed.

    python -m bench.search --articles 100000 --database both

For each database it creates a fresh one (SQLite file under bench/.data/, PostgreSQL
database `kb_bench_search` on the server of $BENCH_POSTGRES_URL or the local one), inserts
N realistic notes (bench/corpus.py: the demo articles' size and make-up, ~10 KB each, with a
rough HTML built alongside instead of the site's rendering, which would take hours at
100,000), times `reindex_search` (jieba in two processes), then requests each query's first
results page, two tag pages and the first and a deep feed page through Django `--repeat`
times and reports the median and 95th percentile, with the issue's targets: search first
pages under 50 ms median, the deep feed page at most 3× page 1. Not part of the test suite.

At 100,000 notes a database holds ~2 GB (Markdown and HTML); generating and inserting take
minutes, indexing most of the time (see the README for the figures of a run).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
QUERIES = ["卷积", "空洞卷积", "强化学习", "注意力", "speculative decoding", "FlashAttention"]
TWO_TAGS = ("llm", "推理加速")
SEARCH_MEDIAN_MS = 50  # the target at 100,000 articles, on both databases


def database_url(kind, count, fresh=True):
    if kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"search-{count}.sqlite3"
        for suffix in ("", "-wal", "-shm") if fresh else ():
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    if fresh:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS kb_bench_search")
            connection.execute("CREATE DATABASE kb_bench_search")
    return POSTGRES.rsplit("/", 1)[0] + "/kb_bench_search"


def generate(count):
    from django.utils import timezone
    from django.utils.text import slugify

    from articles.models import Article, Tag, TaggedArticle
    from bench import corpus

    tags = {name: Tag.objects.create(name=name, slug=slugify(name, allow_unicode=True)) for name in corpus.TAGS}
    start = timezone.now()
    batch, links = [], []
    for index, (title, body, html, names) in enumerate(corpus.articles(count)):
        moment = start - timezone.timedelta(minutes=index * 7)
        excerpt = html.split("</p>", 1)[0] + "</p>"  # the first block of a note is a paragraph
        batch.append(
            Article(
                title=title, slug=f"bench-{index}", body=body, body_html=html, excerpt=excerpt, has_math=True,
                status=Article.Status.PUBLISHED, published_at=moment, updated_at=moment,
            )
        )  # fmt: skip
        links.append(names)
        if index % 10_000 == 9_999:
            print(f"  {index + 1:,} notes inserted", file=sys.stderr, flush=True)
        if len(batch) == 2000 or index == count - 1:
            created = Article.objects.bulk_create(batch)
            TaggedArticle.objects.bulk_create(
                TaggedArticle(content_object_id=article.pk, tag=tags[name])
                for article, names in zip(created, links, strict=True)
                for name in names
            )
            batch, links = [], []


def timed(client, url, repeat):
    client.get(url)  # warm the caches once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def run(kind, count, repeat, reuse):
    begun = time.perf_counter()
    os.environ.update(
        DATABASE_URL=database_url(kind, count, fresh=not reuse),
        CONN_MAX_AGE="600",  # persistent connections, as in production
        DEBUG="false",
        SECRET_KEY="bench" * 10,
        ALLOWED_HOSTS="testserver",
        SITE_URL="http://testserver",
        KB_PAGE_CACHE="false",  # time the pages themselves, not the page cache
        LOG_LEVEL="WARNING",  # no line per request in the report
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from articles.search import index as search_index
    from articles.search.query import Search

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG is off: pages use the manifest
    if reuse:
        print(f"\n{kind}, {count:,} articles (the corpus of an earlier run)")
    else:
        started = time.perf_counter()
        generate(count)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        search_index.reindex_all(workers=2, batch_size=1000)
        indexed = time.perf_counter() - started
        print(f"\n{kind}, {count:,} articles: inserted in {generated:.0f} s, indexed in {indexed:.0f} s (2 processes)")
    if kind == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    print("| page | results | median ms | p95 ms | target |\n|---|---:|---:|---:|---|")
    for query in QUERIES:
        total = Search(query, [], "relevance").run().results.count()
        median, p95 = timed(client, "/search/?" + urlencode({"q": query}), repeat)
        verdict = "met" if median < SEARCH_MEDIAN_MS else "**missed**"
        print(f"| search {query} | {total:,} | {median:.1f} | {p95:.1f} | < {SEARCH_MEDIAN_MS} ms: {verdict} |")
    from articles.models import Article, Tag
    from articles.search.query import carrying_every_tag

    for slugs in (TWO_TAGS, TWO_TAGS[:1]):
        total = carrying_every_tag(Article.objects.published(), list(Tag.objects.filter(slug__in=slugs))).count()
        median, p95 = timed(client, "/tags/" + "+".join(map(quote, slugs)) + "/", repeat)
        print(f"| tag page {' + '.join(slugs)} | {total:,} | {median:.1f} | {p95:.1f} | |")
    pages = -(-count // settings.KB_PAGE_SIZE)
    deep = max(1, round(pages * 0.6))
    first, _ = timed(client, "/", repeat)
    median, p95 = timed(client, f"/?page={deep}", repeat)
    print(f"| feed page 1 | {count:,} | {first:.1f} | | |")
    verdict = "met" if median <= 3 * first else "**missed**"
    print(f"| feed page {deep:,} | {count:,} | {median:.1f} | {p95:.1f} | ≤ 3 × page 1: {verdict} |")
    print(f"\n{kind} done in {(time.perf_counter() - begun) / 60:.0f} min; load average {os.getloadavg()[0]:.1f}")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="time the queries on the corpus of an earlier run")
    args = parser.parse_args()
    if args.database == "both":
        for kind in ("sqlite", "postgresql"):
            command = [sys.executable, "-m", "bench.search", "--articles", str(args.articles), "--database", kind]
            command += ["--repeat", str(args.repeat), *(["--reuse"] if args.reuse else [])]
            subprocess.run(command, check=True, cwd=ROOT)
    else:
        run(args.database, args.articles, args.repeat, args.reuse)


if __name__ == "__main__":
    main()
