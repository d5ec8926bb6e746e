"""Words for the search index and for queries, in Chinese and English. Pure functions.

Chinese has no spaces, so runs of CJK characters are segmented with jieba: documents with
`cut_for_search` (which also emits the short words inside long ones), queries with `cut`.
Every CJK run is also indexed as its character bigrams, so that a query is found even
where jieba segmented the document differently (`感受野` read as `感受|野随`): a CJK part of
a query matches its jieba words, or else all of its bigrams. Other text is split into
lowercase letter-and-digit words, which queries match as prefixes.

jieba is initialised lazily, once per process, with its cache in a private directory and
its log lines silenced. The extra words in `search_words.txt` steer its segmentation; after
changing that file run `manage.py reindex_search`.
"""

import logging
import os
import re
import tempfile
import threading
from pathlib import Path

from markup import cjk

CJK_RUN = re.compile(f"[{cjk.WORD_RUN}]+")
WORD = re.compile(r"[^\W_]+")
WORDS_FILE = Path(__file__).with_name("search_words.txt")
MAX_QUERY_TERMS = 32

_lock = threading.Lock()
_tokenizer = None


def _private_cache_dir():
    path = Path(tempfile.gettempdir()) / f"kb-jieba-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    path.mkdir(mode=0o700, exist_ok=True)
    if path.stat().st_mode & 0o077:
        # jieba's cache is unpickled on load: never share its directory with other users.
        path.chmod(0o700)
    return path


def tokenizer():
    """The process-wide jieba tokenizer, made on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.tmp_dir = str(_private_cache_dir())
                made.initialize()
                made.load_userdict(str(WORDS_FILE))
                _tokenizer = made
    return _tokenizer


def _split(text):
    """Yield (is_cjk, part) for the CJK runs and the text between them."""
    position = 0
    for match in CJK_RUN.finditer(text):
        if match.start() > position:
            yield False, text[position : match.start()]
        yield True, match.group()
        position = match.end()
    if position < len(text):
        yield False, text[position:]


def bigrams(run):
    """Character bigrams of one CJK run; a single character stands for itself."""
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


def index_words(text):
    """Words of `text` for the index, in order: jieba's search cut of CJK, lowercase words else."""
    words = []
    cut = tokenizer().cut_for_search
    for is_cjk, part in _split(text or ""):
        if is_cjk:
            words.extend(word for word in cut(part) if word.strip())
        else:
            words.extend(WORD.findall(part.lower()))
    return words


def index_bigrams(text):
    """The distinct CJK bigrams of `text`, in first-seen order."""
    seen = {}
    for match in CJK_RUN.finditer(text or ""):
        for pair in bigrams(match.group()):
            seen.setdefault(pair, None)
    return list(seen)


class QueryTerm:
    """One part of a query that every result must match.

    A CJK run matches when all its jieba `words` are present, or else all its `bigrams`.
    A Latin word is matched as a prefix.
    """

    def __init__(self, text, cjk):
        self.text = text
        self.cjk = cjk
        self.words = [w for w in tokenizer().cut(text) if w.strip()] if cjk else [text]
        self.bigrams = bigrams(text) if cjk else []

    def __repr__(self):
        return f"QueryTerm({self.text!r})"


def query_terms(query):
    """The terms of a search query, at most MAX_QUERY_TERMS, duplicates dropped."""
    terms, seen = [], set()
    for is_cjk, part in _split(query or ""):
        for text in [part] if is_cjk else WORD.findall(part.lower()):
            if text not in seen:
                seen.add(text)
                terms.append(QueryTerm(text, is_cjk))
    return terms[:MAX_QUERY_TERMS]


def is_single_cjk_character(terms):
    return len(terms) == 1 and terms[0].cjk and len(terms[0].text) == 1
