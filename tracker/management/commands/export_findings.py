"""Export an inspection's findings as CSV, in the form import_findings reads back byte for byte."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker import findings_csv
from tracker.models import Inspection


class Command(BaseCommand):
    help = "Export an inspection's findings as CSV, to standard output or to --output FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inspection", required=True, metavar="SLUG", help="The inspection to export.")
        parser.add_argument("--output", metavar="FILE", help="Write the CSV here instead of to standard output.")

    def handle(self, *args, inspection: str, output: str | None, **options) -> None:
        found = Inspection.objects.filter(slug=inspection).first()
        if found is None:
            raise CommandError(f"There is no inspection {inspection}.")
        text = findings_csv.write_findings(found)
        if output is None:
            # The CSV already ends each line with \r\n; OutputWrapper would add a "\n" of its own.
            self.stdout.write(text, ending="")
            return
        try:
            # Bytes, so that no newline translation touches the \r\n line endings or those inside fields.
            Path(output).write_bytes(text.encode("utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stdout.write(f"Exported the findings of {inspection} to {output}.")
