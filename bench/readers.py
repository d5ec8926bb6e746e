"""The load test's anonymous readers and searchers: the addresses they ask for, and wrk to ask.

Used by bench/load.py. Every address in the lists is known to exist (a 404 is an error):
feed pages from the first to the deepest, articles, tag pages and pairs of tags with their
deeper pages, series pages, Atom feeds, and searches (Chinese and English, with tag filters,
both sorts and deeper result pages). One wrk process per kind of request, so that each kind
has its own latency percentiles; a Lua script picks each request's address from the kind's
shuffled list and counts every status that is not 200.

Two reader models (`--readers`):
- `zipf` (the default): the n-th most popular address of a kind is asked for in proportion to
  1/n^0.8, the popularity of web pages measured at proxies (Breslau et al., "Web Caching and
  Zipf-like Distributions", INFOCOM 1999: exponents 0.64–0.83). Which address is how popular is
  the shuffle's order, drawn once per kind.
- `walk`: every address once before any twice (a crawler; the page cache's worst case).
"""

import math
import random
import re
import subprocess
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.editors import fetch

# How the wrk connections are shared among the kinds of anonymous request.
WEIGHTS = {
    "feed pages": 10,
    "articles": 16,
    "tag pages": 8,
    "series pages": 6,
    "Atom feeds": 4,
    "searches": 16,
}
QUERIES = [
    "注意力", "卷积", "强化学习", "空洞卷积", "投机解码", "混合精度", "感受野", "量化",
    "FlashAttention", "speculative decoding", "policy gradient", "KV cache", "Adam", "diffusion",
    "online softmax", "注意力 softmax", "卷积 stride", "奖励模型 RLHF", "图神经网络", "二分查找",
]  # fmt: skip
SEARCH_TAGS = [[], ["llm"], ["attention"], ["rl"], ["cnn", "dilated"]]


def pages_of(count):
    return max(1, math.ceil(count / 12))


