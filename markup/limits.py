"""The bounds on what an author, a reader or a file can make the site do, in one place.

Every cost an untrusted author can trigger has a limit here, and crossing it is a clear
message that names the field (the admin shows it on the field and keeps the text; the
importer reports it with the file's name). Pure: no ORM, no request. The README's
"Limits" section states the same numbers for people.

The messages are in the language active when the check runs (English in the importer and
the tests, the reader's in the admin): `django.utils.translation` needs no ORM and no request.
"""

import datetime as dt

from django.utils.translation import gettext as _

# Markdown bodies. Real notes reach 200 KB (a 200 KB note of the demo articles needs about
# 0.5 s); every body up to this size renders or is refused within RENDER_SECONDS
# (tests/markup/test_render_limits.py, with runs of unclosed syntax at this size).
MAX_BODY_BYTES = 256 * 1024
MAX_SUMMARY_BYTES = 4 * 1024
# Rendering one text (body or summary) may take at most this much CPU time (and twice it
# in wall-clock time on a busy machine); past it the text is refused with a message
# instead of holding a server process (markup/render_budget.py). 1.8 s, so that a refusal,
# with the fork and the message around it, answers within 2 s on a quiet 2-core machine.
RENDER_SECONDS = 1.8

# Uploaded images: pixels of one picture (width × height, read from the header before
# anything is decoded), and of all the frames of an animation together (frames × width ×
# height): each is decoded and encoded again, and a 5 MB GIF can hold thousands of frames.
MAX_IMAGE_PIXELS = 40_000_000
MAX_ANIMATION_PIXELS = 100_000_000

# Comparing two revisions (the history page, a stale save's conflict): at most DIFF_WORK
# units of work (lines compared, edit paths tried: about a quarter of a second) and
# MAX_DIFF_LINES lines shown; past either, "too different to compare line by line", with
# links to both versions. See markup/linediff.py.
DIFF_WORK = 500_000
MAX_DIFF_LINES = 5_000

# Tags per article, and the length of one tag's name (taggit's column).
MAX_TAGS = 50
MAX_TAG_LENGTH = 100

# Dates an article may carry, after conversion to UTC. Outside them a date is a mistake
# (year 1 is stored by PostgreSQL as a BC timestamp that psycopg cannot read back; year
# 9999 pins an article at the top of the feed).
EARLIEST_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST_DATE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
# `updated` may not lie in the future, give or take the clock difference between servers.
CLOCK_SKEW = dt.timedelta(minutes=5)


class LimitExceeded(ValueError):
    """A value outside its bound; `field` names the field, str() is the message for a person."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def _kb(size):
    return f"{size / 1024:,.0f} KB"


# The fields the admin's forms name in these messages, shown in the reader's language (their
# msgids are the models' verbose names); any other name (the importer's 'date', a backup's
# column) is shown as given. Plain strings: importing markup needs no Django settings.
_FIELD_NAMES = {"body", "summary", "description", "publication date", "update date"}


def _field(name):
    return _(name) if name in _FIELD_NAMES else name


def check_text_size(field, text, limit):
    """Refuse `text` when its UTF-8 size passes `limit` bytes."""
    size = len((text or "").encode("utf-8", "surrogatepass"))
    if size > limit:
        raise LimitExceeded(
            field,
            _("The %(field)s is %(size)s; the limit is %(limit)s. Split it into several articles.")
            % {"field": _field(field), "size": _kb(size), "limit": _kb(limit)},
        )


def check_body(body):
    check_text_size("body", body, MAX_BODY_BYTES)


def check_summary(summary):
    check_text_size("summary", summary, MAX_SUMMARY_BYTES)


def check_tags(names):
    """Refuse more than MAX_TAGS tags, or a name longer than MAX_TAG_LENGTH characters."""
    names = list(names)
    if len(names) > MAX_TAGS:
        raise LimitExceeded(
            "tags", _("%(count)s tags; an article may have at most %(max)s.") % {"count": len(names), "max": MAX_TAGS}
        )
    for name in names:
        if len(name) > MAX_TAG_LENGTH:
            raise LimitExceeded(
                "tags",
                _("The tag “%(name)s…” is longer than %(max)s characters.")
                % {"name": name[:20], "max": MAX_TAG_LENGTH},
            )


def check_date(field, moment, now=None, future=True):
    """Refuse an aware datetime outside [EARLIEST_DATE, LATEST_DATE), or in the future when not `future`.

    `field` is the name shown to the person ("date", "updated", "published_at"...).
    """
    if moment is None:
        return
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LimitExceeded(
            field,
            _("The %(field)s %(moment)s has no time zone.") % {"field": _field(field), "moment": moment.isoformat()},
        )
    try:
        utc = moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST_DATE <= utc < LATEST_DATE:
        raise LimitExceeded(
            field,
            _("The %(field)s %(moment)s is outside the range this site accepts (%(earliest)s to %(latest)s UTC).")
            % {
                "field": _field(field),
                "moment": moment.isoformat(sep=" ", timespec="minutes"),
                "earliest": f"{EARLIEST_DATE:%Y-%m-%d %H:%M}",
                "latest": f"{LATEST_DATE - dt.timedelta(minutes=1):%Y-%m-%d %H:%M}",
            },
        )
    if not future:
        now = now or dt.datetime.now(dt.UTC)
        if utc > now + CLOCK_SKEW:
            raise LimitExceeded(
                field,
                _(
                    "The %(field)s %(moment)s lies in the future; "
                    "only the publication date may (it schedules the article)."
                )
                % {"field": _field(field), "moment": moment.isoformat(sep=" ", timespec="minutes")},
            )
