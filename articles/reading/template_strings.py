"""Texts of the public pages' Jinja2 templates that `makemessages` cannot find there.

Django's `makemessages` reads `_("…")` calls in the Jinja2 templates (its template lexer hands
them to xgettext), but not `ngettext(…)` or `pgettext(…)`: listed here, they stay in the
catalogue instead of turning obsolete. Nothing imports this module; keep it in step with
`templates/jinja2/` (a text with plural forms or a context, added there, is added here).
"""

from django.utils.translation import ngettext_lazy, pgettext_lazy

TEXTS = [
    ngettext_lazy("%(minutes)s min read", "%(minutes)s min read", "minutes"),
    ngettext_lazy("%(n)s article", "%(n)s articles", "n"),
    ngettext_lazy("%(n)s article with all of these tags", "%(n)s articles with all of these tags", "n"),
    ngettext_lazy("%(n)s part", "%(n)s parts", "n"),
    ngettext_lazy("%(n)s part, in reading order", "%(n)s parts, in reading order", "n"),
    ngettext_lazy("%(n)s result for “%(query)s”", "%(n)s results for “%(query)s”", "n"),
    ngettext_lazy("%(n)s result", "%(n)s results", "n"),
    ngettext_lazy("%(title)s: %(n)s part.", "%(title)s: %(n)s parts.", "n"),
    ngettext_lazy("Tag:", "Tags:", "n"),
    pgettext_lazy("article date", "Published"),
]
