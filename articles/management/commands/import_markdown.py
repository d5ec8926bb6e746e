import os

from django.core.management.base import BaseCommand, CommandError

from articles.transfer.importer import import_paths


class Command(BaseCommand):
    help = (
        "Import Markdown files with YAML front matter (folders are read recursively). "
        "Importing a file again updates the article with its slug. Bad files are reported "
        "with the reason, the rest are imported, and the command exits non-zero. Formulas that "
        "do not parse and images without alt text are listed as warnings (file, line, formula); "
        "such files are imported and do not change the exit status. In a folder, a symbolic "
        "link whose target lies outside it is reported, not followed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a .md file or a folder of them")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            metavar="N",
            help="processes that read, render and segment the files while this one writes them to the "
            "database (default: the number of CPUs, %(default)s); 1 does everything in this process",
        )

    def handle(self, *args, **options):
        paths, jobs = options["paths"], options["jobs"]
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more")
        report = import_paths(paths, jobs=jobs)
        if options["verbosity"] > 1:
            for path, slug in report.created + report.updated:
                self.stdout.write(f"{path} -> {slug}")
        for path, line in report.warnings:
            self.stderr.write(f"{path}: warning: {line}")
        for path, reason in report.failed:
            self.stderr.write(f"{path}: {reason}")
        if report.total == 0:
            raise CommandError(f"No Markdown (.md) files found in: {', '.join(paths)}")
        if report.failed:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
