"""Which article pages load Mermaid, and the vendored copy they load (issue 15)."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import make_article, make_series
from tests.reading.test_html_validator_browser import check, vnu  # noqa: F401 (vnu: a fixture)

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor" / "mermaid"
MERMAID_SCRIPTS = (
    '<script defer src="/static/vendor/mermaid/mermaid.min.js"></script>',
    '<script defer src="/static/js/mermaid-init.js"></script>',
)


@pytest.mark.django_db
def test_only_an_article_with_a_diagram_loads_mermaid(client):
    diagram = make_article(title="Diagram", body="```mermaid\ngraph TD\n  A --> B\n```\n")
    plain = make_article(title="Plain", body="```python\nx = 1\n```\n\nNo diagram, though mermaid is a word.")
    html = client.get(diagram.get_absolute_url()).content.decode()
    assert all(script in html for script in MERMAID_SCRIPTS)
    assert html.index(MERMAID_SCRIPTS[0]) < html.index(MERMAID_SCRIPTS[1])  # Mermaid first, then its setup
    for path in [plain.get_absolute_url(), "/", "/search/?q=diagram"]:
        assert "mermaid.min.js" not in client.get(path).content.decode(), path


@pytest.mark.django_db
def test_a_series_description_with_a_diagram_loads_mermaid(client):
    series = make_series(title="Pipeline", description="```mermaid\ngraph LR\n  A --> B\n```\n")
    make_article(title="Part one", series=series, series_order=1)
    assert all(script in client.get(series.get_absolute_url()).content.decode() for script in MERMAID_SCRIPTS)
    plain = make_series(title="Plain series", description="Just words.")
    make_article(title="Part of plain", series=plain, series_order=1)
    assert "mermaid.min.js" not in client.get(plain.get_absolute_url()).content.decode()


def test_the_vendored_mermaid_is_the_pinned_version_with_its_licence():
    pinned = re.search(r"^MERMAID_VERSION \?= (\S+)$", (Path(settings.BASE_DIR) / "Makefile").read_text(), re.M)[1]
    note = (VENDOR / "VERSION").read_text()
    assert note.startswith(f"mermaid {pinned}\n")
    bundle = (VENDOR / "mermaid.min.js").read_bytes()
    assert f"mermaid.min.js sha256: {hashlib.sha256(bundle).hexdigest()}\n" in note  # not edited by hand
    assert f'"{pinned}"'.encode() in bundle  # the bundle reports the same version
    assert b"sourceMappingURL" not in bundle  # collectstatic would look for a map that is not there
    assert "MIT License" in (VENDOR / "LICENSE").read_text()


ALL_BLOCKS = (
    '```python linenums="1" hl_lines="2" title="train.py"\nimport torch\nx = 1\n```\n\n'
    '![两层网络](/static/favicon.svg "训练后的网络")\n\n'
    "| 算法 | 时间复杂度 |\n|---|---|\n| 快速排序 | $O(n \\log n)$ |\n\n"
    "```mermaid\ngraph LR\n  A --> B\n```\n"
)


@pytest.mark.browser
@pytest.mark.django_db
def test_an_article_with_every_kind_of_block_is_valid_html(vnu, client, tmp_path):  # noqa: F811 (the fixture)
    article = make_article(title="Blocks", body=ALL_BLOCKS)
    files = []
    for language in ("en", "zh-hans"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        files.append(tmp_path / f"{language}.html")
        files[-1].write_bytes(client.get(article.get_absolute_url()).content)
    errors = [message for message in check(vnu, files) if message["type"] == "error"]
    assert errors == []
