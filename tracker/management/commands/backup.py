from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backups import BackupError, back_up, prune


class Command(BaseCommand):
    help = "Back up the database (with all its history) and the evidence files into a new folder inside FOLDER."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="Where to put the backup; a dated folder is made inside it.")
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="After a backup is made, delete all but the N newest backups in FOLDER (N at least 1).",
        )

    def handle(self, *args, folder: Path, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("No backup was made: --keep must be at least 1, the backup just made is always kept.")
        try:
            made = back_up(folder)
        except (BackupError, OSError) as error:
            raise CommandError(f"No backup was made: {error}") from None
        self.stdout.write(f"Backed up to {made}")
        if keep is None:
            return
        try:
            deleted = prune(folder, keep)
        except (BackupError, OSError) as error:
            raise CommandError(f"The backup was made ({made}), but older ones could not be deleted: {error}") from None
        for path in deleted:
            self.stdout.write(f"Deleted the older backup {path}")
