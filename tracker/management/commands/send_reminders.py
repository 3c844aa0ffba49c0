from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.reminders import RemindersNotSent, build_digests, send_digests


class Command(BaseCommand):
    help = (
        "Email owners about actions due soon, overdue or inactive, leads about extension requests waiting, "
        "and PCC reviewers about their sign-off queue. One email per person per run; an item at most once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")

    def handle(self, *args, dry_run: bool, **options):
        now = timezone.now()
        today = timezone.localdate(now)
        digests = build_digests(today, now)
        if dry_run:
            for digest in digests:
                self.stdout.write(f"To: {digest.recipient.email}\nSubject: {digest.subject}\n\n{digest.body}\n\n")
            self.stdout.write(f"Dry run: {len(digests)} email(s) would be sent; nothing was sent.")
            return
        try:
            sent = send_digests(digests, today)
        except RemindersNotSent as failed:
            self.stdout.write(f"{failed.sent} reminder email(s) sent.")
            raise CommandError(str(failed)) from failed
        self.stdout.write(f"{sent} reminder email(s) sent.")
