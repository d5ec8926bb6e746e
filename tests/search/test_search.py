"""Search by text and by tags, in Chinese and English (runs on SQLite and PostgreSQL)."""

import re
from io import StringIO
from urllib.parse import quote, urlencode

import pytest
from django.core.management import call_command

from articles.models import Article
from articles.search import index as search_index
from articles.search.backends.base import Matches
from articles.search.query import Search
from markup import segmentation
from tests.factories import make_article, make_draft, make_scheduled
from tests.htmlcheck import problems

pytestmark = pytest.mark.django_db

# A corpus of our own: words inside running text, where a naive tokenizer fails.
SENTENCES = [
    "本文讨论空洞卷积在语义分割中的作用，重点是感受野的计算。",
    "我们用卷积核提取局部特征，再做池化。",
    "标准卷积的参数量随通道数增长。",
    "强化学习中的时序差分方法不需要环境模型。",
    "深度强化学习把值函数交给神经网络。",
    "蒙特卡洛方法等一幕结束后再更新。",
    "注意力机制让模型在序列上分配权重。",
    "多头注意力把表示拆成若干子空间。",
    "投机解码用小模型起草，大模型验证。",
    "混合精度训练依赖损失缩放避免下溢。",
    "FlashAttention tiles the attention matrix and uses online softmax.",
    "Speculative decoding drafts tokens with a small model; the large model verifies them.",
    "Mixed precision training keeps FP32 master weights.",
    "The dilated convolution enlarges the receptive field without pooling.",
    "基于 Transformer 的语言模型用 KV cache 加速推理。",
    "时间复杂度为 O(n)，空间复杂度为 O(1)。",
    "我们在 ImageNet 上评测 MIoU 与像素准确率。",
    "这里没有任何相关词。",
]
QUERIES = [
    "卷积", "空洞卷积", "感受野", "卷积核", "强化学习", "时序差分", "值函数", "蒙特卡洛", "注意力",
    "多头注意力", "投机解码", "损失缩放", "语义分割", "语言模型", "时间复杂度", "像素准确率",
    "softmax", "attention", "decoding", "speculative decoding", "receptive field", "FP32",
    "flashattention", "KV cache", "MIoU", "Transformer 推理", "KV 语言模型", "准确率",
]  # fmt: skip


def search_titles(client, **params):
    response = client.get("/search/?" + urlencode(params, doseq=True))
    assert response.status_code == 200
    return set(re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()))


def contains(text, query):
    """What a reader means by "the article contains the query": every part of it, as text."""
    parts = [t.text for t in segmentation.query_terms(query)]
    lowered = text.lower()
    return all(
        part in text if segmentation.CJK_RUN.fullmatch(part) else re.search(rf"\b{re.escape(part)}", lowered)
        for part in parts
    )


@pytest.fixture
def corpus():
    articles = []
    for i, first in enumerate(SENTENCES):
        second = SENTENCES[(i * 7 + 3) % len(SENTENCES)]
        body = f"## 第 {i} 节\n\n前言。{first}\n\n```python\nx_{i} = {i}\n```\n\n{second}"
        articles.append(make_article(title=f"笔记 {i:02d}", body=body, days_ago=i + 1))
    make_draft(title="草稿 卷积", body=" ".join(SENTENCES))
    make_scheduled(title="未来 卷积", body=" ".join(SENTENCES))
    return articles


@pytest.mark.parametrize("query", QUERIES)
def test_every_article_containing_the_query_is_found_and_no_draft(client, corpus, query):
    expected = {a.title for a in corpus if contains(a.title + " " + a.body, query)}
    assert expected, f"corpus has no article for {query!r}"
    found = search_titles(client, q=query)
    assert expected <= found
    assert not {"草稿 卷积", "未来 卷积"} & found


def test_precision_for_chinese_words(client, corpus):
    for query in ["空洞卷积", "蒙特卡洛", "投机解码"]:
        found = search_titles(client, q=query)
        assert found == {a.title for a in corpus if query in a.body}, query


