"""The app's models, one module per kind; everything is re-exported here (`articles.models.Article`).

Rendering happens in `Article.save()`, never per request; what readers may see is decided in
one place, `ArticleQuerySet.published()`.
"""

from articles.models.articles import Article
from articles.models.querysets import LONG_TEXTS, ArticleQuerySet
from articles.models.redirects import (
    ArticleRedirect,
    TagRedirect,
    moved_article_slug,
    redirected_path,
    remember_slug_change,
)
from articles.models.revisions import Revision
from articles.models.series import Series
from articles.models.tags import NormalisedTagManager, Tag, TaggedArticle, attach_tags, remember_tags

__all__ = [
    "LONG_TEXTS", "Article", "ArticleQuerySet", "ArticleRedirect", "NormalisedTagManager", "Revision", "Series",
    "Tag", "TagRedirect", "TaggedArticle", "attach_tags", "moved_article_slug", "redirected_path",
    "remember_slug_change", "remember_tags",
]  # fmt: skip
