import time

from django.core.management.base import BaseCommand, CommandError

from articles.authoring import reindexing


class Command(BaseCommand):
    help = (
        "Write again, here and now, the search entries a tag rename or merge left to redo. The site "
        "does this by itself (in the background, and at the first request after a start); this "
        "command is for whoever wants it finished now: after a restore, in a deploy script, from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=reindexing.BATCH, help=f"articles per transaction (default {reindexing.BATCH})"
        )

    def handle(self, *args, batch, **options):
        started = time.monotonic()
        try:
            done = reindexing.run_pending(max(1, batch))
        except Exception as error:
            raise CommandError(f"Stopped with {reindexing.pending()} search entries left to redo: {error}") from error
        seconds = time.monotonic() - started
        self.stdout.write(f"Wrote {done} search entr{'ies' if done != 1 else 'y'} again in {seconds:.1f} s; none left.")
