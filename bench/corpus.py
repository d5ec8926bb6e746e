"""Realistic synthetic notes, shaped like the demo articles (articles/demo/*.md), reproducible from a seed.

The benchmarks (bench/pages.py, bench/search.py, bench/load.py) import these instead of
the demo's 15 files, so that every speed figure is measured on notes of the demo's size and
make-up, in any number.

How the corpus matches the demo. `measure()` counts, in one Markdown file, its size in
bytes, inline and display formulas, fenced code blocks and their lines, tables and their
rows, `##` and `###` headings, list items, footnotes, bold spans, links, its tags and whether
it is part of a series; `describe()` gives min/quartiles/max of each over many files.
PROFILES holds those counts for each of the 15 demo articles. Every synthetic note takes
the profile of one demo article (drawn at random) and scales all its counts by one factor
drawn from 0.85–1.15, so sizes and counts keep the demo's joint distribution (a long demo
note has more formulas, code and headings, not only more words) with some spread. The
note is then built block by block: headings with their sections, paragraphs of Chinese
sentences carrying English terms, inline formulas and bold, display formulas (~115
characters of LaTeX: sums, fractions, `\\left(` ... `\\right)`, `aligned`), Python code blocks
(functions, loops, NumPy/PyTorch calls, Chinese comments and docstrings), pipe tables with
aligned columns, lists, footnotes and links, until the paragraphs fill the byte size of the
profile. The Chinese share of the characters (≈0.3 in the demo, ASCII formulas and code
counting against it) comes out alike.

Variety: each note has a main topic and a second one out of TOPICS (40 topics in seven
areas, with their own words, tags and series names); the words, formulas, code, titles,
tables and sentences are drawn afresh for every note. Tags come from a vocabulary of ~190
(TAGS): the area's tag, one to three of the topic's, sometimes one of the other topic's or
of a long tail, 3–5 per note as in the demo, so a few tags carry thousands of notes and
most carry few. About half the notes belong to a series (the demo: 8 of 15) of 3 to 12
parts named after their topic. `python -m bench.corpus` prints the demo's figures next to
the corpus's.

Fast enough: 2.5–4 ms per note on one core of our machine (1,000 notes in 2.6–3.7 s with a
load average of 6; 100,000 in about 5 minutes), and no Markdown rendering. Each note also
carries `html`, a rough HTML rendering built alongside the Markdown (for benchmarks that
insert rows without the renderer); the site's own rendering comes from `body`.
"""

import random
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from .vocabulary import AREAS, COMMON, COMMON_EN, EN, EN_TERMS, LONG_TAIL, TAGS, TOPICS, ZH

__all__ = [  # TAGS and TOPICS are the vocabulary's, named here for the benchmarks that import the corpus
    "DEMO", "FIELDS", "PROFILES", "SEED", "TAGS", "TOPICS", "Note", "articles", "code_block", "comparison",
    "demo_texts", "describe", "display_formula", "inline_formula", "measure", "note", "notes", "paragraph",
    "table", "tag_spread",
]  # fmt: skip

SEED = 20261207
DEMO = Path(__file__).resolve().parent.parent / "articles" / "demo"

