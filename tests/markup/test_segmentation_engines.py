"""The search index's words are jieba's, whichever engine computes them (markup.segmentation).

rjieba (jieba in Rust) is used when installed; what it returns must be what jieba itself
returns, or an index built by one and queried by the other would disagree, and the words in
search_words.txt must steer it as they steer jieba.
"""

import re
from pathlib import Path

import pytest

from markup import segmentation

pytest.importorskip("rjieba")
DEMO = Path(__file__).resolve().parents[2] / "articles" / "demo"


@pytest.fixture(scope="module")
def engines():
    rust = segmentation.tokenizer()
    assert isinstance(rust, segmentation.RustJieba)
    return segmentation._jieba(), rust


def demo_runs():
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(DEMO.glob("*.md")))
    return list(dict.fromkeys(segmentation.CJK_RUN.findall(re.sub(r"\s+", " ", text))))


def test_the_demo_articles_are_segmented_as_jieba_segments_them(engines):
    jieba, rust = engines
    runs = demo_runs()
    assert len(runs) > 1000
    for run in runs:
        assert rust.cut_for_search(run) == list(jieba.cut_for_search(run)), run
        assert rust.cut(run) == list(jieba.cut(run)), run


@pytest.mark.parametrize(
    "run",
    ["カタカナとひらがな", "한국어형태소", "㐀㐁㐂中文𠀀𠀁字", "鿖鿗中文鿿", "〇一二三々〻", "時序差分學習"],
)
def test_characters_jieba_leaves_alone_are_single_words(engines, run):
    jieba, rust = engines
    assert rust.cut_for_search(run) == list(jieba.cut_for_search(run))
    assert rust.cut(run) == list(jieba.cut(run))


def test_the_site_words_steer_the_segmentation(engines):
    _, rust = engines
    words = dict(segmentation._extra_words())
    assert "空洞卷积" in words
    assert "空洞卷积" in rust.cut("使用空洞卷积扩大感受野")
