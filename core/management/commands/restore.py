from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and storage."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **options):
        if not archive.exists():
            raise CommandError(f"{archive} does not exist.")
        try:
            result = backup_restore(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc))
        files = ", ".join(f"{count} {alias}" for alias, count in result["restored_files"].items())
        self.stdout.write(self.style.SUCCESS(f"Restored the database and files ({files})."))
