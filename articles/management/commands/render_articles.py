"""manage.py render_articles: every article's and series' stored HTML made again from its Markdown."""

import time

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article, Series
from markup.macros import MacroError
from markup.rendering import RenderError, render_article, render_markdown

DERIVED = ("body_html", "feed_html", "toc_html", "excerpt", "has_math", "reading_minutes")


class Command(BaseCommand):
    help = (
        "Render the stored HTML of every article and series again from its Markdown. Pages show "
        "what was rendered at save time, so run it after an upgrade that changes rendering (new "
        "bounds on formulas, the sanitiser). Updated times and revisions are left as they are; a "
        "text the current limits refuse keeps its old HTML and is named. Exits 1 if any is."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        done, refused = 0, []
        for pk in Article.objects.order_by("pk").values_list("pk", flat=True).iterator():
            article = Article.objects.only("slug", "body", "summary", "macros").get(pk=pk)
            try:
                rendered = render_article(article.body, article.summary, article.article_macros())
            except (RenderError, MacroError) as error:
                refused.append(f"article {article.slug}: {error}")
                continue
            # update(), not save(): the content did not change, so neither do its dates or history.
            Article.objects.filter(pk=pk).update(**{name: getattr(rendered, name) for name in DERIVED})
            done += 1
        for series in Series.objects.only("slug", "description"):
            try:
                html = render_markdown(series.description).html
            except RenderError as error:
                refused.append(f"series {series.slug}: {error}")
                continue
            Series.objects.filter(pk=series.pk).update(description_html=html)
            done += 1
        for line in refused:
            self.stderr.write(f"Not rendered, {line}")
        seconds = time.monotonic() - started
        summary = f"Rendered {done} article(s) and series in {seconds:.1f} s"
        if refused:
            raise CommandError(f"{summary}; {len(refused)} refused by the current limits (listed above).")
        self.stdout.write(summary + ".")
