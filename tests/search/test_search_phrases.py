"""A Chinese query word is a phrase: its characters must stand together and in order.

Measured on the demo articles (articles/demo/) with a query set of phrases whose characters
or bigrams also occur apart in other articles, where jieba and bigrams alone would match. The
truth for each query is the text a reader sees: the title, the tags and the body's text.

    .venv/bin/pytest -s tests/search/test_search_phrases.py -k figures   # prints the figures
"""

import html
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from articles.models import Article
from articles.transfer.importer import import_paths
from markup import limits
from tests.factories import make_article

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "articles" / "demo"

# Phrases of the demo articles whose bigrams (or characters) also occur apart, in articles
# without the phrase; then the domain words of markup/search_words.txt with three characters
# or more, which the notes mostly contain whole; then phrases no note contains, whose bigrams
# some do.
APART = [
    "第一步", "同一个", "第一次", "第一遍", "第一个", "第一轮", "第一层", "第一篇",
    "一两个", "并不知道", "第三个", "一个点", "轻量化",
]  # fmt: skip
DOMAIN = [
    "空洞卷积", "卷积核", "感受野", "膨胀率", "注意力", "自注意力", "强化学习", "深度强化学习", "时序差分",
    "蒙特卡洛", "值函数", "值函数近似", "动作价值", "状态价值", "策略梯度", "重要性采样", "经验回放",
    "目标网络", "投机解码", "多头解码", "大模型", "大语言模型", "语言模型", "推理加速", "草稿模型",
    "接受率", "语义分割", "实例分割", "混淆矩阵", "交并比", "像素准确率", "评价指标", "混合精度",
    "混合精度训练", "半精度", "梯度下降", "反向传播", "双指针", "时间复杂度", "空间复杂度", "基础模型",
    "图像编码器", "提示编码器", "掩码解码器", "分块计算",
]  # fmt: skip
ABSENT = ["注意力机制", "多头注意力", "平均交并比", "损失缩放", "推测解码", "验证模型", "第一章", "一个值"]
QUERIES = APART + DOMAIN + ABSENT


def titles_found(client, query):
    page, found = 1, set()
    while True:
        response = client.get("/search/?" + urlencode({"q": query, "page": page}))
        if response.status_code == 404:
            return found
        assert response.status_code == 200
        content = response.content.decode()
        found |= {html.unescape(t) for t in re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', content)}
        if f"page={page + 1}" not in content:
            return found
        page += 1


def reader_text(article):
    """What a reader sees of an article: title, tags and the body's text (tags stripped)."""
    body = html.unescape(re.sub(r"<[^>]+>", "", article.body_html))
    return " ".join([article.title, *(tag.name for tag in article.tags.all()), body])


@pytest.fixture
def demo(db, monkeypatch):
    # The render budget guards the site, not these figures: a machine busy with other work
    # would otherwise refuse the longest notes.
    monkeypatch.setattr(limits, "RENDER_SECONDS", 30)
    report = import_paths([DEMO], jobs=1)
    assert not report.failed and report.total >= 11
    return {article.title: reader_text(article) for article in Article.objects.published()}


def measure(client, demo, queries):
    """(precision, recall, [(query, missed, wrong)]) over every (query, article) pair."""
    right = returned = relevant = 0
    misses = []
    for query in queries:
        truth = {title for title, text in demo.items() if query in text}
        found = titles_found(client, query)
        right, returned, relevant = right + len(found & truth), returned + len(found), relevant + len(truth)
        if found != truth:
            misses.append((query, sorted(truth - found), sorted(found - truth)))
    return right / returned if returned else 1.0, right / relevant if relevant else 1.0, misses


def test_phrase_figures_on_the_demo_articles(client, demo):
    precision, recall, misses = measure(client, demo, QUERIES)
    apart = measure(client, demo, APART)
    print(
        f"\n{len(QUERIES)} queries over {len(demo)} demo articles: precision {precision:.3f}, recall {recall:.3f}; "
        f"the {len(APART)} phrases whose bigrams occur apart: precision {apart[0]:.3f}, recall {apart[1]:.3f}"
    )
    for miss in misses:
        print("  ", miss)
    assert [query for query in APART if not any(query in text for text in demo.values())] == []
    assert (precision, recall) == (1.0, 1.0), misses


def test_bigrams_or_jieba_words_apart_do_not_match(client):
    make_article(title="together", body="时序差分学习不需要模型。")
    make_article(title="apart", body="时序很重要。差分方程在别处。")
    make_article(title="bigrams apart", body="第一位选手，一步到位。")
    make_article(title="across a comma", body="这是时序，差分在后面。")
    make_article(title="first step", body="第一步是读题。")
    assert titles_found(client, "时序差分") == {"together"}
    assert titles_found(client, "第一步") == {"first step"}
    assert titles_found(client, "序差") == {"together"}


def test_a_phrase_in_title_or_tags_is_found_and_ranks_first(client):
    make_article(title="正文", body="讨论空洞卷积。" * 3, days_ago=1)
    make_article(title="空洞卷积入门", body="正文无关。", days_ago=9)
    make_article(title="标签", body="别的内容。", tags=["空洞卷积"], days_ago=2)
    make_article(title="分开", body="空洞很大，卷积很多。", days_ago=0)
    titles = [
        html.unescape(t)
        for t in re.findall(
            r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>',
            client.get("/search/?" + urlencode({"q": "空洞卷积"})).content.decode(),
        )
    ]
    assert titles[0] == "空洞卷积入门" and set(titles) == {"空洞卷积入门", "正文", "标签"}


def test_long_phrases_and_phrases_beside_english_words(client):
    make_article(title="a", body="深度强化学习在 Atari 上的结果。")
    make_article(title="b", body="深度学习与强化学习的区别。")
    assert titles_found(client, "深度强化学习") == {"a"}
    assert titles_found(client, "强化学习 atari") == {"a"}
    assert titles_found(client, "强化学习") == {"a", "b"}
