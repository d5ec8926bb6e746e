"""Who may do what in the admin: the "Authors" and "Editors" groups.

Authors create articles and edit their own, submit them for review and delete their own
drafts (never publish: their changes to a published article wait for an Editor); Editors
edit, review and publish every article and look after series and tags; only superusers manage users (see
`kb/admin.py`). `ensure_groups()` creates both groups with their permissions: after every
`migrate` (a post_migrate receiver) and from `manage.py setup_groups`.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from articles.models import Article
from articles.models.roles import PUBLISH, can_edit, can_publish, can_see, owns

__all__ = [
    "GROUPS",
    "PUBLISH",
    "can_edit",
    "can_publish",
    "can_see",
    "create_groups_after_migrate",
    "ensure_groups",
    "owns",
]

GROUPS = {
    "Authors": [
        "add_article", "change_article", "delete_article", "view_article",
        "view_series", "view_tag",
    ],
    "Editors": [
        "add_article", "change_article", "delete_article", "view_article", "publish_article",
        "add_series", "change_series", "delete_series", "view_series",
        "add_tag", "change_tag", "delete_tag", "view_tag",
    ],
}  # fmt: skip


def can_delete(user, article):
    """Editors delete any article; Authors their own drafts (recoverable), never a published one."""
    return can_publish(user) or (owns(user, article) and article.status == Article.Status.DRAFT)


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
