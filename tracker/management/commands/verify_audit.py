from django.core.management.base import BaseCommand, CommandError

from tracker.audit import chain_problems
from tracker.models import SignOff


class Command(BaseCommand):
    help = "Check the tamper-evident chain of sign-off decisions; exit 1 if any was changed or removed."

    def handle(self, *args, **options):
        problems = chain_problems()
        if problems:
            raise CommandError("The sign-off record has been tampered with:\n" + "\n".join(f"- {p}" for p in problems))
        self.stdout.write(
            f"The sign-off record is intact: {SignOff.objects.count()} decisions, none changed or removed."
        )
