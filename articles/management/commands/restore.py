from django.core.management.base import BaseCommand, CommandError

from articles.transfer.backup import BackupError, one_line, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into this database, which must be empty "
        "(run `migrate` on a new one first): the dump is checked (every reference held, every "
        "date in range), every row loaded in one transaction, the search index rebuilt, and the "
        "media files copied into MEDIA_ROOT. A refused restore leaves the database empty."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="the backup folder")

    def handle(self, *args, folder, **options):
        try:
            counts = restore(folder)
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from None
        except OSError as error:
            raise CommandError(f"Restore failed: {one_line(error)}") from None
        except Exception as error:
            raise CommandError(f"Restore failed: {type(error).__name__}: {one_line(error)}") from error
        self.stdout.write(counts.summary("Restored", folder))
