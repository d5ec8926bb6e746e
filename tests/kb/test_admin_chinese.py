"""The admin in Chinese: with the interface language set to 简体中文, an Editor's and an Author's
admin pages are Chinese, our own strings and Django's.

Each page is fetched twice, in English and in Chinese. Every text of the English page that is
one of our catalogue's msgids must be gone from the Chinese page (a translation missing or not
applied shows up here), and the Chinese page may hold no English text at all but the data
(user names) and the gaps listed below, each with where it comes from.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from articles.authoring import history, images, review, services
from articles.authoring.diffs import diff_lines
from articles.models import Tag, revisions
from markup import limits
from tests.authoring.test_editor import picture, upload
from tests.authoring.test_permissions import member
from tests.authoring.test_revisions import form_data, save
from tests.factories import add_form, make_article, make_draft, make_series
from tests.kb.test_i18n import LOCALE, _po_entries

pytestmark = pytest.mark.django_db

# Words that are English in any language: names of formats and tools.
NAMES = {"Markdown", "MathJax", "LaTeX", "TeX", "SVG", "HTML", "PNG", "JPEG", "GIF", "WebP"}

# English still on the Chinese pages that no catalogue can translate (regular expressions, as
# whole texts), each with where it is written. kb/third_party_strings.py lists the msgids of
# Django's and other packages' that our catalogue translates for them.
GAPS = {
    r"Search": 'django/contrib/admin/templates/admin/search_form.html:5, alt="Search" written without gettext',
    r"Axes|在应用程序 Axes 中的模型": "axes/apps.py: no verbose_name, so Django shows the label title-cased",
    r"Tagged articles?: .*": "articles/models/tags.py: TaggedArticle has no verbose_name (the delete page lists them)",
}
ALLOWED = re.compile("|".join(f"(?:{p})" for p in GAPS))


class _Texts(HTMLParser):
    """The texts a person reads or hears: text nodes, buttons' values, titles, labels, alt texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attributes.get(name):
                self.texts.append(attributes[name].strip())
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"].strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def page_texts(html):
    parser = _Texts()
    parser.feed(html)
    # A label's colon is the form's, not the string's.
    return [text.rstrip(":：").strip() for text in parser.texts]


