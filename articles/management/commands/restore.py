from django.core.management.base import BaseCommand, CommandError

from articles.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into this database, which must be empty "
        "(run `migrate` on a new one first): every row, the search index rebuilt, and the media "
        "files copied into MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="the backup folder")

    def handle(self, *args, folder, **options):
        try:
            counts = restore(folder)
        except (BackupError, OSError) as error:
            raise CommandError(f"Restore failed: {error}") from None
        self.stdout.write(counts.summary("Restored", folder))
