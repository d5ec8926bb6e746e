"""CJK character ranges, named once. Pure constants.

Each range is a piece of a regular-expression character class (`f"[{HAN}{KANA}]"`). Each job
below takes the ranges it needs, and the jobs differ on purpose:

- `CHINESE` (the page's content language): Han ideographs only. Kana says Japanese and
  hangul Korean, so they must not make a page `zh-Hans`.
- `UNSPACED` (a soft line break dropped between two characters when rendering): scripts
  written without spaces between words, with their punctuation and full-width forms (`，`
  `。` `（`). Hangul is left out: Korean puts spaces between words, so its line break is a
  space. The supplementary ideographs are not in it (as before this module; a line break
  between two of them stays a space).
- `WORD_RUN` (search words: runs segmented by jieba and cut into bigrams): letters of the CJK
  scripts, no punctuation (a run ends at `，`) and no full-width forms (`ＡＢＣ` are Latin
  letters to the word splitter).
- `COUNTED_ONE_BY_ONE` (excerpt length and reading time): every CJK block, punctuation and
  radicals included, since each such character is read as one unit rather than as part of
  a space-separated word.
"""

# Ideographs: CJK Unified Ideographs Extension A, CJK Unified Ideographs, CJK Compatibility
# Ideographs; then Extensions B to H (planes 2 and 3).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_SUPPLEMENTARY = "\U00020000-\U0003134f"
# Hiragana and Katakana; Katakana Phonetic Extensions (small ㇰ ㇱ ...).
KANA = "\u3040-\u30ff"
KANA_EXTENSIONS = "\u31f0-\u31ff"
HANGUL = "\uac00-\ud7af"  # Hangul Syllables
HANGUL_JAMO = "\u3130-\u318f"  # Hangul Compatibility Jamo
BOPOMOFO = "\u3100-\u312f"
# Bopomofo Extended, CJK Strokes, Katakana Phonetic Extensions (contains KANA_EXTENSIONS).
BOPOMOFO_STROKES_KANA = "\u31a0-\u31ff"
RADICALS = "\u2e80-\u2fdf"  # CJK Radicals Supplement, Kangxi Radicals
PUNCTUATION = "\u3000-\u303f"  # CJK Symbols and Punctuation (ideographic space, 。「」)
VERTICAL_FORMS = "\ufe30-\ufe4f"  # CJK Compatibility Forms
FULLWIDTH = "\uff00-\uffef"  # Halfwidth and Fullwidth Forms

CHINESE = HAN
UNSPACED = PUNCTUATION + KANA + HAN + FULLWIDTH
WORD_RUN = HAN + KANA + KANA_EXTENSIONS + HANGUL + HAN_SUPPLEMENTARY
COUNTED_ONE_BY_ONE = (
    RADICALS
    + PUNCTUATION
    + KANA
    + BOPOMOFO
    + HANGUL_JAMO
    + BOPOMOFO_STROKES_KANA
    + HAN
    + HANGUL
    + VERTICAL_FORMS
    + FULLWIDTH
    + HAN_SUPPLEMENTARY
)

# Marks that close a phrase or a bracket and must never start a line (line breaking class CL
# and full stops and commas of Chinese): ，、。；：？！ and the closing quotes and brackets, in
# their CJK and full-width forms. Opening ones must never end a line.
CLOSING_PUNCTUATION = "，、。；：？！）」』】〕〗〙〛〉》”’．，：；！？）］｝｠｣"
OPENING_PUNCTUATION = "（「『【〔〖〘〚〈《“‘（［｛｟｢"
