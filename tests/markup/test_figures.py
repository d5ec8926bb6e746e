"""Figures (markup/figures.py): `![alt](src "caption")` alone in a paragraph, as stored HTML."""

from markup.rendering import render_markdown
from markup.sanitizer import clean
from tests.htmlcheck import Document, problems

# The sanitiser allows these two since figures came; tests/htmlcheck.py's independent list of
# safe tags may not name them yet.
FIGURE_TAGS = {"element <figure>", "element <figcaption>"}


def figure(number, src, alt, caption):
    return (
        f'<figure id="figure-{number}"><img alt="{alt}" src="{src}" loading="lazy"><figcaption>'
        f'<span class="figure-label"><span class="figure-word" lang="en">Figure</span>'
        f'<span class="figure-word" lang="zh-Hans"></span> {number}</span> {caption}</figcaption></figure>'
    )


def test_an_image_with_a_title_becomes_a_numbered_figure():
    html = render_markdown('![两层网络](/media/net.png "训练后的网络")').html
    assert html == figure(1, "/media/net.png", "两层网络", "训练后的网络")
    assert set(problems(html)) <= FIGURE_TAGS


def test_figures_are_numbered_in_order_through_the_whole_article():
    source = (
        '![a](/a.png "First")\n\n'
        "## Section\n\n"
        '> ![b](/b.png "Second, quoted")\n\n'
        "- item\n\n"
        '    ![c](/c.png "Third, in a list")\n\n'
        '![d](/d.png "Fourth")\n'
    )
    html = render_markdown(source).html
    assert [attrs["id"] for attrs in Document(html).tags("figure")] == [f"figure-{n}" for n in range(1, 5)]
    for number, caption in enumerate(["First", "Second, quoted", "Third, in a list", "Fourth"], start=1):
        assert f"</span> {number}</span> {caption}</figcaption>" in html


def test_numbers_restart_for_each_article():
    assert 'id="figure-1"' in render_markdown('![a](/a.png "A")').html
    assert 'id="figure-1"' in render_markdown('![b](/b.png "B")').html


def test_images_without_a_title_or_within_text_stay_plain_images():
    html = render_markdown('![plain](/p.png)\n\nSee ![icon](/i.png "an icon") here.\n\n![x](/x.png "  ")').html
    assert "<figure" not in html and "figcaption" not in html
    assert '<p>See <img alt="icon" src="/i.png" title="an icon" loading="lazy"> here.</p>' in html


def test_a_caption_is_text_never_markup():
    html = render_markdown('![x](/x.png "<img src=y onerror=alert(1)> & <b>bold</b>")').html
    assert "onerror" not in html.replace("onerror=alert(1)&gt;", "") and "<b>" not in html
    assert "</span> &lt;img src=y onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</figcaption>" in html


def test_a_figure_keeps_its_image_checks():
    html = render_markdown('![x](javascript:alert(1) "Caption")').html
    assert "javascript" not in html and "<figcaption>" in html


def test_raw_html_figures_pass_but_only_with_figure_ids_and_language_tags():
    html = clean(
        '<figure id="content" class="figure-label"><figcaption lang="en">a</figcaption></figure>'
        '<figure id="figure-2"><span lang="zh-Hans">b</span><span lang="x onmouseover=1">c</span></figure>'
    )
    assert html == (
        '<figure class="figure-label"><figcaption>a</figcaption></figure>'
        '<figure id="figure-2"><span lang="zh-Hans">b</span><span>c</span></figure>'
    )
