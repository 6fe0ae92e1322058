from django.core.management.base import BaseCommand

from coursepages.passages import passages_rebuild


class Command(BaseCommand):
    help = "Rebuild the searchable passages of every live lesson (publishing keeps them current)."

    def handle(self, *args, **options):
        count = passages_rebuild()
        self.stdout.write(f"{count} passages written.")
