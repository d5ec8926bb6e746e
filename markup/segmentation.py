"""Words for the search index and for queries, in Chinese and English. Pure functions.

Chinese has no spaces, so runs of CJK characters are segmented with jieba: documents with
`cut_for_search` (which also emits the short words inside long ones), queries with `cut`.
Every CJK run is also indexed as its character bigrams and trigrams.

A CJK part of a query is a phrase: its characters must appear together and in order. jieba
alone cannot say so (`时序差分` cut into `时序|差分` matches an article with 时序 in one
place and 差分 in another), so a phrase of three or more characters also requires each of
its trigrams, which exist only where three characters stand together. A phrase of two
characters is itself a bigram; of three, a trigram; a longer one matches where its
overlapping trigrams all occur (in practice only where the phrase does). Within those, the
jieba words or else all the bigrams of the phrase rank the match as before: by field, so
that a phrase in the title ranks first; the bigrams find it even where jieba segmented the
document differently (`感受野` read as `感受|野随`). Other text is split into lowercase
letter-and-digit words, which queries match as prefixes.

jieba's segmentation is computed by rjieba (jieba-rs, jieba's dictionary and algorithm in
Rust) when it is installed: the same words on the demo corpus (every CJK run of its 15
articles, both cuts), about ten times faster, and its dictionary loads in a fraction of
jieba's second. It is given only what jieba itself segments, runs of U+4E00..U+9FD5: any
other CJK character (kana, hangul, the rarer ideographs) is a word of its own, as jieba
makes it, where jieba-rs would join them. Without rjieba, jieba (Python) does the same work.
Either is initialised lazily, once per process (jieba with its cache in a private directory
and its log lines silenced). The extra words in `search_words.txt` steer the segmentation;
after changing that file run `manage.py reindex_search`.
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


def _extra_words():
    """(word, frequency) of each line of WORDS_FILE, as jieba's load_userdict reads it."""
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            yield parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    made = jieba.Tokenizer()
    made.tmp_dir = str(_private_cache_dir())
    made.initialize()
    made.load_userdict(str(WORDS_FILE))
    return made


# What jieba segments with its dictionary (its `re_han_default`, without the ASCII it adds):
# every other character it returns alone.
_JIEBA_HAN = re.compile("([\u4e00-\u9fd5]+)")


class RustJieba:
    """jieba's `cut` and `cut_for_search` of CJK runs, computed by rjieba.

    jieba-rs reads more of Unicode as Chinese than jieba does (the extensions of the CJK
    ideographs): only runs of jieba's own range are given to it, every other character is a
    word alone, as in jieba.
    """

    def __init__(self, rjieba):
        self._rust = rjieba.Jieba()
        for word, frequency in _extra_words():
            self._rust.add_word(word, frequency, None)
        self._freq = None

    def _words(self, run, cut):
        words = []
        for i, part in enumerate(_JIEBA_HAN.split(run)):
            if i % 2:
                words.extend(cut(part))
            else:
                words.extend(part)  # outside jieba's range: one character a word
        return words

    def cut(self, run):
        return self._words(run, self._rust.cut)

    def cut_for_search(self, run):
        return self._words(run, self._rust.cut_for_search)

    @property
    def FREQ(self):  # noqa: N802 (jieba's name)
        """jieba's dictionary, {word: frequency}, for tools that read it (loaded on first use)."""
        if self._freq is None:
            self._freq = _jieba().FREQ
        return self._freq


def tokenizer():
    """The process-wide segmenter (rjieba's, else jieba's), made on first use: `cut(run)` and
    `cut_for_search(run)` of a CJK run, as jieba cuts it."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                try:
                    import rjieba
                except ImportError:
                    _tokenizer = _jieba()
                else:
                    _tokenizer = RustJieba(rjieba)
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


def trigrams(run):
    """Character trigrams of one CJK run (none when it is shorter than three)."""
    return [run[i : i + 3] for i in range(len(run) - 2)]


def index_bigrams(text):
    """The distinct CJK bigrams of `text`, in first-seen order."""
    seen = {}
    for match in CJK_RUN.finditer(text or ""):
        for pair in bigrams(match.group()):
            seen.setdefault(pair, None)
    return list(seen)


def index_trigrams(text):
    """The distinct CJK trigrams of `text` (a run never spans punctuation), in first-seen order:
    what makes a query a phrase (see the module's docstring)."""
    seen = {}
    for match in CJK_RUN.finditer(text or ""):
        for gram in trigrams(match.group()):
            seen.setdefault(gram, None)
    return list(seen)


class QueryTerm:
    """One part of a query that every result must match.

    A CJK run is a phrase: it matches where all its `trigrams` are present (so its characters
    stand together), ranked by its jieba `words` or else its `bigrams`. A Latin word is
    matched as a prefix.
    """

    def __init__(self, text, cjk):
        self.text = text
        self.cjk = cjk
        self.words = [w for w in tokenizer().cut(text) if w.strip()] if cjk else [text]
        self.bigrams = bigrams(text) if cjk else []
        self.trigrams = list(dict.fromkeys(trigrams(text))) if cjk else []

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
