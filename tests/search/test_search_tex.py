"""TeX control words are not words; what a reader would type in a formula stays searchable."""

import re
from urllib.parse import urlencode

import pytest

from markup import tex_words
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def search(client, query):
    response = client.get("/search/?" + urlencode({"q": query}))
    assert response.status_code == 200
    content = response.content.decode()
    titles = set(re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', content))
    return titles, content


@pytest.fixture
def notes():
    make_article(title="spacing", body="Spacing: $a \\quad b$ and the learning loop.")
    make_article(title="lse", body="The trick: $\\log \\sum_i \\exp(x_i)$ is stable.")
    make_article(title="q-learning", body="Q-learning updates $Q(s, a)$ towards $r + \\gamma \\max_b Q(s', b)$.")
    make_article(
        title="variables", body="With $\\eta = \\text{learning rate}$ and $\\operatorname{softmax}(z)_i$ and $W_{out}$."
    )
    make_article(title="prose", body="We take the log of the sum of each exp term.")


def test_the_q_of_quad_is_no_word(client, notes):
    titles, content = search(client, "Q-learning")
    assert titles == {"q-learning"}  # not "spacing": its q is a TeX command's, beside "learning"
    assert "\\q<mark>" not in content and "<mark>q</mark>uad" not in content


def test_sum_and_exp_are_no_words(client, notes):
    assert search(client, "log sum exp")[0] == {"prose"}
    for command in ["quad", "sum", "exp", "operatorname", "gamma", "text", "frac"]:
        assert not search(client, command)[0] & {"spacing", "lse", "q-learning", "variables"}, command


def test_variable_names_and_text_stay_searchable(client, notes):
    assert search(client, "softmax")[0] == {"variables"}
    assert search(client, "learning rate")[0] == {"variables"}
    assert search(client, "eta")[0] == set()  # \eta is a command, not the letters e-t-a
    assert search(client, "out")[0] == {"variables"}  # W_{out}


def test_a_query_matching_only_tex_commands_finds_nothing_even_as_text(client):
    make_article(title="lse", body="Only a formula: $\\log\\sum\\exp$.")
    titles, content = search(client, "log sum exp")
    assert titles == set() and "Nothing matches" in content


@pytest.mark.parametrize(
    "tex, words",
    [
        ("\\(a \\quad b\\)", "a b"),
        ("\\(\\log \\sum_i \\exp(x_i)\\)", "_i (x_i)"),
        ("\\[\\begin{aligned} f &= \\operatorname{softmax}(z) \\label{eq:sm} \\end{aligned}\\]", "f &= softmax (z)"),
        ("\\(\\text{learning rate}\\,\\eta\\)", "learning rate"),
        ("\\(\\color{red}{x} + \\hspace{1em} y\\)", "x + y"),
        ("\\(\\begin{array}{cc} p & q \\end{array}\\)", "p & q"),
        ("\\(\\mathbb{E}[\\text{损失}]\\)", "E [ 损失 ]"),
    ],
)
def test_reader_text_of_a_formula(tex, words):
    assert tex_words.reader_text(tex) == words
