from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Knowledge base")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Every receiver of the app is connected here, and nowhere else."""
        from django.db.models.signals import post_migrate

        from articles import pagecache
        from articles.authoring import (
            admin,  # noqa: F401 - registers the admin pages
            reindexing,
        )
        from articles.authoring import receivers as authoring_receivers
        from articles.authoring.permissions import create_groups_after_migrate
        from articles.database.triggers import ensure_after_migrate
        from articles.search import receivers as search_receivers

        search_receivers.connect()  # the index follows article saves and tags
        authoring_receivers.connect()  # a deleted article keeps its last revision
        pagecache.connect_signals()  # a save moves the page cache's marks of what it changed
        reindexing.connect()  # search entries left to redo (tag rename/merge) resume at a process's first request
        # After auth has created this app's permissions (its receiver was connected first).
        post_migrate.connect(create_groups_after_migrate, sender=self)
        # SQLite loses these whenever a migration rebuilds the articles table.
        post_migrate.connect(ensure_after_migrate, sender=self)
