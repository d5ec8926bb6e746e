"""Export articles as Markdown files in the import format (see the README, "Writing").

`article_file()` is the inverse of `import_format.parse_article()`: what it writes imports
again into the same article (title, slug, dates to the microsecond, tags, series and
position, summary, draft status, author, body). `export_all()` writes one
`<slug>.md` per article into a folder.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils import timezone

from articles.models import Article
from markup import macros as tex_macros
from markup.slugs import fold_name


class _FrontMatterDumper(yaml.SafeDumper):
    """Safe YAML; text with line breaks in double quotes, so no line of it can read as `---`."""


def _text(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if "\n" in value else None)


_FrontMatterDumper.add_representer(str, _text)
# Dates written plain (`date: 2025-03-01T10:00:00+08:00`), as the importer reads them: as text.
_FrontMatterDumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


class _FlowList(list):
    """A list written on one line: `tags: [LeetCode, 双指针]`."""


_FrontMatterDumper.add_representer(
    _FlowList, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)
)


def _moment(value):
    return timezone.localtime(value).isoformat() if value else None


def front_matter(article):
    """The article's fields in import order; empty optional fields left out."""
    meta = {"title": article.title, "slug": article.slug, "date": _moment(article.published_at)}
    meta["updated"] = _moment(article.updated_at)
    meta["tags"] = _FlowList(sorted(article.tags.names(), key=fold_name))
    meta["series"] = article.series.title if article.series_id else None
    meta["series_order"] = article.series_order
    meta["summary"] = article.summary.strip()
    meta["macros"] = tex_macros.to_front_matter(tex_macros.parse_lines(article.macros)) or None
    meta["draft"] = article.status == Article.Status.DRAFT
    meta["author"] = article.author.get_username() if article.author_id else None
    return {name: value for name, value in meta.items() if value not in (None, "", []) or name == "draft"}


def article_file(article):
    """The text of the Markdown file for `article`."""
    meta = yaml.dump(front_matter(article), Dumper=_FrontMatterDumper, allow_unicode=True, sort_keys=False, width=10**6)
    body = article.body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return f"---\n{meta}---\n{body}\n"


class ExportError(Exception):
    """An article that cannot be written as a file; the message names it."""


@dataclass
class ExportReport:
    written: list = field(default_factory=list)
    drafts: int = 0

    def summary(self, folder):
        count = len(self.written)
        return f"Exported {count} article{'s' if count != 1 else ''} ({self.drafts} drafts) to {folder}."


def export_all(folder, queryset=None):
    """Write every article (drafts included, marked `draft: true`) as `<slug>.md` into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    articles = (queryset if queryset is not None else Article.objects.all()).select_related("series", "author")
    for article in articles.prefetch_related("tags").order_by("pk"):
        path = folder / f"{article.slug}.md"
        try:
            text = article_file(article)
        except (ValueError, OverflowError) as error:  # a date out of range, say
            raise ExportError(f"cannot export article {article.slug} (pk={article.pk}): {error}") from error
        path.write_text(text, encoding="utf-8")
        report.written.append(path)
        report.drafts += article.status == Article.Status.DRAFT
    return report