# measure() of each demo article: bytes, inline formulas, display formulas, code blocks, code
# lines, tables, table rows, h2, h3, list items, footnotes, bold spans, links, tags, in a series.
FIELDS = (
    "bytes", "inline", "display", "code", "code_lines", "tables", "table_rows",
    "h2", "h3", "lists", "footnotes", "bold", "links", "tags", "series",
)  # fmt: skip
PROFILES = [
    (9593, 49, 8, 2, 55, 1, 7, 6, 7, 11, 1, 10, 2, 4, 0),
    (12116, 95, 6, 1, 71, 2, 6, 6, 10, 7, 1, 5, 3, 4, 0),
    (9064, 85, 3, 2, 38, 2, 12, 8, 6, 10, 1, 2, 0, 3, 1),
    (8124, 43, 4, 3, 45, 1, 4, 7, 3, 9, 0, 7, 0, 3, 1),
    (10028, 82, 4, 2, 52, 2, 8, 4, 10, 0, 0, 3, 0, 4, 0),
    (10759, 31, 3, 1, 69, 1, 7, 7, 2, 6, 3, 9, 3, 5, 1),
    (14372, 45, 6, 2, 136, 1, 5, 6, 6, 10, 2, 6, 2, 5, 1),
    (10198, 52, 7, 1, 43, 2, 7, 8, 1, 9, 2, 10, 2, 3, 1),
    (10810, 40, 4, 3, 56, 1, 3, 6, 9, 12, 1, 11, 2, 3, 0),
    (10641, 57, 10, 1, 47, 2, 8, 5, 5, 9, 2, 8, 1, 3, 1),
    (10310, 58, 9, 1, 42, 2, 13, 6, 3, 4, 0, 0, 0, 3, 0),
    (10250, 41, 11, 1, 58, 1, 8, 7, 5, 2, 2, 11, 0, 4, 1),
    (11590, 35, 4, 1, 81, 1, 4, 7, 3, 6, 3, 11, 1, 4, 1),
    (13027, 26, 4, 2, 71, 2, 6, 7, 7, 10, 1, 11, 1, 3, 0),
    (10236, 30, 1, 1, 58, 3, 11, 6, 10, 4, 1, 2, 0, 3, 0),
]

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_DISPLAY = re.compile(r"\$\$(.*?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
_TABLE = re.compile(r"(?:^\|.*\|[ \t]*\n)+", re.M)


def measure(text):
    """The counts of FIELDS in one Markdown file (front matter included in `bytes`)."""
    front, _, body = text[4:].partition("\n---\n") if text.startswith("---\n") else ("", "", text)
    code = _FENCE.findall(body)
    prose = _FENCE.sub("", body)
    display = _DISPLAY.findall(prose)
    tables = _TABLE.findall(prose)
    tags = re.search(r"^tags: \[(.*)\]", front, re.M)
    return {
        "bytes": len(text.encode()),
        "inline": len(_INLINE.findall(_DISPLAY.sub("", prose))),
        "display": len(display),
        "code": len(code),
        "code_lines": sum(block.count("\n") for _, block in code),
        "tables": len(tables),
        "table_rows": sum(table.count("\n") - 2 for table in tables),
        "h2": len(re.findall(r"^## ", prose, re.M)),
        "h3": len(re.findall(r"^### ", prose, re.M)),
        "lists": len(re.findall(r"^ *(?:[-*]|\d+\.) ", prose, re.M)),
        "footnotes": len(re.findall(r"^\[\^\w+\]:", prose, re.M)),
        "bold": prose.count("**") // 2,
        "links": len(re.findall(r"\]\(http", prose)),
        "tags": len(tags[1].split(",")) if tags else 0,
        "series": int(bool(re.search(r"^series:", front, re.M))),
        "cjk_share": round(len(re.findall(r"[\u4e00-\u9fff]", body)) / max(1, len(body)), 2),
    }


def describe(texts):
    """{field: (min, first quartile, median, third quartile, max)} over Markdown texts."""
    rows = [measure(text) for text in texts]
    figures = {}
    for field in rows[0]:
        values = sorted(row[field] for row in rows)
        quartiles = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        figures[field] = (values[0], quartiles[0], statistics.median(values), quartiles[2], values[-1])
    return figures


# One demo article in 15 is written in English (rl-ppo-clipped-objective.md): so is one note in 15.
_LANGUAGES = {
    "zh": {"sentences": ZH, "common": COMMON, "other": EN, "other_share": 0.06},
    "en": {"sentences": EN, "common": COMMON_EN, "other": EN, "other_share": 0.0},
}

_PIECES = {template: re.split(r"\{(\w)\}", template) for template in ZH + EN}
for _language in _LANGUAGES.values():
    _language["with_formula"] = [t for t in _language["sentences"] if "{f}" in t]
    _language["other_with_formula"] = [t for t in _language["other"] if "{f}" in t]

_SYM = [
    "x", "y", "z", "h", "q", "k", "v", "s", "a", "w", "W", "Q", "K", "V", "G", "R", "A", "S", "P", "L", "\\theta",
    "\\pi", "\\alpha", "\\beta", "\\gamma", "\\lambda", "\\sigma", "\\mu", "\\delta", "\\eta", "\\epsilon", "\\phi"
]  # fmt: skip
_SUB = [
    "t", "i", "j", "k", "l", "n", "t+1", "t-1", "i,j", "\\text{max}", "\\text{head}", "\\text{kv}", "0", "1", "2",
    "\\theta"
]  # fmt: skip
_ORDER = ["^2", " \\log n", "", "d"]
_SHAPES = ["d", "n \\times d", "h \\times d_k", "B \\times L"]
_RELATIONS = ["=", "\\leftarrow", "\\le", "\\approx"]
_FUN = [
    "\\exp", "\\log", "\\max", "\\min", "\\sum_{i=1}^{n}", "\\mathbb{E}", "\\operatorname{softmax}",
    "\\nabla_\\theta"
]  # fmt: skip


def _atom(rng):
    symbol, sub = rng.choice(_SYM), rng.choice(_SUB)
    form = rng.random()
    if form < 0.35:
        return f"{symbol}_{{{sub}}}" if len(sub) > 1 else f"{symbol}_{sub}"
    if form < 0.5:
        return f"{symbol}^{{({sub})}}"
    if form < 0.62:
        return f"\\hat{{{symbol}}}_{sub}" if len(sub) == 1 else f"\\hat{{{symbol}}}"
    if form < 0.72:
        return f"{symbol}({rng.choice(_SYM)}_{rng.choice('tijk')})"
    if form < 0.8:
        return f"O({rng.choice('nNdLk')}{rng.choice(_ORDER)})"
    if form < 0.88:
        return f"{symbol} \\in \\mathbb{{R}}^{{{rng.choice(_SHAPES)}}}"
    return symbol


def inline_formula(rng):
    """An inline formula's LaTeX: half are a symbol (`G_t`, `\\alpha`), as in the demo (median 6 characters)."""
    form = rng.random()
    if form < 0.5:
        symbol = rng.choice(_SYM)
        return symbol if form < 0.2 else f"{symbol}_{rng.choice('tijkn')}"
    if form < 0.65:
        return f"{_atom(rng)} {rng.choice('=<>+-')} {_atom(rng)}"
    return _atom(rng)


def _term(rng):
    form = rng.random()
    if form < 0.25:
        return f"\\frac{{{_atom(rng)}}}{{{_atom(rng)}}}"
    if form < 0.45:
        return f"{rng.choice(_FUN)} \\left( {_atom(rng)} {rng.choice('+-')} {_atom(rng)} \\right)"
    if form < 0.6:
        return f"\\sum_{{{rng.choice('ijkn')}=1}}^{{{rng.choice('nNTLd')}}} {_atom(rng)} {_atom(rng)}"
    if form < 0.7:
        return f"\\sqrt{{{_atom(rng)}}}"
    return f"{_atom(rng)} {_atom(rng)}"


def display_formula(rng):
    """A display formula's LaTeX, ~60–150 characters as in the demo, one in five on aligned lines."""
    if rng.random() < 0.2:
        rows = [f"{_atom(rng)} &= {_term(rng)} + {_term(rng)}" for _ in range(rng.randint(2, 3))]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
    terms = " + ".join(_term(rng) for _ in range(rng.randint(2, 3)))
    return f"{_atom(rng)} {rng.choice(_RELATIONS)} {terms}"


_DOING = ["计算", "更新", "估计", "实现"]
_NAMES = [
    "x", "scores", "weights", "logits", "state", "values", "grads", "mask", "tokens", "cache", "batch", "hidden",
    "probs", "keys", "queries", "out"
]  # fmt: skip
_CALLS = [
    "np.exp({v} - {v}.max(axis=-1, keepdims=True))", "torch.softmax({v}, dim=-1)", "{v} @ {w}.T / math.sqrt(d)",
    "np.sqrt(np.mean({v} ** 2) + eps)", "torch.where({w} > 0, {v}, torch.zeros_like({v}))",
    "{v}.reshape(batch, -1, heads, d).transpose(1, 2)", "sum({v}[i] * {w}[i] for i in range(n))",
    "max({v}, key=lambda item: item[1])", "{v} + alpha * ({w} - {v})", "torch.cat([{v}, {w}], dim=1)",
    "np.clip({v}, 1 - eps, 1 + eps)", "({v} * {w}).sum(axis=-1)", "min({v}, {w}) * gamma",
]  # fmt: skip


def code_block(rng, lines, topic):
    """A Python code block of about `lines` lines: functions with docstrings, loops, comments."""
    out = ["import math", "", "import numpy as np", "import torch", ""] if rng.random() < 0.6 else []
    while len(out) < lines:
        v, w = rng.sample(_NAMES, 2)
        name = f"{rng.choice(['compute', 'update', 'build', 'step', 'estimate', 'merge', 'search'])}_{v}"
        args = ", ".join(
            rng.sample(_NAMES, rng.randint(1, 3))
            + rng.sample(["eps=1e-6", "alpha=0.1", "gamma=0.99", "d=64", "heads=8"], 1)
        )
        out += [
            "",
            f"def {name}({args}):",
            f'    """{rng.choice(topic.words)}：{rng.choice(COMMON)}的{rng.choice(_DOING)}。"""',
        ]
        for _ in range(rng.randint(3, 9)):
            kind = rng.random()
            call = rng.choice(_CALLS).format(v=v, w=w)
            if kind < 0.2:
                out.append(f"    # {rng.choice(COMMON)}：{rng.choice(topic.words)}")
            elif kind < 0.4:
                out += [
                    f"    for i in range({rng.choice(['n', 'len(' + v + ')', str(rng.randint(2, 64))])}):",
                    f"        {w} = {call}",
                ]
            elif kind < 0.5:
                out += [
                    f"    if {v} is None or len({v}) == 0:",
                    f"        return {rng.choice(['0.0', 'None', w, '[]'])}",
                ]
            else:
                out.append(f"    {rng.choice(_NAMES)} = {call}")
        out.append(f"    return {v}")
    return "\n".join(out[:lines]).strip("\n")


def table(rng, rows, topic):
    """A pipe table of `rows` body rows and 3–5 columns, as the demo's comparisons."""
    columns = rng.randint(3, 5)
    head = [rng.choice(["方法", "模型", "设置", "算法"])] + rng.sample(
        [
            f"{rng.choice(COMMON)}",
            "延迟 (ms)",
            "吞吐 (tok/s)",
            "显存 (GiB)",
            "准确率",
            f"${inline_formula(rng)}$",
            "复杂度",
            "备注",
        ],
        columns - 1,
    )
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (columns - 1)]
    for _ in range(rows):
        cells = [rng.choice(topic.words)]
        for _ in range(columns - 1):
            kind = rng.random()
            if kind < 0.5:
                cells.append(f"{rng.uniform(0.1, 999):.{rng.randint(0, 2)}f}")
            elif kind < 0.7:
                cells.append(f"${_atom(rng)}$")
            else:
                cells.append(rng.choice(["是", "否", "视负载而定", "需要重新训练", "无损", "有损", "—"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fill(rng, template, words, formulas, common=COMMON):
    """The template with its slots filled; {f} takes the next of `formulas` (a topic word when none is left)."""
    pieces = _PIECES[template]
    out = list(pieces)
    for i in range(1, len(pieces), 2):
        slot = pieces[i]
        if slot == "a" or slot == "b":
            out[i] = rng.choice(words)
        elif slot == "c":
            out[i] = rng.choice(common)
        elif slot == "n":
            out[i] = str(rng.randint(2, 64))
        elif slot == "e":
            out[i] = rng.choice(EN_TERMS)
        else:
            out[i] = f"${formulas.pop()}$" if formulas else rng.choice(words)
    return "".join(out)


class _Random(random.Random):
    """random.Random with a cheaper choice() and randint(): the corpus draws ~1,000 times a note."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))


def paragraph(rng, size, words, formulas, bold, bold_left, language=_LANGUAGES["zh"]):
    """A paragraph of about `size` bytes using up `formulas` (inline LaTeX), with up to `bold` bold
    spans; returns it and how many of `bold_left` are left."""
    parts, length = [], 0
    while length < size or formulas:
        if rng.random() < language["other_share"]:
            template = rng.choice(language["other_with_formula"] if formulas else language["other"])
        else:
            with_formula = formulas and rng.random() < 0.8
            template = rng.choice(language["with_formula" if with_formula else "sentences"])
        sentence = _fill(rng, template, words, formulas, language["common"])
        if bold and rng.random() < 0.5:
            word = rng.choice(words)
            sentence = sentence.replace(word, f"**{word}**", 1) if word in sentence else f"**{word}**：" + sentence
            bold -= 1
            bold_left -= 1
        parts.append(sentence + " " if template[-1] == "." else sentence)
        length += len(sentence.encode())
    return "".join(parts).rstrip(), bold_left


@dataclass(frozen=True)
class Note:
    """One synthetic note: Markdown body, a rough HTML of it, front matter fields."""

    title: str
    body: str
    html: str
    tags: list
    series: str | None = None
    series_order: int | None = None
    summary: str | None = None

    def front_matter(self, slug, date):
        """The note's front matter as the importer reads it (JSON values are YAML)."""
        import json

        front = {"title": self.title, "slug": slug, "date": date, "tags": self.tags}
        if self.series:
            front.update(series=self.series, series_order=self.series_order)
        if self.summary:
            front["summary"] = self.summary
        return "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in front.items()) + "---\n"

    def markdown(self, slug, date):
        """The whole Markdown file: front matter and body."""
        return self.front_matter(slug, date) + self.body + "\n"


def _html(kind, text):
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if kind == "h2" or kind == "h3":
        return f"<{kind}>{text}</{kind}>"
    if kind == "code":
        return f'<div class="highlight"><pre><code>{text}</code></pre></div>'
    if kind == "math":
        return f'<div class="arithmatex">\\[{text}\\]</div>'
    if kind == "table":
        rows = [line.strip("|").split(" | ") for line in text.splitlines() if not line.startswith("| ---")]
        return "<table>" + "".join("<tr><td>" + "</td><td>".join(row) + "</td></tr>" for row in rows) + "</table>"
    if kind == "list":
        return "<ul>" + "".join(f"<li>{line[2:]}</li>" for line in text.splitlines()) + "</ul>"
    text = _INLINE.sub(r'<span class="arithmatex">\(\1\)</span>', text)
    return f"<p>{text}</p>"


def _spread(total, parts, rng):
    """`total` split into `parts` non-negative integers at random."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _link(rng):
    number = f"{rng.randint(1901, 2512)}.{rng.randint(10000, 99999)}"
    return f"[arXiv:{number}](https://arxiv.org/abs/{number})"


class _Series:
    """Open series per topic: a note joining one continues it until its drawn length is reached."""

    def __init__(self, rng):
        self.rng, self.open, self.made = rng, {}, {}

    def join(self, topic):
        name, length, parts = self.open.get(topic.name, (None, 0, 0))
        if parts >= length:
            number = self.made[topic.series] = self.made.get(topic.series, 0) + 1
            name = topic.series if number == 1 else f"{topic.series}（{number}）"
            length, parts = self.rng.randint(3, 12), 0
        self.open[topic.name] = (name, length, parts + 1)
        return name, parts + 1


_TITLES = [
    "{a}笔记", "{a}：从{b}到{c}", "理解{a}", "{a}与{b}", "{a}的{c}分析", "再谈{a}", "{a}入门：{b}",
    "{a}里的{c}问题", "一文看懂{a}", "{a}为什么有效", "{a}的实现细节", "{t}（{n}）：{a}",
]  # fmt: skip
_TITLES_EN = ["Notes on {a}", "{a}, case by case", "Why {a} works", "{a} and {b}", "From {b} to {a}", "{a}: the {c}"]


def note(rng, index, series=None):
    """One synthetic Note (see the module's docstring for how it is shaped)."""
    profile = dict(zip(FIELDS, rng.choice(PROFILES), strict=True))
    scale = rng.uniform(0.85, 1.15)

    def count(field):
        value = profile[field] * scale
        return int(value) + (rng.random() < value - int(value))

    topic, other = rng.sample(TOPICS, 2)
    english = rng.random() < 1 / 15
    language = _LANGUAGES["en" if english else "zh"]
    common = language["common"]
    words = topic.words * 3 + other.words
    if english:
        words = [word for word in words if word.isascii()] or list(words)
    title = rng.choice(_TITLES_EN if english else _TITLES).format(
        a=rng.choice(words[: len(words) * 3 // 4]),
        b=rng.choice(words),
        c=rng.choice(common),
        t=topic.name,
        n=index % 97 + 1,
    )
    h2, h3 = max(2, count("h2")), count("h3")
    sections = h2 + h3
    # The other blocks, each given to a section at random; prose fills what remains of the size.
    blocks = [[] for _ in range(sections)]
    for _ in range(count("display")):
        blocks[rng.randrange(sections)].append(("math", display_formula(rng)))
    code_blocks = max(1, count("code"))
    for lines in _spread(count("code_lines"), code_blocks, rng) if code_blocks else ():
        blocks[rng.randrange(sections)].append(("code", code_block(rng, max(4, lines), topic)))
    tables = max(1, count("tables"))
    for rows in _spread(max(tables * 3, count("table_rows")) - tables * 3, tables, rng) if tables else ():
        blocks[rng.randrange(sections)].append(("table", table(rng, rows + 3, topic)))
    items = count("lists")
    for size in _spread(items, max(1, items // 4), rng) if items else ():
        if size:
            lines = [f"- {_fill(rng, rng.choice(language['sentences']), words, [], common)}" for _ in range(size)]
            blocks[rng.randrange(sections)].append(("list", "\n".join(lines)))
    links = count("links")
    footnotes = [
        (f"See section {rng.randint(2, 9)} of the paper on {rng.choice(words)}. " if english else
         f"{rng.choice(['原论文', '作者', '后续工作'])}对{rng.choice(words)}的讨论见第 {rng.randint(2, 9)} 节。")
        + (_link(rng) if n < links else "")
        for n in range(count("footnotes"))
    ]  # fmt: skip
    # Lay out: intro paragraphs, then each heading with its paragraphs and blocks (None: a paragraph).
    heading_kinds = ["h2"] + rng.sample(["h2"] * (h2 - 1) + ["h3"] * h3, h2 - 1 + h3)
    out = [("p", None)]
    for number, kind in enumerate(heading_kinds):
        if english:
            heading = rng.choice(
                [f"The {rng.choice(common)} of {rng.choice(words)}", f"From {rng.choice(words)} to {rng.choice(words)}",
                 f"{rng.choice(words)}", f"Why {rng.choice(words)}"]
            )  # fmt: skip
        else:
            heading = rng.choice(
                [f"{rng.choice(words)}的{rng.choice(common)}", f"从{rng.choice(words)}到{rng.choice(words)}",
                 f"{rng.choice(common)}分析", f"{rng.choice(words)}", f"为什么需要{rng.choice(words)}"]
            )  # fmt: skip
        out += [(kind, heading + (f" {number}" if rng.random() < 0.1 else "")), ("p", None)]
        for block in blocks[number]:
            out.append(block)
            if rng.random() < 0.6:
                out.append(("p", None))
        out += [("p", None)] * int(rng.random() * 3)
    # Paragraphs fill the profile's size: each takes its share of the bytes and formulas still left.
    left = profile["bytes"] * scale - 350 - 280 * len(footnotes)
    left -= sum(len(text.encode()) + 10 for kind, text in out if text is not None)
    places = [i for i, (kind, text) in enumerate(out) if text is None]
    formulas = [inline_formula(rng) for _ in range(count("inline"))]
    bold = count("bold")
    for done, place in enumerate(places):
        remaining = len(places) - done
        share = formulas[len(formulas) - round(len(formulas) / remaining * rng.uniform(0.6, 1.4)) :]
        del formulas[len(formulas) - len(share) :]
        size = left / remaining * rng.uniform(0.6, 1.4) - 40
        allowed = min(bold, max(1, round(bold / remaining))) if rng.random() < bold / remaining else 0
        text, bold = paragraph(rng, size, words, share, allowed, bold, language)
        left -= len(text.encode()) + 2
        out[place] = ("p", text)
    for number, _text in enumerate(footnotes, 1):  # referenced from the last paragraphs
        kind, text = out[-number] if out[-number][0] == "p" else ("p", None)
        if text is not None:
            out[-number] = (kind, text + f"[^{number}]")
    markdown, html = [], []
    prefix = {"h2": "## ", "h3": "### ", "p": "", "list": "", "table": ""}
    for kind, text in out:
        if kind == "code":
            markdown.append(f"```python\n{text}\n```")
        elif kind == "math":
            markdown.append(f"$$\n{text}\n$$")
        else:
            markdown.append(prefix[kind] + text)
        html.append(_html(kind, text))
    markdown += [f"[^{number}]: {text}" for number, text in enumerate(footnotes, 1)]
    tags = [AREAS[topic.area][0], *rng.sample(topic.tags, 2)]
    for _ in range(2):  # the demo: 3 tags in 9 articles of 15, 4 in 4, 5 in 2
        extra = rng.random()
        if extra < 0.12:
            tags.append(rng.choice(other.tags))
        elif extra < 0.2:
            tags.append(rng.choice(LONG_TAIL))
        elif extra < 0.27:
            tags.append(rng.choice(AREAS[topic.area][1]))
    tags = list(dict.fromkeys(tags))
    summary = None
    if rng.random() < 0.3:
        summary = "".join(_fill(rng, rng.choice(language["sentences"]), words, [], common) for _ in range(2))
    if series is not None and rng.random() < 8 / 15:
        name, order = series.join(topic)
        return Note(title, "\n\n".join(markdown), "\n".join(html), tags, name, order, summary)
    return Note(title, "\n\n".join(markdown), "\n".join(html), tags, summary=summary)


def notes(count, seed=SEED):
    """`count` Notes, the same ones for the same seed; the first n of a longer run are the same n."""
    rng = _Random(seed)
    series = _Series(rng)
    for index in range(count):
        yield note(rng, index, series)


def articles(count, seed=SEED):
    """(title, body Markdown, rough body HTML, tag names) of `count` notes (see notes())."""
    for item in notes(count, seed):
        yield item.title, item.body, item.html, item.tags


def demo_texts():
    return [path.read_text() for path in sorted(DEMO.glob("*.md"))]


def comparison(count=1000, seed=SEED):
    """A Markdown table: min/quartiles/max of each measure, demo articles vs `count` notes."""
    demo = describe(demo_texts())
    made = describe(
        item.markdown(f"bench-{i}", "2026-11-01T00:00:00+00:00") for i, item in enumerate(notes(count, seed))
    )
    rows = [
        f"| measure | demo ({len(demo_texts())} articles): min / q1 / median / q3 / max | corpus ({count:,}) |",
        "| --- | --- | --- |",
    ]
    for field in demo:
        rows.append(
            f"| {field} | {' / '.join(f'{v:g}' for v in demo[field])} | {' / '.join(f'{v:g}' for v in made[field])} |"
        )
    return "\n".join(rows)


def tag_spread(count=1000, seed=SEED):
    """(distinct tags used, notes of the most used tag, median notes per tag) over `count` notes."""
    uses = {}
    for item in notes(count, seed):
        for tag in item.tags:
            uses[tag] = uses.get(tag, 0) + 1
    return len(uses), max(uses.values()), statistics.median(uses.values())


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    total = sum(len(item.body) for item in notes(1000))
    print(f"1,000 notes in {time.perf_counter() - started:.2f} s ({total / 1000:,.0f} characters each)\n")
    print(comparison())
    used, most, median = tag_spread()
    print(f"\nTags: {len(TAGS)} in the vocabulary, {used} used by 1,000 notes; most used {most}, median {median}")