def test_title_matches_rank_first(client):
    make_article(title="随笔", body="卷积 " * 3 + "其他内容。", days_ago=1)
    make_article(title="卷积入门", body="正文提到一次卷积。", days_ago=30)
    response = client.get("/search/?q=" + quote("卷积"))
    titles = re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())
    assert titles[0] == "卷积入门"
    by_date = client.get("/search/?sort=date&q=" + quote("卷积")).content.decode()
    assert re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', by_date)[0] == "随笔"


def test_body_matches_are_ranked_by_relevance_not_date(client):
    make_article(title="深入", body="Speculative decoding. " * 5 + "草稿模型与验证。", days_ago=30)
    once = "A long note on caching. " * 20 + "It mentions speculative decoding once."
    make_article(title="顺带", body=once, days_ago=1)
    html = client.get("/search/?q=speculative+decoding").content.decode()
    assert re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', html) == ["深入", "顺带"]


def test_math_and_code_are_searchable(client):
    make_article(
        title="归一化",
        body="公式 $\\operatorname{softmax}(z)_i$，代码：\n\n```python\ndef online_softmax(x):\n    pass\n```",
    )
    assert search_titles(client, q="softmax") == {"归一化"}  # a formula's words, not its TeX commands
    assert search_titles(client, q="operatorname") == set()
    assert search_titles(client, q="online_softmax") == {"归一化"}


def test_tags_and_headings_are_searchable(client):
    make_article(title="A", body="## 感受野计算\n\n正文。", tags=["语义分割"])
    assert search_titles(client, q="感受野") == {"A"}
    assert search_titles(client, q="语义分割") == {"A"}


def test_single_cjk_character_falls_back_to_substring(client):
    make_article(title="甲", body="这里有一个卷字。")
    make_article(title="乙", body="无关。")
    response = client.get("/search/?q=" + quote("卷"))
    assert "matching the exact text" in response.content.decode()
    assert search_titles(client, q="卷") == {"甲"}


def test_a_single_cjk_character_beside_other_words_is_found_as_text(client):
    make_article(title="甲", body="卷字在这里，attention 在后面。")
    make_article(title="乙", body="只有 attention。")
    make_article(title="丙", body="只有卷。")
    assert search_titles(client, q="卷 attention") == {"甲"}


def test_no_hits_falls_back_to_substring(client):
    make_article(title="code", body="The identifier is foo_bar-baz42 here.")
    assert search_titles(client, q="bar-baz4") == {"code"}


def test_snippet_highlights_matches_and_escapes_text(client):
    make_article(title="escape", body="Text with &lt;b&gt; and 卷积 and <script>alert(1)</script> x < y & z 卷积.")
    html = client.get("/search/?q=" + quote("卷积")).content.decode()
    snippet = re.search(r'<p class="excerpt">(.*?)</p>', html, re.S).group(1)
    assert snippet.count("<mark>卷积</mark>") == 2
    assert "x &lt; y &amp; z" in snippet
    assert problems(snippet) == [] and "<b>" not in snippet


def test_total_facets_and_pagination_keep_the_query(client):
    for i in range(15):
        make_article(
            title=f"t{i}", body="关于注意力的笔记。", tags=["LLM"] + (["GPU"] if i % 3 == 0 else []), days_ago=i
        )
    html = client.get("/search/?q=" + quote("注意力")).content.decode()
    assert "15 results for “注意力”" in html
    assert re.search(r"GPU <span class=\"count\">5</span>", html) and re.search(
        r"LLM <span class=\"count\">15</span>", html
    )
    assert f'href="?q={quote("注意力")}&amp;page=2"' in html
    page2 = client.get("/search/?page=2&q=" + quote("注意力")).content.decode()
    assert len(re.findall(r'class="card-title"', page2)) == 3
    narrowed = search_titles(client, q="注意力", tag="gpu")
    assert narrowed == {f"t{i}" for i in range(0, 15, 3)}