def some_pages(last):
    """Page numbers from 1 to `last`: the first few, a spread through the middle, the last."""
    return sorted({1, 2, 3, *range(1, last + 1, max(1, last // 12)), last} & set(range(1, last + 1)))


def read_paths(inventory):
    """Anonymous addresses by kind, every one of them known to exist."""
    articles = [f"/articles/{quote(slug)}/" for _, slug in inventory["articles"]]
    feed = [f"/?page={n}" if n > 1 else "/" for n in some_pages(pages_of(len(articles)))]
    tags = []
    for slug, count in inventory["tags"] + inventory["pairs"]:
        path = f"/tags/{quote(slug)}/"
        tags += [path + (f"?page={n}" if n > 1 else "") for n in some_pages(pages_of(count))[:4]]
    series = [f"/series/{quote(slug)}/" for slug in inventory["series"]] + ["/series/", "/tags/"]
    atom = (
        ["/feed/"]
        + [f"/tags/{quote(slug)}/feed/" for slug, _ in inventory["tags"]]
        + [f"/series/{quote(slug)}/feed/" for slug in inventory["series"]]
    )
    return {"feed pages": feed, "articles": articles, "tag pages": tags, "series pages": series, "Atom feeds": atom}


def search_paths(port):
    """Search addresses, each page known to exist: page 1 of every query is asked first for its last page."""
    paths = []
    for index, query in enumerate(QUERIES):
        for tags in (SEARCH_TAGS[0], SEARCH_TAGS[1 + index % (len(SEARCH_TAGS) - 1)]):
            params = [("q", query), *[("tag", tag) for tag in tags]]
            if index % 3 == 0:
                params.append(("sort", "date"))
            first = "/search/?" + urlencode(params)
            status, _, body = fetch(port, first)
            if status != 200:
                raise SystemExit(f"{first} answered {status} before the run")
            last = max([1, *map(int, re.findall(r"[?&;]page=(\d+)", body.decode()))])
            paths += [first] + [f"{first}&page={n}" for n in sorted({2, last // 2, last}) if 1 < n <= last]
    return paths


def share(total, weights):
    """`total` connections shared by `weights`, at least one each (largest remainders)."""
    if total < len(weights):
        raise SystemExit(f"at least {len(weights)} reader connections are needed, {total} left")
    exact = {kind: total * weight / sum(weights.values()) for kind, weight in weights.items()}
    counts = {kind: max(1, int(value)) for kind, value in exact.items()}
    for kind in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True):
        if sum(counts.values()) >= total:
            break
        counts[kind] += 1
    while sum(counts.values()) > total:
        counts[max(counts, key=counts.get)] -= 1
    return counts


# Zipf's exponent for the `zipf` reader model (see the docstring).
ZIPF_EXPONENT = 0.8

LUA = """
local paths = {%(paths)s}
-- zipf: each address's cumulative popularity (paths in order of popularity); walk: empty.
local cumulative = {%(cumulative)s}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  index = 0
  math.randomseed(%(seed)d)
  statuses = {}
  answered, hit, miss, warm_hit, warm_miss = 0, 0, 0, 0, 0
end

function request()
  if #cumulative == 0 then
    index = index %% #paths + 1
  else
    -- the first address whose cumulative popularity reaches a uniform draw
    local draw, low, high = math.random() * cumulative[#cumulative], 1, #cumulative
    while low < high do
      local middle = math.floor((low + high) / 2)
      if cumulative[middle] < draw then low = middle + 1 else high = middle end
    end
    index = low
  end
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  -- The page cache says X-Cache: hit or miss; "warm": once every address was asked for once.
  answered = answered + 1
  local cache = headers["X-Cache"]
  if cache == "hit" then
    hit = hit + 1
    if answered > #paths then warm_hit = warm_hit + 1 end
  elseif cache == "miss" then
    miss = miss + 1
    if answered > #paths then warm_miss = warm_miss + 1 end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("LATENCY %%d %%d\\n", latency:percentile(50), latency:percentile(99)))
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("STATUS %%d %%d\\n", status, count))
    end
    io.write(string.format("CACHE %%d %%d %%d %%d\\n", thread:get("hit"), thread:get("miss"),
      thread:get("warm_hit"), thread:get("warm_miss")))
  end
end
"""


def popularity(count, model):
    """Cumulative popularity of `count` addresses in order (empty for `walk`)."""
    if model == "walk":
        return []
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += rank**-ZIPF_EXPONENT
        cumulative.append(total)
    return cumulative


def start_wrk(port, paths, connections, seconds, timeout, folder, kind, model="zipf"):
    shuffled = random.Random(kind).sample(paths, len(paths))
    assert not any('"' in path or "\\" in path for path in shuffled)
    script = Path(folder) / f"{kind.replace(' ', '-')}.lua"
    script.write_text(
        LUA
        % {
            "paths": ", ".join(f'"{path}"' for path in shuffled),
            "cumulative": ", ".join(f"{value:.6f}" for value in popularity(len(shuffled), model)),
            "seed": random.Random(kind).randrange(2**31),
        }
    )
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout}s", "-s", str(script)]
    return subprocess.Popen([*command, f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)


def wrk_result(kind, process, recorder):
    output = process.communicate()[0]
    if process.returncode:
        raise SystemExit(f"wrk ({kind}) failed:\n{output}")
    result = re.search(r"^RESULT (.*)$", output, re.M)[1]
    requests, _duration, connect, read, write, _status, timeout = map(int, result.split())
    p50, p99 = (int(value) / 1000 for value in re.search(r"^LATENCY (.*)$", output, re.M)[1].split())
    statuses = {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M)}
    errors = {f"status {status}": count for status, count in statuses.items() if status != 200}
    errors.update({name: count for name, count in [("connect", connect), ("read", read), ("write", write)] if count})
    if timeout:
        errors["timeout"] = timeout
    recorder.add_summary(kind, requests, p50, p99, errors)
    for counts in re.findall(r"^CACHE (\d+) (\d+) (\d+) (\d+)$", output, re.M):
        recorder.add_cache(kind, *map(int, counts))
