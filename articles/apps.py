from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Knowledge base"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from articles.authoring import admin  # noqa: F401 - registers the admin pages
        from articles.authoring.permissions import create_groups_after_migrate
        from articles.database.triggers import ensure_after_migrate
        from articles.pagecache import connect_signals
        from articles.search import receivers  # noqa: F401 - connects the receivers

        connect_signals()  # any save ends the page cache's generation
        # After auth has created this app's permissions (its receiver was connected first).
        post_migrate.connect(create_groups_after_migrate, sender=self)
        # SQLite loses these whenever a migration rebuilds the articles table.
        post_migrate.connect(ensure_after_migrate, sender=self)
