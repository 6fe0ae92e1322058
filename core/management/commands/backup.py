from pathlib import Path

from django.core.management.base import BaseCommand

from core.backup import backup_create, default_backup_path


class Command(BaseCommand):
    help = "Back up the database and all media (public and private) into one .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive path (default: $BACKUP_DIR or backups/).")

    def handle(self, *args, output=None, **options):
        path = backup_create(output=output or default_backup_path())
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