def test_friendly_page_when_nothing_matches(client):
    make_article(title="x", body="内容")
    html = client.get("/search/?q=" + quote("完全不存在的词")).content.decode()
    assert "0 results" in html and "Nothing matches" in html and "browse by tag" in html


def test_search_box_on_every_page(client):
    article = make_article(title="文章", tags=["标签"])
    for url in ["/", article.get_absolute_url(), "/tags/", "/series/", "/search/", "/nope/"]:
        assert 'role="search"' in client.get(url).content.decode(), url


def test_long_query_is_cut_with_a_message(client):
    html = client.get("/search/?q=" + "卷积" * 5000).content.decode()
    assert "only the first 200 were searched" in html


@pytest.mark.parametrize(
    "query",
    [
        '"', "'", ")", "(", "*", "AND", "OR", "NOT", "NEAR", "NEAR(a b)", "a OR b", '"unterminated',
        "title:卷积", "{title}: x", "^x", "x -y", "'; DROP TABLE articles_article; --", "1' OR '1'='1",
        "\x00", "\x01\x02\x7f", "!!!", "。，、", "   ", "a" * 10000, "卷" * 10000, "%", "_", "\\", "''",
        "x:*", "x & y | !z <-> w", "$$", "<script>alert(1)</script>", "🚀🚀", "\u202e", "\ud7ff",
    ],
)  # fmt: skip
def test_adversarial_queries_never_fail(client, query):
    make_article(title="x", body="卷积 and OR NEAR text")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    if ("<" in query or '"' in query) and len(query) > 3:
        assert query not in response.content.decode()  # echoed escaped, never verbatim


def test_tag_intersection_is_exact(client):
    make_article(title="ab", tags=["A", "强化学习"])
    make_article(title="a", tags=["A"])
    make_article(title="abc", tags=["A", "强化学习", "C"])
    make_draft(title="draft-ab", tags=["A", "强化学习"])
    assert search_titles(client, tag=["a", "强化学习"]) == {"ab", "abc"}
    page = client.get(f"/tags/a+{quote('强化学习')}/").content.decode()
    assert set(re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', page)) == {"ab", "abc"}
    assert "draft-ab" not in page


def test_more_than_five_tags_is_a_clear_400(client):
    for response in (
        client.get("/tags/a+b+c+d+e+f/"),
        client.get("/search/?" + "&".join(f"tag=t{i}" for i in range(6))),
    ):
        assert response.status_code == 400
        assert "At most 5 tags can be combined" in response.content.decode()


def test_unknown_tag_in_a_set_is_404(client):
    make_article(title="x", tags=["a"])
    assert client.get("/tags/a+nope/").status_code == 404
    assert client.get("/search/?tag=nope").status_code == 404


def test_a_tag_that_no_reader_can_see_is_404_like_an_unknown_one(client):
    make_article(title="public", tags=["公开"])
    make_draft(title="draft", tags=["草稿专用", "公开"])
    make_scheduled(title="scheduled", tags=["定时专用"])
    assert search_titles(client, tag="公开") == {"public"}
    for slug in ("草稿专用", "定时专用", "nope"):
        response = client.get("/search/?" + urlencode({"tag": slug, "q": "x"}))
        assert response.status_code == 404, slug
        assert "草稿专用" not in response.content.decode()
    assert client.get("/search/?" + urlencode({"tag": ["公开", "草稿专用"]}, doseq=True)).status_code == 404


def test_narrowing_links_never_lead_to_an_empty_page(client):
    make_article(title="1", tags=["a", "b"])
    make_article(title="2", tags=["a", "c"])
    make_article(title="3", tags=["d"])
    html = client.get("/tags/a/").content.decode()
    links = re.findall(r'href="(/tags/[^"]+)"', html.split('aria-label="Narrow by another tag"')[1].split("</nav>")[0])
    assert sorted(links) == ["/tags/a+b/", "/tags/a+c/"]
    for link in links:
        assert client.get(link).status_code == 200


def test_tag_names_are_trimmed_and_case_insensitive(client):
    make_article(title="1", tags=["  CNN  "])
    make_article(title="2", tags=["cnn"])
    assert search_titles(client, tag="cnn") == {"1", "2"}
    assert client.get("/tags/CNN/")["Location"] == "/tags/cnn/"


def test_tag_list_shows_a_cloud_and_an_alphabetical_list(client):
    for i in range(6):
        make_article(title=f"a{i}", tags=["常用"] + (["少见"] if i == 0 else []))
    make_draft(title="d", tags=["草稿标签"])
    html = client.get("/tags/").content.decode()
    assert re.search(r'class="w5" href="/tags/%E5%B8%B8%E7%94%A8/"', html)
    assert re.search(r'class="w1" href="/tags/%E5%B0%91%E8%A7%81/"', html)
    assert "草稿标签" not in html


def test_index_follows_edits_tag_changes_and_deletes(client):
    article = make_article(title="旧标题", body="旧正文")
    article.body = "新正文讲投机解码"
    article.save()
    assert search_titles(client, q="投机解码") == {"旧标题"}
    article.tags.add("推理")
    assert search_titles(client, q="推理") == {"旧标题"}
    article.delete()
    assert search_titles(client, q="投机解码") == set()


def test_bulk_updates_of_status_and_dates_reach_the_index(client):
    from datetime import timedelta

    from django.utils import timezone

    article = make_article(title="可见", body="时序差分")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert search_titles(client, q="时序差分") == set()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    assert search_titles(client, q="时序差分") == {"可见"}
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() + timedelta(days=1))
    assert search_titles(client, q="时序差分") == set()


