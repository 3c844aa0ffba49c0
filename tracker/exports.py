"""The action list as CSV or Excel: exactly the filtered rows, every page of them.

The rows come from one query (drift is a field of the action, not counted per row) read in
chunks, so an export's cost per row does not grow with its length.
"""

import csv
import datetime
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .models import Rag

HEADER = [
    "ID",
    "Inspection",
    "Finding reference",
    "Finding kind",
    "Theme",
    "Action title",
    "Owner",
    "Status",
    "RAG",
    "Due date",
    "Original due date",
    "Drift",
    "URL path",
]

# A spreadsheet runs a cell that starts with one of these as a formula (or, after a
# tab or carriage return, may): text the users typed must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _rows(actions, today: datetime.date):
    """One list per action, dates as dates; the caller decides how to write them."""
    for action in actions.with_rag(today).iterator(chunk_size=CHUNK_SIZE):
        finding = action.finding
        yield [
            action.pk,
            finding.inspection.title,
            finding.reference,
            finding.get_kind_display(),
            finding.theme.name if finding.theme else "",
            action.title,
            str(action.owner),
            action.get_status_display(),
            Rag(action.current_rag).short_label if action.current_rag else "",
            action.due_date,
            action.original_due_date,
            action.drift,
            reverse("tracker:action-detail", args=[action.pk]),
        ]


def _filename(today: datetime.date, extension: str) -> str:
    return f"actions-{today:%Y-%m-%d}.{extension}"


class _Echo:
    """A file-like object for csv.writer that hands each line back, for streaming."""

    def write(self, value):
        return value


def _csv_lines(actions, today: datetime.date):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # the byte order mark that makes Excel read the file as UTF-8
    yield writer.writerow(HEADER)
    for row in _rows(actions, today):
        yield writer.writerow(
            [neutralise(value.isoformat() if hasattr(value, "isoformat") else value) for value in row]
        )


def csv_response(actions, today: datetime.date) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(actions, today), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(today, "csv")}"'
    return response


def _xlsx_cell(value):
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot hold.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def xlsx_response(actions, today: datetime.date) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    for letter, width in zip("ABCDEFGHIJKLM", [8, 40, 12, 22, 24, 50, 24, 22, 10, 12, 12, 8, 16], strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append(HEADER)
    for row in _rows(actions, today):
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(today, "xlsx")}"'
    return response


def export_response(actions, export_format: str, today: datetime.date):
    if export_format == "xlsx":
        return xlsx_response(actions, today)
    if export_format == "csv":
        return csv_response(actions, today)
    raise ValueError(f"Unknown export format {export_format!r}")
