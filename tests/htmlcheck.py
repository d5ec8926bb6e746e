"""Parse HTML the way a test should: independently of the sanitiser under test."""

import re
from html.parser import HTMLParser

SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins",
    "kbd", "label", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "srcset", "xlink:href"}
SAFE_SCHEMES = {"http", "https", "mailto", ""}


class Document(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, {attr: value})
        self.math = []  # text of each .arithmatex element
        self._math_depth = None
        self._depth = 0
        self.text = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag not in {"br", "hr", "img", "input"}:
            self._depth += 1
            if "arithmatex" in attributes.get("class", "").split() and self._math_depth is None:
                self._math_depth = self._depth
                self.math.append("")

    def handle_endtag(self, tag):
        if self._math_depth == self._depth:
            self._math_depth = None
        self._depth -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self._math_depth is not None:
            self.math[-1] += data

    def tags(self, name):
        return [attrs for tag, attrs in self.elements if tag == name]


def url_scheme(url):
    # Browsers drop ASCII whitespace and control characters before reading a scheme.
    url = re.sub(r"[\x00-\x20]", "", url)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() if match else ""


def problems(html):
    """Everything in `html` that could run script or escape the allowlist."""
    found = []
    for tag, attributes in Document(html).elements:
        if tag not in SAFE_TAGS:
            found.append(f"element <{tag}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"event handler {name} on <{tag}>")
            if name == "style":
                found.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES and url_scheme(value) not in SAFE_SCHEMES:
                found.append(f"{url_scheme(value)}: URL in {name} of <{tag}>")
            if tag == "img" and name == "src" and url_scheme(value) not in {"http", "https", ""}:
                found.append(f"image source {value!r}")
    return found