def test_renaming_or_deleting_a_tag_updates_the_index(client):
    from articles.models import Tag

    make_article(title="a", body="正文", tags=["旧名字"])
    tag = Tag.objects.get(name="旧名字")
    tag.name = "新名字"
    tag.save()
    assert search_titles(client, q="新名字") == {"a"}
    assert not Search("旧名字", [], "relevance").run().results.count()
    tag.delete()
    assert not Search("新名字", [], "relevance").run().results.count()


def test_deleting_tags_together_reindexes_their_articles_without_any_of_them(client):
    """Django deletes every link, then every tag, then says so tag by tag: no tag is left behind."""
    from articles.models import Tag

    make_article(title="a", body="正文", tags=["甲标签", "乙标签", "留下"])
    make_article(title="b", body="正文", tags=["乙标签"])
    Tag.objects.filter(name__in=["甲标签", "乙标签"]).delete()
    assert not Search("甲标签", [], "relevance").run().results.count()
    assert not Search("乙标签", [], "relevance").run().results.count()
    assert search_titles(client, q="留下") == {"a"}


def test_reindex_command_rebuilds_everything(client):
    make_article(title="a", body="时序差分")
    search_index.clear()
    assert Search("时序差分", [], "relevance").run().fallback  # only the substring fallback finds it now
    out = StringIO()
    call_command("reindex_search", stdout=out)
    assert "Re-indexed 1 article" in out.getvalue()
    assert search_titles(client, q="时序差分") == {"a"}
    assert not Search("时序差分", [], "relevance").run().fallback


def test_query_count_is_bounded(client, django_assert_max_num_queries):
    for i in range(30):
        make_article(title=f"t{i}", body="注意力机制", tags=[f"tag{i}", "LLM"], days_ago=i)
    with django_assert_max_num_queries(10):  # PostgreSQL re-ranks small result sets in one more
        client.get("/search/?q=" + quote("注意力"))


