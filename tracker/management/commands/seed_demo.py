import os

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker import clock, seeding
from tracker.models import Inspection


class Command(BaseCommand):
    help = (
        "Load the Hertfordshire PEEL 2016 inspection, create one demo account per role, and build a live demo plan. "
        "Passwords come from DEMO_PASSWORD, or one is generated and printed. Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        demo_password = os.environ.get("DEMO_PASSWORD") or None
        if demo_password is not None:
            # Checked before anything is written, so a weak password leaves no half-made demo.
            try:
                validate_password(demo_password)
            except ValidationError as error:
                raise CommandError("DEMO_PASSWORD is too weak: " + " ".join(error.messages)) from error

        with transaction.atomic():
            inspection_existed = Inspection.objects.filter(slug=seeding.HERTFORDSHIRE_SLUG).exists()
            inspection = seeding.load_inspection(seeding.HERTFORDSHIRE_SEED)
            accounts = seeding.ensure_demo_accounts(demo_password)
            people = {result.user.username: result.user for result in accounts}
            actions = seeding.seed_demo_plan(inspection, people, clock.today())

        self.stdout.write(f"Inspection {'already loaded' if inspection_existed else 'loaded'}: {inspection.title}")
        if actions:
            self.stdout.write(f"Demo plan built: {len(actions)} actions.")
        else:
            self.stdout.write("The inspection already has actions: the plan was left as it is.")
        self.write_accounts(accounts, demo_password)

    def write_accounts(self, accounts: list[seeding.AccountResult], demo_password: str | None) -> None:
        self.stdout.write("\nDemo accounts (sign in at /accounts/login/):")
        for result in accounts:
            password = result.password if result.password is not None else "(unchanged)"
            self.stdout.write(f"  {result.user.username:<14} {result.role:<18} {password}")
        if any(result.generated for result in accounts):
            self.stdout.write("The password above was generated for the new accounts; set DEMO_PASSWORD to choose one.")
        if demo_password is None and not all(result.created for result in accounts):
            self.stdout.write(
                "Existing accounts kept their passwords; set DEMO_PASSWORD and run again to reset them all."
            )
        self.stdout.write(self.second_factor_note())

    @staticmethod
    def second_factor_note() -> str:
        if settings.TRACKER_MFA == "off":
            return (
                "Multi-factor sign-in is off for this demo (TRACKER_MFA=off): the password above is all you need. "
                "In production it is on: the lead, reviewer, auditor and admin accounts also give a code from an "
                "authenticator app."
            )
        who = (
            "every account" if settings.TRACKER_MFA == "everyone" else "the lead, reviewer, auditor and admin accounts"
        )
        return (
            f"Multi-factor sign-in is on (TRACKER_MFA={settings.TRACKER_MFA}): after the password, {who} set up "
            "an authenticator app at first sign-in and give a code from it."
        )
