"""Import an inspection's findings from CSV: every row is checked first, and one bad row imports nothing."""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tracker import findings_csv, services
from tracker.models import Inspection


def describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


def new_inspection_fields(slug: str, *, title: str, published: str, force: str) -> dict:
    hints = [(title, "--title TITLE"), (published, "--published YYYY-MM-DD"), (force, "--force NAME")]
    if missing := [hint for value, hint in hints if not value]:
        raise CommandError(f"There is no inspection {slug}. To create it as well, add {' '.join(missing)}.")
    try:
        published_on = datetime.datetime.strptime(published, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--published {published} is not a date: give it as YYYY-MM-DD, e.g. 2017-03-02.") from None
    return {"slug": slug, "title": title, "published": published_on, "force": force}


class Command(BaseCommand):
    help = (
        "Import findings from a CSV file with the header reference,kind,text,parent_reference,theme "
        "(and optionally addressee, register_id, title). Creates the inspection when --title, --published "
        "and --force are given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file, UTF-8.")
        parser.add_argument("--inspection", required=True, metavar="SLUG", help="The inspection to import into.")
        parser.add_argument("--title", default="", help="To create the inspection: its title.")
        parser.add_argument("--published", default="", metavar="YYYY-MM-DD", help="To create it: its publication date.")
        parser.add_argument("--force", default="", metavar="NAME", help="To create it: the police force inspected.")

    def handle(self, *args, file: str, inspection: str, title: str, published: str, force: str, **options) -> None:
        slug = inspection
        existing = Inspection.objects.filter(slug=slug).first()
        if existing is None:
            new_inspection = new_inspection_fields(slug, title=title, published=published, force=force)
        elif title or published or force:
            self.stderr.write(f"Inspection {slug} already exists: --title, --published and --force are ignored.")

        path = Path(file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"There is no file {file}.") from None
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None

        try:
            rows = findings_csv.read_findings(data, existing)
        except findings_csv.InvalidFindingsFile as invalid:
            problems = "\n".join(str(error) for error in invalid.errors)
            raise CommandError(f"Nothing was imported from {file}. Correct these and try again:\n{problems}") from None

        reason = f"Imported from {path.name}"
        operator = services.Operator("import_findings")
        try:
            with transaction.atomic():
                target = existing or services.create_inspection(by=operator, reason=reason, **new_inspection)
                services.add_findings(target, rows, by=operator, reason=reason)
        except ValidationError as error:
            raise CommandError(f"Nothing was imported from {file}: {describe(error)}") from None
        except services.ActionRefused as error:
            raise CommandError(f"Nothing was imported from {file}: {error}") from None

        created = "" if existing else f" (a new inspection, {target.title})"
        findings = f"{len(rows)} finding" + ("" if len(rows) == 1 else "s")
        self.stdout.write(self.style.SUCCESS(f"Imported {findings} into {slug}{created} from {file}."))
