"""What an author should look at after a save that succeeded: one message per problem, with its line.

The problems are found by `markup.formula_check` (formulas MathJax would show in red, images
without alt text); here they become translated sentences for the admin's messages. The text
is saved all the same: these are warnings, not refusals.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from markup import formula_check

MAX_MESSAGES = 20  # past this, one more message says how many were left out


def _reason(problem):
    details = problem.details
    reasons = {
        "brace-unclosed": lambda: _("unbalanced braces: a “{” is not closed"),
        "brace-extra": lambda: _("unbalanced braces: an extra “}”"),
        "left-unclosed": lambda: _("\\left without a matching \\right"),
        "right-extra": lambda: _("\\right without a matching \\left"),
        "middle-outside": lambda: _("\\middle outside \\left … \\right"),
        "delimiter-missing": lambda: (
            _("%(command)s is not followed by a delimiter such as ( [ \\{ | or .") % {"command": details[0]}
        ),
        "environment-unclosed": lambda: _("\\begin{%(name)s} without \\end{%(name)s}") % {"name": details[0]},
        "environment-mismatch": lambda: (
            _("\\begin{%(begin)s} ended by \\end{%(end)s}") % {"begin": details[0], "end": details[1]}
        ),
        "end-extra": lambda: _("\\end{%(name)s} without \\begin{%(name)s}") % {"name": details[0]},
        "environment-unknown": lambda: _("unknown environment “%(name)s”") % {"name": details[0]},
        "environment-unnamed": lambda: _("%(command)s without {name}") % {"command": details[0]},
        "command-unknown": lambda: _("unknown command %(command)s") % {"command": details[0]},
        "double-superscript": lambda: _("double superscript: use braces, as in x^{a^b}"),
        "double-subscript": lambda: _("double subscript: use braces, as in x_{a_b}"),
        "prime-after-superscript": lambda: _("a prime after a superscript: use braces, as in {x^a}'"),
        "script-missing": lambda: _("“%(sign)s” has nothing after it") % {"sign": details[0]},
        "ampersand": lambda: _("“&” outside an alignment (align, matrix, cases, array…)"),
        "hash": lambda: _("“#” outside a macro definition (write \\# for the sign)"),
        "verb-unclosed": lambda: _("\\verb text is not closed"),
    }
    reason = reasons.get(problem.reason)
    return reason() if reason else problem.explained()


def message(problem):
    """One problem as a sentence for the author."""
    if problem.kind == "reference":
        return _(
            "Line %(line)d: %(reference)s names no numbered equation (none carries \\label{%(label)s}); "
            "readers will see no number there."
        ) % {"line": problem.line, "reference": problem.text, "label": problem.details[1]}
    if problem.kind == "image":
        return _("Line %(line)d: an image has no alt text: describe it for readers who cannot see it.") % {
            "line": problem.line
        }
    return _(
        "Line %(line)d: the formula “%(formula)s” does not parse (%(reason)s); it is saved, "
        "and readers will see it in red."
    ) % {"line": problem.line, "formula": problem.text, "reason": _reason(problem)}


def messages(problems):
    """The sentences for `problems`, at most MAX_MESSAGES and a last one counting the rest."""
    shown = [message(problem) for problem in problems[:MAX_MESSAGES]]
    if len(problems) > MAX_MESSAGES:
        more = len(problems) - MAX_MESSAGES
        shown.append(
            ngettext("… and %(count)d more problem.", "… and %(count)d more problems.", more) % {"count": more}
        )
    return shown


def body_warnings(body, body_html=None):
    """Translated warnings about `body`: formulas that do not parse, images without alt text,
    references to equation labels that do not exist.

    `body_html` is the body as the site rendered it, when the caller has it (the saved
    article's `body_html`); without it the body is rendered again here.
    """
    if not body:
        return []
    return messages(formula_check.problems(body, body_html))
