from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from articles.transfer.importer import import_paths

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the demo articles (articles/demo/) when the database has no article yet."

    def handle(self, *args, **options):
        existing = Article.objects.count()
        if existing:
            self.stdout.write(f"Demo content not loaded: the database already has {existing} articles.")
            return
        report = import_paths([DEMO_DIR])
        for path, reason in report.failed:
            self.stderr.write(f"{path}: {reason}")
        if report.failed or not report.total:
            raise CommandError(f"Demo content: {report.summary()}")
        self.stdout.write(f"Demo content: {report.summary()}")
