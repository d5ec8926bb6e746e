"""Who may do what in the admin: the "Authors" and "Editors" groups.

Authors create articles and edit their own (never publish); Editors edit and publish
every article and look after series and tags; only superusers manage users (see
`kb/admin.py`). `ensure_groups()` creates both groups with their permissions: after every
`migrate` (a post_migrate receiver) and from `manage.py setup_groups`.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from articles.models import Article

PUBLISH = "articles.publish_article"

GROUPS = {
    "Authors": [
        "add_article", "change_article", "view_article",
        "view_series", "view_tag",
    ],
    "Editors": [
        "add_article", "change_article", "delete_article", "view_article", "publish_article",
        "add_series", "change_series", "delete_series", "view_series",
        "add_tag", "change_tag", "delete_tag", "view_tag",
    ],
}  # fmt: skip


def can_publish(user):
    """Editors (and superusers): they publish, and they edit and recover every article."""
    return user.is_superuser or user.has_perm(PUBLISH)


def can_edit(user, article):
    """Editors edit every article, authors their own."""
    return can_publish(user) or (article.author_id is not None and article.author_id == user.pk)


def ensure_groups():
    """Create (or bring up to date) both groups and the publish permission; return the groups."""
    article_type = ContentType.objects.get_for_model(Article)
    Permission.objects.get_or_create(
        content_type=article_type, codename="publish_article", defaults={"name": "Can publish articles"}
    )
    groups = []
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:  # a permission of a model that no longer exists: a bug in GROUPS
            raise LookupError(f"Unknown permissions for {name}: {', '.join(sorted(missing))}")
        group.permissions.set(permissions)
        groups.append(group)
    return groups


def create_groups_after_migrate(sender, using="default", **kwargs):
    if using == "default":
        ensure_groups()
