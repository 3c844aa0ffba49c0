import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from tracker.notifications import deliver


class Command(BaseCommand):
    help = (
        "Deliver the emails waiting in the outbox (written in the same transaction as the event they tell of). "
        "Retries with back-off while the mail server is down; never sends one twice. Run it every minute from "
        "cron, or once with --loop. Exits non-zero when an email could not be delivered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep running, looking for new emails every TRACKER_NOTIFY_POLL_SECONDS, until stopped (SIGTERM).",
        )

    def handle(self, *args, loop: bool, **options):
        stopping = threading.Event()
        if loop:
            # Stop between two emails, never in the middle of one: what is claimed and not sent is put back.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stopping.set())
        while True:
            run = deliver(stop=stopping.is_set)
            if run.sent or run.undelivered or run.unreachable or not loop:
                self.stdout.write(
                    f"{run.sent} notification email(s) sent; {run.retrying} to try again later; "
                    f"{run.failed} given up; {run.unreachable} to people with no email address."
                )
            if not loop:
                break
            close_old_connections()  # a long-running process: do not hold a stale connection between polls
            if stopping.wait(settings.TRACKER_NOTIFY_POLL_SECONDS):
                break
        if not loop and run.undelivered:
            raise CommandError(
                f"{run.undelivered} notification email(s) could not be delivered; nothing was recorded as sent "
                "for them. Check the mail server settings (EMAIL_HOST); the log says why."
            )
