from django.core.management.base import BaseCommand

from articles.authoring.permissions import GROUPS, ensure_groups


class Command(BaseCommand):
    help = (
        'Create or update the "Authors" group (create articles, edit their own) and the "Editors" '
        "group (edit and publish every article, manage series and tags). `migrate` runs this too."
    )

    def handle(self, *args, **options):
        groups = ensure_groups()
        described = ", ".join(f"{group.name} ({len(GROUPS[group.name])} permissions)" for group in groups)
        self.stdout.write(f"Groups ready: {described}.")
