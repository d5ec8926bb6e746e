"""Figures: an image with a title, alone in its paragraph, becomes a numbered figure with a caption.

    ![A two-layer network](/media/net.png "The network after training")

becomes, numbered in the order of the article:

    <figure id="figure-1"><img src="/media/net.png" alt="A two-layer network">
    <figcaption><span class="figure-label"><span class="figure-word" lang="en">Figure</span><span
    class="figure-word" lang="zh-Hans"></span> 1</span> The network after training</figcaption></figure>

The label is rendered once, at save time, for readers of either interface language: the
stored HTML says "Figure 1" (what a feed reader or a page without styles shows), and where
the page's `<html lang>` is Chinese article.css hides the English word and writes "图" into
the empty Chinese one as generated content, which assistive technology reads too, in the
language its element declares. The number and the caption are in the article's language.
An image without a title, or one sharing its paragraph with text, stays a plain image.
"""

import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# The id of the n-th figure of an article; the sanitiser allows no other id on a figure.
FIGURE_ID = "figure-{}"


def _lone_titled_image(paragraph):
    """The image that is all of `paragraph` (whitespace aside) when it has a title; else None."""
    if len(paragraph) != 1 or (paragraph.text or "").strip():
        return None
    image = paragraph[0]
    if image.tag != "img" or (image.tail or "").strip() or not (image.get("title") or "").strip():
        return None
    return image


class _Figures(Treeprocessor):
    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        number = 0
        for paragraph in list(root.iter("p")):  # in document order
            if (image := _lone_titled_image(paragraph)) is None:
                continue
            number += 1
            parent = parents[paragraph]
            parent[list(parent).index(paragraph)] = _figure(image, number, paragraph.tail)


def _figure(image, number, tail):
    caption_text = image.attrib.pop("title").strip()
    figure = etree.Element("figure", {"id": FIGURE_ID.format(number)})
    figure.tail = tail
    image.tail = None
    figure.append(image)
    caption = etree.SubElement(figure, "figcaption")
    label = etree.SubElement(caption, "span", {"class": "figure-label"})
    word = etree.SubElement(label, "span", {"class": "figure-word", "lang": "en"})
    word.text = "Figure"
    # Empty: where the interface is Chinese, article.css writes "图" into it and hides "Figure".
    etree.SubElement(label, "span", {"class": "figure-word", "lang": "zh-Hans"}).tail = f" {number}"
    label.tail = f" {caption_text}"
    return figure


class FigureExtension(Extension):
    """Registers the figure step, after inline parsing has made the images (priority 20)."""

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Figures(md), "figures", 10)
