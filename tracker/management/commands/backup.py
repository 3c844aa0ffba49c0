from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backups import BackupError, back_up


class Command(BaseCommand):
    help = "Back up the database (with all its history) and the evidence files into a new folder inside FOLDER."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="Where to put the backup; a dated folder is made inside it.")

    def handle(self, *args, folder: Path, **options):
        try:
            made = back_up(folder)
        except (BackupError, OSError) as error:
            raise CommandError(f"No backup was made: {error}") from None
        self.stdout.write(f"Backed up to {made}")
