from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.transfer.exporter import ExportError, export_all


class Command(BaseCommand):
    help = (
        "Write every article, drafts included (marked 'draft: true'), as DIR/<slug>.md with YAML "
        "front matter: the format import_markdown reads, so that the export imports again into the "
        "same site. Existing files with the same names are overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="folder to write into (created when missing)")

    def handle(self, *args, **options):
        folder = options["folder"]
        try:
            report = export_all(folder)
        except OSError as error:
            raise CommandError(f"Cannot write to {folder}: {error.strerror or error}") from None
        except ExportError as error:
            raise CommandError(f"Export stopped: {error}") from None
        except DatabaseError as error:  # a stored date the driver cannot read, say
            raise CommandError(f"Export stopped: cannot read the articles: {' '.join(str(error).split())}") from error
        if options["verbosity"] > 1:
            for path in report.written:
                self.stdout.write(str(path))
        self.stdout.write(report.summary(folder))
