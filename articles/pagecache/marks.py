"""The names of the page cache's marks: what a stored page shows, and what a save changes.

A mark is a name ("feed", "a:12", "t:llm", "s:3", ...) with the number of the last change
that moved it (`changes.py`). A page shows marks (`dependencies.py`); a save moves marks.

- `any`: anything at all (pages this module does not know).
- `feed`: the order and membership of the published articles (every listing, the tag and
  series indexes and their counts). An article's save always moves it: its update time does.
- `f:<n>`: the n-th page of the latest-updates feed (up to MOST_FEED_PAGES), and `f:all`: all
  of them. An edit moves the pages from the first to the one the article was on; anything
  that can change every page (a publication, a series) moves `f:all`.
- `a:<id>`: one article, as shown on its own page and in others' related boxes.
- `t:<slug>`: the articles carrying this tag, in their order of update: a tag page and feed.
- `r:<slug>[+<slug>...]`: which articles carry every one of these tags (one to three tags, in
  slug order) and when they were published: an article page shows the marks of the sets of its
  tags that an article must share with it to enter its related box. Moved by a publication, an
  unpublication, a new publication time or new tags; not by an edit of the text.
- `tagsets`: for an article with more tags than SUBSETS_UP_TO_TAGS (its sets are not named).
- `s:<id>`: one series, its title and parts.
- `tagnames`: any tag's name or address. `users`: any author's name.
"""

import hashlib
from itertools import combinations

MOST_SHARED = 3  # the largest set of tags a mark names
MOST_FEED_PAGES = 50  # feed pages with a mark of their own; deeper ones show ALL_FEED_PAGES alone
ALL_FEED_PAGES = "f:all"


def feed_page(number):
    """The mark of the feed's page `number` (ALL_FEED_PAGES alone beyond MOST_FEED_PAGES)."""
    return f"f:{number}" if number <= MOST_FEED_PAGES else ALL_FEED_PAGES


SUBSETS_UP_TO_TAGS = 12  # an article with more tags moves `tagsets` instead of its sets


def _named(prefix, slugs):
    name = "+".join(sorted(slugs))
    if len(name) > 120:
        name = hashlib.sha256(name.encode()).hexdigest()
    return prefix + name


def tag_set(slugs):
    """The mark of a tag's listing (one slug)."""
    return _named("t:", slugs)


def related_set(slugs):
    """The mark of the articles carrying every one of these tags, for related boxes."""
    return _named("r:", slugs)


def related_sets_of(slugs, size):
    """The marks of every set of `size` of these tags."""
    return [related_set(chosen) for chosen in combinations(sorted(set(slugs)), size)]


def moved_by_tags(slugs):
    """What any save of an article carrying (or no longer carrying) these tags moves: their
    listings, ordered by update."""
    return [tag_set([slug]) for slug in sorted(set(slugs))]


def moved_in_related_boxes(slugs):
    """What an article carrying (or no longer carrying) these tags moves when it is published,
    unpublished, given another publication time or other tags: each set of one to MOST_SHARED
    of them."""
    slugs = sorted(set(slugs))
    if len(slugs) > SUBSETS_UP_TO_TAGS:
        return ["tagsets", *related_sets_of(slugs, 1)]
    return [mark for size in range(1, MOST_SHARED + 1) for mark in related_sets_of(slugs, size)]
