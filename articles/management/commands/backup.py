from django.core.management.base import BaseCommand, CommandError

from articles.transfer.backup import BackupError, backup, one_line


class Command(BaseCommand):
    help = (
        "Back up the whole site into DIR (a new or empty folder): database.json (every row, "
        "portable between SQLite and PostgreSQL), markdown/ (every article as import_markdown "
        "reads it) and media/ (uploaded images), all read in one snapshot of the database while "
        "the site keeps running. DIR is readable by its owner only (it holds password hashes), "
        "and appears only when the backup is complete. `manage.py restore DIR` loads it into an "
        "empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="folder to write the backup into")

    def handle(self, *args, folder, **options):
        try:
            counts = backup(folder)
        except BackupError as error:
            raise CommandError(f"Backup failed, nothing written: {error}") from None
        except OSError as error:
            raise CommandError(f"Backup failed, nothing written: {one_line(error)}") from None
        except Exception as error:
            # Whatever went wrong, one line for the operator (--traceback shows the cause).
            raise CommandError(f"Backup failed, nothing written: {type(error).__name__}: {one_line(error)}") from error
        self.stdout.write(counts.summary("Backed up", folder))
