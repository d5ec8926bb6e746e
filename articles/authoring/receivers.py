"""What authoring does when rows change outside its own code paths. Connected by `connect()`,
from `ArticlesConfig.ready()`."""

from django.db.models.signals import pre_delete

from articles.models import Article, revisions


def keep_last_revision(sender, instance, **kwargs):
    """A deleted article's last content stays recoverable, however it was deleted.

    `services.delete_article()` (the admin) records the deletion with who deleted it first;
    this then finds that revision and keeps no second one (`revisions.record`).
    """
    revisions.record(instance, note="Deleted", deleted=True)


def connect():
    pre_delete.connect(keep_last_revision, sender=Article, dispatch_uid="revisions-keep-last")
