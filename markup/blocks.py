"""Code blocks and other fenced blocks: how they are highlighted and which fences are special.

`markup.rendering` takes the extensions listed here and their configuration, so that code
blocks, diagrams and figures are changed in one place without touching the math pipeline.

A code fence takes three options, as MkDocs Material writes them:

    ```python linenums="1" hl_lines="2 3" title="train.py"

Line numbers are written inline ("pymdownx-inline"): each line starts with an empty
`<span class="linenos" data-linenos="1 ">` that article.css draws with generated content,
so that they sit beside their own line at any width, are never selected or copied with the
code, and screen readers skip them. (Pygments' default is a two-cell table, which the
article's table rules squeezed to half the width.) Highlighted lines are `<span class="hll">`,
the title a `<span class="filename">` above the code.

A ```mermaid fence is a diagram: its text, escaped like any other, goes into a
`<div class="mermaid">` that static/js/mermaid-init.js hands to Mermaid (served by the site,
static/vendor/mermaid/) on the pages that have one (`contains_diagram`).
"""

from pymdownx.superfences import fence_div_format

from markup.figures import FigureExtension

DIAGRAM_CLASS = "mermaid"

# Extensions beyond the ones `markup.rendering` lists itself (which already include
# pymdownx.superfences and pymdownx.highlight, configured below).
EXTENSIONS = [
    # `![alt](src "caption")` alone in a paragraph: a numbered <figure>.
    FigureExtension(),
]

EXTENSION_CONFIGS = {
    "pymdownx.superfences": {
        "custom_fences": [{"name": "mermaid", "class": DIAGRAM_CLASS, "format": fence_div_format}],
    },
    "pymdownx.highlight": {
        "use_pygments": True,
        "css_class": "highlight",
        "guess_lang": False,
        "pygments_lang_class": True,
        "linenums_style": "pymdownx-inline",
    },
}


def contains_diagram(html):
    """True when `html` (rendered here) holds a diagram for Mermaid: its page loads Mermaid."""
    return f'<div class="{DIAGRAM_CLASS}">' in html