def test_a_save_during_a_rebuild_is_kept(client):
    articles = [make_article(title=f"r{i}", body=f"时序差分 {i}") for i in range(6)]

    def save_one_read_but_not_yet_written(done):
        if done == 2:  # the batch of r2 and r3 is built, not written
            articles[2].body = "投机解码"
            articles[2].save()

    search_index.reindex_all(batch_size=2, progress=save_one_read_but_not_yet_written)
    assert search_titles(client, q="投机解码") == {"r2"}
    assert search_titles(client, q="时序差分") == {"r0", "r1", "r3", "r4", "r5"}


def card_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def large_result_sets(monkeypatch, settings):
    """Make a handful of matches count as a large result set, ranked the way 100,000 articles are."""
    monkeypatch.setattr(Matches, "RERANK_LIMIT", 3)
    settings.KB_PAGE_SIZE = 2


def test_large_result_sets_put_title_matches_first_and_page_through_every_match(client, large_result_sets):
    make_article(title="卷积入门", body="正文。", days_ago=9)
    make_article(title="池化", body="卷积 " * 8, days_ago=1)
    make_article(title="卷积与池化", body="卷积。", days_ago=5)
    make_article(title="感受野", body="一次卷积。", days_ago=2)
    make_article(title="别的", body="无关。", days_ago=0)
    make_draft(title="卷积草稿", body="卷积")
    pages = [card_titles(client, f"/search/?page={n}&q=" + quote("卷积")) for n in (1, 2)]
    assert sorted(pages[0]) == ["卷积与池化", "卷积入门"]  # title matches first
    # Then the others: SQLite ranks them by bm25, PostgreSQL newest first; both put 池化 first.
    assert pages[1] == ["池化", "感受野"]
    assert client.get("/search/?page=3&q=" + quote("卷积")).status_code == 404
    html = client.get("/search/?q=" + quote("卷积")).content.decode()
    assert "4 results for “卷积”" in html


def test_large_result_sets_sorted_by_date_and_narrowed_by_tags(client, large_result_sets):
    for i in range(5):
        make_article(title=f"n{i}", body="注意力", tags=["gpu"] if i % 2 else ["cpu"], days_ago=i)
    make_draft(title="草稿", body="注意力", tags=["gpu"])
    assert [*card_titles(client, "/search/?sort=date&q=" + quote("注意力"))] == ["n0", "n1"]
    assert card_titles(client, "/search/?sort=date&page=3&q=" + quote("注意力")) == ["n4"]
    html = client.get("/search/?q=" + quote("注意力")).content.decode()
    assert re.search(r"cpu <span class=\"count\">3</span>", html)
    assert re.search(r"gpu <span class=\"count\">2</span>", html)  # the draft is not counted
    assert search_titles(client, q="注意力", tag="gpu") == {"n1", "n3"}


def test_facets_and_tag_filters_follow_tag_changes_made_in_bulk(client):
    from articles.models import Tag, TaggedArticle

    a = make_article(title="a", body="时序差分", tags=["旧"])
    b = make_article(title="b", body="时序差分", tags=["旧"])
    new = Tag.objects.create(name="新")
    TaggedArticle.objects.filter(content_object=a).update(tag=new)  # no signals: only the database sees it
    TaggedArticle.objects.create(content_object=b, tag=new)
    assert search_titles(client, q="时序差分", tag="新") == {"a", "b"}
    assert search_titles(client, q="时序差分", tag="旧") == {"b"}
    TaggedArticle.objects.filter(tag=new).delete()
    # No article carries it any more: a reader cannot tell it from an unknown tag.
    assert client.get("/search/?" + urlencode({"q": "时序差分", "tag": "新"})).status_code == 404
    html = client.get("/search/?q=" + quote("时序差分")).content.decode()
    assert re.search(r"旧 <span class=\"count\">1</span>", html) and "新 <span" not in html


def test_bad_search_requests_are_explained_in_the_readers_language(client):
    too_many = "/search/?" + "&".join(f"tag=t{i}" for i in range(6))
    assert "最多可组合 5 个标签" in client.get(too_many, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "At most 5 tags" in client.get(too_many, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.get("/search/?q=x&sort=best", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400 and "相关度" in response.content.decode()
