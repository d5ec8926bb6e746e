"""Line diffs whose cost is bounded, whatever the two texts are.

difflib's SequenceMatcher is cubic on repetitive input: `"a\\nb\\n" * 800` against
`"b\\na\\nc\\n" * 800` (5 KB) takes it 51 seconds. This module finds the same kind of
answer (opcodes as `SequenceMatcher.get_opcodes()` gives them, grouped with context as
`get_grouped_opcodes()` does) in time bounded by a work budget:

1. lines equal at both ends are matched at once;
2. Myers' O(ND) algorithm looks for a shortest edit, on the lines that occur in both
   texts (a line found in only one text cannot match, so it is dropped before the
   search, as GNU diff does), with half the budget: every ordinary edit ends here;
3. failing that (long texts rearranged), lines that occur exactly once in each text
   anchor the rest (the longest run of them in the same order, as in Bram Cohen's
   patience diff: n log n), and Myers' search runs between anchors with the other half.

The searches count their work (diagonals tried, lines compared) and give up past their
budget with `TooDifferent`: the caller then says the texts are too different to compare
line by line. Pure: no Django.
"""

from bisect import bisect_left
from math import isqrt


class TooDifferent(Exception):
    """The two texts cannot be compared line by line within the work budget."""


def opcodes(a, b, budget):
    """The edit from list `a` to list `b`: ("equal"|"replace"|"delete"|"insert", i1, i2, j1, j2) tuples.

    Raises TooDifferent when finding it would cost more than `budget` units of work.
    """
    pairs = _matches(a, b, budget)
    codes, i, j = [], 0, 0
    for ai, bj, size in [*_blocks(pairs), (len(a), len(b), 0)]:
        tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert" if j < bj else ""
        if tag:
            codes.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            codes.append(("equal", ai, i, bj, j))
    return codes


def grouped(codes, context=3):
    """`codes` cut into hunks with `context` equal lines around each change (difflib's grouping)."""
    codes = list(codes) or [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    groups, group = [], []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def _blocks(pairs):
    """Matched index pairs, in order, as (i, j, size) runs."""
    blocks = []
    for i, j in pairs:
        if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
            blocks[-1][2] += 1
        else:
            blocks.append([i, j, 1])
    return [tuple(block) for block in blocks]


def _matches(a, b, budget):
    """Pairs (i, j) with a[i] == b[j], increasing in both: a longest-or-near common subsequence."""
    # Lines as small integers, once: comparing and hashing them is cheaper than strings.
    ids = {}
    a = [ids.setdefault(line, len(ids)) for line in a]
    b = [ids.setdefault(line, len(ids)) for line in b]
    n, m = len(a), len(b)
    start = 0
    while start < n and start < m and a[start] == b[start]:
        start += 1
    end_a, end_b = n, m
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    pairs = [(i, i) for i in range(start)]
    # A shortest edit when one is found with half the budget (every ordinary edit);
    # otherwise anchors first, and the rest of the budget between them.
    work = [budget // 2]
    try:
        pairs += _myers(a, b, start, end_a, start, end_b, work)
    except TooDifferent:
        anchors = _anchors(a, b, start, end_a, start, end_b)
        if not anchors:
            raise  # the same search again would fail again
        work = [budget - budget // 2]
        previous_i, previous_j = start, start
        for i, j in [*anchors, (end_a, end_b)]:
            pairs += _myers(a, b, previous_i, i, previous_j, j, work)
            if i < end_a:
                pairs.append((i, j))
            previous_i, previous_j = i + 1, j + 1
    pairs += [(end_a + k, end_b + k) for k in range(n - end_a)]
    return pairs


def _anchors(a, b, a1, a2, b1, b2):
    """Lines found once in a[a1:a2] and once in b[b1:b2], the longest run of them in the same order."""
    seen_a, seen_b = {}, {}
    for i in range(a1, a2):
        seen_a[a[i]] = -1 if a[i] in seen_a else i
    for j in range(b1, b2):
        seen_b[b[j]] = -1 if b[j] in seen_b else j
    unique = [(i, seen_b[line]) for line, i in seen_a.items() if i >= 0 and seen_b.get(line, -1) >= 0]
    unique.sort()
    # Longest increasing subsequence of the b positions (patience sorting), n log n.
    tails, tail_index, back = [], [], [-1] * len(unique)
    for index, (_, j) in enumerate(unique):
        place = bisect_left(tails, j)
        if place == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[place] = j
            tail_index[place] = index
        back[index] = tail_index[place - 1] if place else -1
    chain, index = [], tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(unique[index])
        index = back[index]
    return chain[::-1]


def _myers(a, b, a1, a2, b1, b2, work):
    """Matched pairs of a shortest edit from a[a1:a2] to b[b1:b2]; spends `work[0]`."""
    if a1 >= a2 or b1 >= b2:
        return []
    in_b, in_a = set(b[b1:b2]), set(a[a1:a2])
    # Only lines found on both sides can match; the others are removed or added lines.
    xs = [i for i in range(a1, a2) if a[i] in in_b]
    ys = [j for j in range(b1, b2) if b[j] in in_a]
    if not xs or not ys:
        return []
    seq_a, seq_b = [a[i] for i in xs], [b[j] for j in ys]
    n, m = len(seq_a), len(seq_b)
    work[0] -= n + m
    # Round d tries d + 1 diagonals, so the budget caps d near sqrt(2 * budget).
    most = min(n + m, isqrt(2 * max(work[0], 0)) + 1)
    offset = most + 1
    frontier = [0] * (2 * offset + 1)  # frontier[offset + k]: the furthest x on diagonal k
    trace = []  # trace[d][(k + d) // 2]: frontier of round d on its diagonals k = -d, -d + 2, ... d
    for d in range(most + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1]):
                x = frontier[offset + k + 1]
            else:
                x = frontier[offset + k - 1] + 1
            y = x - k
            begin = x
            while x < n and y < m and seq_a[x] == seq_b[y]:
                x += 1
                y += 1
            frontier[offset + k] = x
            work[0] -= 1 + x - begin
            if x >= n and y >= m:
                trace.append(frontier[offset - d : offset + d + 1 : 2])
                return [(xs[i], ys[j]) for i, j in _path(trace, n, m)]
        if work[0] < 0:
            break
        trace.append(frontier[offset - d : offset + d + 1 : 2])
    raise TooDifferent


def _path(trace, n, m):
    """The matched (x, y) pairs of the edit path that Myers' search left in `trace`, in order."""
    pairs, x, y = [], n, m
    for d in range(len(trace) - 1, 0, -1):
        k = x - y
        before = trace[d - 1]  # diagonals -(d - 1) ... d - 1

        def far(diagonal, before=before, d=d):
            return before[(diagonal + d - 1) // 2]

        down = k == -d or (k != d and far(k - 1) < far(k + 1))
        previous_k = k + 1 if down else k - 1
        previous_x = far(previous_k)
        start = previous_x if down else previous_x + 1
        while x > start:  # the snake after the move: equal lines
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = previous_x, previous_x - previous_k
    while x > 0:  # round 0: equal lines from the start
        x, y = x - 1, y - 1
        pairs.append((x, y))
    return pairs[::-1]
