"""URL converter for Unicode slugs: Django's `<slug:>` does not match Chinese."""


class UnicodeSlugConverter:
    # \w is Unicode-aware in Python's re, so 强化学习 matches; `/`, `%00` and spaces do not.
    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class TagSetConverter(UnicodeSlugConverter):
    """One tag slug, or several joined by "+": /tags/cnn+强化学习/."""

    regex = r"[-\w]+(?:\+[-\w]+)*"
