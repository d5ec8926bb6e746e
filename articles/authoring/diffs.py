"""Line diffs of two revisions' source, for the history page and a stale save's conflict.

Pure text in, rows out (no ORM): the line matching itself is `markup.linediff`, bounded in
cost whatever the texts; this module groups its answer into the rows the admin templates
show (`templates/admin/articles/article/diff.html`).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from markup import limits, linediff


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed", "added" or "gap"
    old_number: int | None
    new_number: int | None
    text: str


class Diff(list):
    """The DiffLines of two texts (empty when they are equal).

    `too_different` says the texts could not be compared line by line within the bounds
    (limits.DIFF_WORK, limits.MAX_DIFF_LINES); the list is then empty and `why` says more.
    """

    too_different = False
    why = ""

    @classmethod
    def refused(cls, why):
        diff = cls()
        diff.too_different, diff.why = True, why
        return diff


def diff_lines(old_text, new_text, context=3):
    """The changed source lines of two texts with `context` lines around them, as a Diff.

    The cost is bounded whatever the texts (markup.linediff): past the bounds the Diff
    is empty and `too_different`, and the pages offer both versions to read instead.
    """
    old, new = old_text.split("\n"), new_text.split("\n")
    try:
        groups = linediff.grouped(linediff.opcodes(old, new, limits.DIFF_WORK), context)
    except linediff.TooDifferent:
        return Diff.refused(_("Their lines are arranged too differently to match them up."))
    # Rows the page would show: every line of each hunk (a change counts both sides) and the gaps.
    shown = len(groups) - 1 + sum(i2 - i1 + (j2 - j1) * (tag != "equal") for g in groups for tag, i1, i2, j1, j2 in g)
    if shown > limits.MAX_DIFF_LINES:
        return Diff.refused(
            _("The comparison would be %(shown)s lines long; at most %(most)s are shown.")
            % {"shown": f"{shown:,}", "most": f"{limits.MAX_DIFF_LINES:,}"}
        )
    lines = Diff()
    for index, group in enumerate(groups):
        if index:
            lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                pairs = zip(range(i1, i2), range(j1, j2), strict=True)
                lines += [DiffLine("same", i + 1, j + 1, old[i]) for i, j in pairs]
                continue
            lines += [DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2)]
    return lines
