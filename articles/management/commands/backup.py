from django.core.management.base import BaseCommand, CommandError

from articles.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole site into DIR (a new or empty folder): database.json (every row, "
        "portable between SQLite and PostgreSQL), markdown/ (every article as import_markdown "
        "reads it) and media/ (uploaded images). `manage.py restore DIR` loads it into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="folder to write the backup into")

    def handle(self, *args, folder, **options):
        try:
            counts = backup(folder)
        except (BackupError, OSError) as error:
            raise CommandError(f"Backup failed: {error}") from None
        self.stdout.write(counts.summary("Backed up", folder))
