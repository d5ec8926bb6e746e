"""What authoring does when rows change outside its own code paths. Connected by `connect()`,
from `ArticlesConfig.ready()`."""

from django.db.models.signals import pre_delete

from articles.models import Article
from articles.models.revisions import record


def keep_last_revision(sender, instance, **kwargs):
    """A deleted article's last content stays recoverable (the admin passes who deleted it)."""
    record(instance, getattr(instance, "_deleted_by", None), note="Deleted", deleted=True)


def connect():
    pre_delete.connect(keep_last_revision, sender=Article, dispatch_uid="revisions-keep-last")
