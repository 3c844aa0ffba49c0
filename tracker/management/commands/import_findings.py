"""Import an inspection's findings from CSV or an Excel workbook: every row is checked first, and one bad row
imports nothing. The site's import page (tracker/views/imports.py) reads and writes with the same two calls."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from tracker import findings_csv, services
from tracker.models import Inspection


def describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


def new_inspection(slug: str, *, title: str, published: str, force: str) -> Inspection:
    """The inspection to create with the findings, not yet saved; the force is the deployment's unless given."""
    force = force or settings.TRACKER_FORCE
    hints = [(title, "--title TITLE"), (published, "--published YYYY-MM-DD"), (force, "--force NAME")]
    if missing := [hint for value, hint in hints if not value]:
        also = " (or set TRACKER_FORCE, the force this site serves)" if not force else ""
        raise CommandError(f"There is no inspection {slug}. To create it as well, add {' '.join(missing)}{also}.")
    try:
        published_on = datetime.datetime.strptime(published, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--published {published} is not a date: give it as YYYY-MM-DD, e.g. 2017-03-02.") from None
    return Inspection(slug=slug, title=title, published=published_on, force=force)


class Command(BaseCommand):
    help = (
        "Import findings from a CSV file with the header reference,kind,text,parent_reference,theme "
        "(and optionally addressee, register_id, title), or an Excel workbook (.xlsx) with those columns "
        "on its first sheet. Creates the inspection when --title and --published "
        "are given, for the force TRACKER_FORCE names (or --force)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file, UTF-8, or an Excel workbook (.xlsx).")
        parser.add_argument("--inspection", required=True, metavar="SLUG", help="The inspection to import into.")
        parser.add_argument("--title", default="", help="To create the inspection: its title.")
        parser.add_argument("--published", default="", metavar="YYYY-MM-DD", help="To create it: its publication date.")
        parser.add_argument(
            "--force", default="", metavar="NAME", help="To create it: the force inspected, if not TRACKER_FORCE's."
        )
        parser.add_argument(
            "--add-themes", action="store_true", help="Add the themes the file names that are not known yet."
        )

    def handle(self, *args, file: str, inspection: str, title: str, published: str, force: str, **options) -> None:
        slug = inspection
        existing = Inspection.objects.filter(slug=slug).first()
        if existing is not None and (title or published or force):
            self.stderr.write(f"Inspection {slug} already exists: --title, --published and --force are ignored.")
        target = existing or new_inspection(slug, title=title, published=published, force=force)

        path = Path(file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"There is no file {file}.") from None
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None

        # Checked whole before anything is written, outside any transaction: the site carries on meanwhile.
        try:
            rows = findings_csv.read_findings(data, existing, add_themes=options["add_themes"], name=path.name)
        except findings_csv.InvalidFindingsFile as invalid:
            problems = "\n".join(str(error) for error in invalid.errors)
            if invalid.new_themes:
                names = ", ".join(repr(name) for name in invalid.new_themes)
                problems += f"\nIf the new themes are right ({names}), run the command again with --add-themes."
            raise CommandError(f"Nothing was imported from {file}. Correct these and try again:\n{problems}") from None

        reason = f"Imported from {path.name}"
        new_themes = list(dict.fromkeys(row["theme"].name for row in rows if row["theme"] and not row["theme"].pk))
        try:
            services.add_findings(target, rows, by=services.Operator("import_findings"), reason=reason)
        except ValidationError as error:
            raise CommandError(f"Nothing was imported from {file}: {describe(error)}") from None
        except services.RowsRefused as refusal:
            problems = "\n".join(refusal.problems)
            raise CommandError(f"Nothing was imported from {file}. Correct these and try again:\n{problems}") from None
        except services.ActionRefused as error:
            raise CommandError(f"Nothing was imported from {file}: {error}") from None
        except IntegrityError as error:
            # Someone else wrote a clashing row between the check and the write (e.g. the same slug).
            raise CommandError(f"Nothing was imported from {file}: the database refused it ({error}).") from None

        created = "" if existing else f" (a new inspection, {target.title})"
        findings = f"{len(rows)} finding" + ("" if len(rows) == 1 else "s")
        self.stdout.write(self.style.SUCCESS(f"Imported {findings} into {slug}{created} from {file}."))
        if new_themes:
            self.stdout.write(f"Added the themes {', '.join(repr(name) for name in new_themes)}.")
