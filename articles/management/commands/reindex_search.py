import os
import time

from django.core.management.base import BaseCommand

from articles.search import index as search_index


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of every article. Run it after changing "
        "markup/search_words.txt (the words that steer Chinese segmentation)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="processes segmenting text (default: all cores)"
        )

    def handle(self, *args, workers, **options):
        started = time.monotonic()
        count = search_index.reindex_all(workers=max(1, workers))
        seconds = time.monotonic() - started
        self.stdout.write(f"Re-indexed {count} article{'s' if count != 1 else ''} in {seconds:.1f} s.")