def texts(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return page_texts(response.content.decode())


def english_in(chinese, names=()):
    """The texts of a Chinese page with English words in them, but names, TeX commands (`\\mathbb`:
    an example of what to type) and the listed gaps."""
    return [
        text
        for text in chinese
        if re.search(r"[A-Za-z]{2,}", text)
        and not ALLOWED.fullmatch(text)
        and any(word not in NAMES | set(names) for word in _WORD.findall(text))
    ]


_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")


def _msgid_pattern(msgid):
    """A msgid as the page shows it: a placeholder stands for any text, the first letter may be
    capitalised (field names are), a label's colon is dropped as `texts()` drops it."""
    parts = re.split(r"%\(\w+\)[sd]|%[sd]", msgid.rstrip(":"))
    pattern = ".+".join(re.escape(part) for part in parts)
    if msgid[:1].islower():
        pattern = f"[{msgid[0]}{msgid[0].upper()}]{pattern[1:]}"
    return re.compile(pattern, re.S)


@pytest.fixture(scope="module")
def catalogue():
    """Our msgids (singular and plural forms) with English words in them, as patterns."""
    patterns = {}
    for key, _msgstr in _po_entries(LOCALE / "django.po"):
        msgid = key.rpartition("\x04")[2]  # the page shows the msgid, not its context
        if re.search(r"[A-Za-z]{2,}", msgid):
            patterns[msgid] = _msgid_pattern(msgid)
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines():
        if line.startswith('msgid_plural "'):
            plural = line[len('msgid_plural "') : -1].replace('\\"', '"')
            patterns[plural] = _msgid_pattern(plural)
    return patterns


@pytest.fixture
def site(django_user_model):
    """An Editor (superuser), an Author, and articles in every state the admin names."""
    editor = django_user_model.objects.create_user("zhang", password="pw-x-123456", is_staff=True, is_superuser=True)
    author = member(django_user_model, "wang", "Authors")
    series = make_series(title="强化学习", description="按顺序读。")
    live = make_article(
        title="时序差分", body="## 一\n\n正文 $x$。", author=author, series=series, series_order=1, tags=["强化学习"]
    )
    revisions.record(live, author, note="初稿")
    change = {**revisions.snapshot(live), "body": "## 一\n\n改过的正文 $y$。"}
    review.propose(live, change, author, note="改公式")  # waits for review: the Editor's queue
    returned = make_draft(title="蒙特卡洛", body="草稿正文。", author=author, tags=["强化学习"])
    revisions.record(returned, author, note="草稿")
    review.submit(returned)
    review.send_back(returned, "请补充例子。")
    make_article(title="定时文章", body="将来发布。", author=author, published_at=timezone.now() + timedelta(days=3))
    gone = make_draft(title="删掉的文章", body="删掉了。", author=author)
    revisions.record(gone, author)
    services.delete_article(gone, author)
    return {"editor": editor, "author": author, "live": live, "returned": returned, "series": series}


def editor_pages(site):
    live = site["live"].pk
    return {
        reverse("admin:index"): ["知识库", "审阅队列", "1 篇文章等待审阅"],
        reverse("admin:articles_article_changelist") + "?whose=all": [
            "以 审阅",
            "待审阅",
            "草稿 · 已退回",
            "发布所选文章",
            "站点页面",
            "查看",
        ],
        reverse("admin:articles_article_add"): ["发布", "本次保存", "修改说明", "发布时间", "更新时间", "摘要", "正文"],
        reverse("admin:articles_article_change", args=[live]): [
            "审阅：查看与线上版本的差异，发布或退回",
            "wang 的修改（修订 2）正在等待审阅；此表单显示的是线上版本。",
        ],
        reverse("admin:articles_article_history", args=[live]) + "?old=1&new=2&view=1": [
            "历史记录：时序差分",
            "修订",
            "保存者",
            "说明",
            "比较所选的两个修订",
            "修订 1 → 修订 2",
        ],
        reverse("admin:articles_article_restore", args=[live, 1]): ["恢复修订 1", "将会改变什么"],
        reverse("admin:articles_article_review", args=[live]): [
            "读者会看到的变化",
            "线上",
            "待发布",
            "退回给作者",
            "发布",
        ],
        reverse("admin:articles_article_deleted"): ["已删除的文章", "删除者", "最后修订", "恢复"],
        reverse("admin:articles_article_delete", args=[live]): ["已删除的文章"],
        reverse("admin:articles_tag_changelist"): [
            "标签",
            "文章",
            "重定向自",
            "将所选标签合并到框中输入的标签",
            "合并到",
        ],
        reverse("admin:articles_series_changelist"): ["系列", "标题", "别名"],
        reverse("admin:articles_series_change", args=[site["series"].pk]): [
            "简介",
            "读者看到的位置",
            "第 1 篇，共 1 篇",
        ],
    }


def author_pages(site):
    returned = site["returned"].pk
    return {
        reverse("admin:index"): ["知识库", "退回给你的文章", "1 篇文章附说明退回"],
        reverse("admin:articles_article_changelist"): ["以 归属", "我的", "所有人的", "草稿 · 已退回", "定时发布于"],
        reverse("admin:articles_article_add"): ["保存并提交审阅", "编辑阅读后会发布，或附上说明退回。", "修改说明"],
        reverse("admin:articles_article_change", args=[returned]): ["编辑已退回", "保存并提交审阅", "本次保存"],
        reverse("admin:articles_article_history", args=[returned]): ["历史记录：蒙特卡洛", "（当前）", "草稿"],
        reverse("admin:articles_article_delete", args=[returned]): ["已删除的文章"],
        reverse("admin:articles_article_deleted"): ["已删除的文章", "删除者"],
        reverse("admin:articles_tag_changelist"): ["标签"],
        reverse("admin:articles_series_changelist"): ["系列"],
    }


# Some of our strings the English pages show (so that the comparison compares something);
# the check finds every other msgid of the catalogue on the page by itself.
EDITOR_SEES = {
    "Publishing", "This save", "Change note", "Waiting for review", "Sent back", "Review queue", "History",
    "What changes for readers", "Send back to the author", "Compare the two selected revisions", "deleted by",
    "Into tag", "Knowledge base", "Publish the selected articles", "readers see it as", "publication date",
}  # fmt: skip
AUTHOR_SEES = {
    "Mine",
    "Everyone's",
    "Save and submit for review",
    "This save",
    "Change note",
    "Sent back by an Editor:",
}


def check_pages(client, user, pages, catalogue, seen):
    client.force_login(user)
    for url, chinese_texts in pages.items():
        english = texts(client, url, "en")
        chinese = texts(client, url, "zh-hans")
        page = "\n".join(chinese)
        # A short label must be a whole text (the fieldset "发布", not "发布时间"); a sentence may be part of one.
        missing = [text for text in chinese_texts if text not in chinese and not (len(text) >= 5 and text in page)]
        assert missing == [], f"{url}: Chinese texts missing: {missing}"
        ours = {msgid for msgid, pattern in catalogue.items() for text in english if pattern.fullmatch(text)}
        seen.update(ours)
        gaps_aside = [text for text in chinese if not ALLOWED.fullmatch(text)]
        still_english = sorted(msgid for msgid in ours if any(catalogue[msgid].fullmatch(t) for t in gaps_aside))
        assert still_english == [], f"{url}: our strings still in English: {still_english}"
        english_left = english_in(chinese, names={user.username, "zhang", "wang"})
        assert english_left == [], f"{url}: English on the Chinese page: {english_left}"


def test_an_editor_reads_the_whole_admin_in_chinese(client, site, catalogue):
    seen = set()
    check_pages(client, site["editor"], editor_pages(site), catalogue, seen)
    # The English pages did show our strings: the check above compared something.
    assert EDITOR_SEES - seen == set() and len(seen) > 60


def test_an_author_reads_the_whole_admin_in_chinese(client, site, catalogue):
    seen = set()
    check_pages(client, site["author"], author_pages(site), catalogue, seen)
    assert AUTHOR_SEES - seen == set()


def test_accept_language_alone_gives_the_chinese_admin(client, site):
    client.force_login(site["author"])
    html = client.get(reverse("admin:articles_article_add"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in html and "保存并提交审阅" in html and "本次保存" in html
    assert "Save and submit for review" not in html and "This save" not in html


def test_the_notes_the_site_writes_are_kept_in_english_and_read_in_the_readers_language(client, django_user_model):
    editor = django_user_model.objects.create_user("zhang", is_staff=True, is_superuser=True)
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    article = make_draft(title="注意力", body="第一版", author=editor)
    revisions.record(article, editor, note="初稿")
    fields = {"title": article.title, "body": "第二版", "summary": "", "tags": "", "series": "", "series_order": ""}
    url = reverse("admin:articles_article_autosave", args=[article.pk])
    assert client.post(url, {**fields, "version": 1}).status_code == 200
    with translation.override("zh-hans"):  # what a Chinese admin does: the notes stay language-free
        article.refresh_from_db()
        review.submit(article)
        review.publish(article, editor)
        services.add_tag(article, "机器学习", editor)
        services.remove_tag(article, Tag.objects.get(name="机器学习"), editor)
        services.restore(revisions.Revision.objects.get(article=article, number=1), editor)
        services.unpublish(article, editor)
        services.publish(article, editor)
        article.title = "注意力机制"
        article.save()  # a change no revision recorded yet: the deletion keeps it
        services.delete_article(article, editor)
        recovered = services.recover(revisions.deleted_articles().get(title="注意力机制"), editor, may_publish=False)
    kept = list(revisions.Revision.objects.filter(article=recovered).order_by("-number").values_list("note", flat=True))
    assert kept == [
        "Recovered after deletion (revision 9)", "Deleted", "Published", "Unpublished", "Restored revision 1",
        "Tag removed: 机器学习", "Tag added: 机器学习", "Published after review", "Saved automatically", "初稿",
    ]  # fmt: skip
    url = reverse("admin:articles_article_history", args=[recovered.pk])
    chinese = client.get(url).content.decode()
    for note in (
        "删除后找回（修订 9）", "已删除", "已发布", "已取消发布", "恢复了修订 1", "移除标签：机器学习",
        "添加标签：机器学习", "审阅后发布", "自动保存", "初稿",
    ):  # fmt: skip
        assert f"<td>{note}</td>" in chinese, note
    assert "<td>草稿</td>" in chinese and "Published" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert all(f"<td>{note}</td>" in english for note in kept)
    assert "<td>Draft</td>" in english and "<td>Published</td>" in english


def test_every_note_the_site_writes_has_its_chinese():
    for msgid in history.SITE_NOTES:
        english = msgid % {"number": 3, "name": "RL"}
        assert history.note_label(english) == english
        with translation.override("zh-hans"):
            chinese = history.note_label(english)
        assert not re.search(r"[A-Za-z]{2,}", chinese.replace("RL", "")), chinese
    assert history.note_label("Published, with a typo fixed") == "Published, with a typo fixed"  # typed: as typed


def test_a_stale_save_reads_in_chinese(client, django_user_model):
    zhang = django_user_model.objects.create_user("zhang", is_staff=True, is_superuser=True)
    li = django_user_model.objects.create_user("li", is_staff=True, is_superuser=True)
    article = make_article(title="共同编辑", body="第一行\n第二行", tags=["强化学习"])
    revisions.record(article, zhang)
    client.force_login(zhang)
    data = form_data(client, article)  # zhang opens the form; li saves first
    article.title, article.body = "共同编辑（李）", "第一行\n李改的第二行"
    article.save()
    revisions.record(article, li)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = save(client, article, data, body="第一行\n张改的第二行")
    assert response.status_code == 200
    chinese = page_texts(response.content.decode())
    for text in ("你的版本与修订 2 的差异如下", "对方的", "你的", "标题: 共同编辑（李）", "状态: 已发布"):
        assert text in chinese, text
    assert "标签: 强化学习" in chinese
    assert "标 − 的行只在修订 2（由 li 保存）中；标 + 的行只在你的文字中。" in chinese
    assert english_in(chinese, names={"zhang", "li"}) == []

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page_texts(save(client, article, data, body="第一行\n张改的第二行").content.decode())
    assert "Your version and revision 2 differ like this" in english and "theirs" in english and "yours" in english
    assert "title: 共同编辑" in english and "status: published" in english


def test_the_article_forms_refusals_read_in_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("zhang", is_staff=True, is_superuser=True))
    url = reverse("admin:articles_article_add")
    deep = "\n".join("    " * i + "- x" for i in range(60))
    cases = [
        ({"published_at_0": "2200-01-01", "published_at_1": "00:00:00"}, "发布时间 2200-01-01 00:00",
         "超出了本站接受的范围", "The publication date 2200-01-01 00:00"),
        ({"body": "字" * 90_000}, "正文大小为 264 KB；上限为 256 KB。请拆分成几篇文章。", "",
         "The body is 264 KB; the limit is 256 KB. Split it into several articles."),
        ({"body": deep}, "Markdown 嵌套太深，无法渲染；请减少最深处列表或引用的层级。", "",
         "The Markdown is nested too deeply to render; flatten the deepest lists or quotes."),
        ({"tags": ", ".join(f"t{i}" for i in range(limits.MAX_TAGS + 1))}, "51 个标签；一篇文章最多 50 个。", "",
         "51 tags; an article may have at most 50."),
    ]  # fmt: skip
    for fields, chinese, more, english in cases:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        html = client.post(url, add_form(**fields)).content.decode()
        assert chinese in html and more in html, fields.keys()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert english in client.post(url, add_form(**fields)).content.decode()


def test_the_editors_messages_read_in_chinese(client, django_user_model, monkeypatch):
    client.force_login(django_user_model.objects.create_user("zhang", is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert client.post(reverse("admin:articles_article_upload_image")).json()["error"] == "没有收到图片。"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    assert upload(client, svg, name="x.png").json()["error"] == (
        "x.png 不是本站接受的图片：请上传 PNG、JPEG、GIF 或 WebP（不接受 SVG 和 HTML）。"
    )
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 2_000_000)
    assert upload(client, picture(size=(2000, 1001))).json()["error"] == (
        "figure.png：图片过大（2000×1001）；图片最多 2 百万像素。"
    )
    deep = "\n".join("    " * i + "- x" for i in range(60))
    answer = client.post(reverse("admin:articles_article_preview"), {"body": deep}).json()
    assert answer["error"] == "Markdown 嵌套太深，无法渲染；请减少最深处列表或引用的层级。"
    monkeypatch.setattr(limits, "MAX_DIFF_LINES", 3)
    with translation.override("zh-hans"):
        assert diff_lines("\n".join("旧" * 10), "\n".join("新" * 10)).why == "比较结果会有 20 行；最多显示 3 行。"


def test_the_public_date_line_keeps_its_own_chinese(client):
    article = make_article(title="时序差分")
    html = client.get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "<span>发布于 <time" in html and "已发布" not in html
    assert "<span>Published <time" in client.get(article.get_absolute_url()).content.decode()
