"""The named CJK ranges: each job's set of characters, as its docstring says."""

import re

from markup import cjk


def matches(ranges, text):
    return "".join(re.findall(f"[{ranges}]", text))


def test_chinese_is_han_only():
    assert matches(cjk.CHINESE, "中文かなカナ한국어，。Ａ𠀀") == "中文"


def test_unspaced_scripts_keep_punctuation_but_not_hangul():
    assert matches(cjk.UNSPACED, "中文かな한국어，。Ａ𠀀a") == "中文かな，。Ａ"


def test_word_runs_are_letters_without_punctuation_or_fullwidth():
    assert matches(cjk.WORD_RUN, "中文かなㇰ한국어，。Ａ𠀀a") == "中文かなㇰ한국어𠀀"


def test_counted_one_by_one_takes_every_block():
    assert matches(cjk.COUNTED_ONE_BY_ONE, "中文かなㄅㄱ⺀한국어，。︰Ａ𠀀a") == "中文かなㄅㄱ⺀한국어，。︰Ａ𠀀"
