from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backups import BackupError, restore


class Command(BaseCommand):
    help = "Replace the database and the evidence files with a backup made by `backup`. Stop the site first."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup folder (tracker-backup-...).")
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, backup: Path, no_input: bool, **options):
        if not no_input:
            answer = input(
                f"This replaces everything in the database and the evidence files with {backup}. Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled: nothing was changed.")
        try:
            restore(backup)
        except (BackupError, OSError) as error:
            raise CommandError(f"Restore failed, {error}") from None
        self.stdout.write(f"Restored from {backup}")
