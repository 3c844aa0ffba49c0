"""The action list as CSV or Excel: exactly the filtered rows, every page of them.

The rows come from one query (drift is a field of the action, not counted per row; the latest note
and the sign-off are subqueries) read in chunks, so an export's cost per row does not grow with its
length. Both carry the same columns; the workbook types them (dates, links, text that is only text).
"""

import csv
import datetime
import io

from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import ProgressUpdate, Rag, SignOff, User
from .notifications import site_link

# (heading, width in the workbook): the columns of both exports, in order.
COLUMNS = [
    ("ID", 8),
    ("Inspection", 36),
    ("Finding reference", 12),
    ("Finding kind", 22),
    ("Finding", 50),
    ("Theme", 24),
    ("Action title", 44),
    ("Description", 50),
    ("Owner", 22),
    ("Status", 20),
    ("RAG", 10),
    ("Due date", 12),
    ("Original due date", 12),
    ("Drift", 7),
    ("Latest progress note", 50),
    ("Latest progress note date", 12),
    ("Signed off on", 12),
    ("Signed off by", 22),
    ("Link", 40),
]
HEADER = [heading for heading, _ in COLUMNS]
LINK_COLUMN = HEADER.index("Link")

# A spreadsheet runs a cell that starts with one of these as a formula (or, after a
# tab or carriage return, may): text the users typed must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UK_DATE = "DD/MM/YYYY"
# Who signed an action off, named as on every page (User.name_of).
NAME_PARTS = ("first_name", "last_name", "username")


def neutralise(value):
    """For CSV, where a cell has no type: an apostrophe before what a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _exportable(actions, today: datetime.date):
    """The actions with what the columns need beyond their own rows, each a subquery: one query in all."""
    latest_note = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    sign_off = SignOff.objects.filter(action=OuterRef("pk"), decision=SignOff.Decision.APPROVE).order_by(
        "-decided_at", "-pk"
    )
    return actions.with_rag(today).annotate(
        latest_note=Subquery(latest_note.values("note")[:1]),
        latest_note_at=Subquery(latest_note.values("created_at")[:1]),
        signed_off_at=Subquery(sign_off.values("decided_at")[:1]),
        **{f"signed_off_by_{part}": Subquery(sign_off.values(f"decided_by__{part}")[:1]) for part in NAME_PARTS},
    )


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _link(action) -> str:
    """The action's full address on the site (TRACKER_SITE_URL), or its path where none is set."""
    return site_link(reverse("tracker:action-detail", args=[action.pk]))


def _rows(actions, today: datetime.date):
    """One list per action, dates as dates; the caller decides how to write them."""
    for action in _exportable(actions, today).iterator(chunk_size=CHUNK_SIZE):
        finding = action.finding
        signer = [getattr(action, f"signed_off_by_{part}") for part in NAME_PARTS]
        yield [
            action.pk,
            finding.inspection.title,
            finding.reference,
            finding.get_kind_display(),
            finding.text,
            finding.theme.name if finding.theme else "",
            action.title,
            action.description,
            str(action.owner),
            action.get_status_display(),
            Rag(action.current_rag).short_label if action.current_rag else "",
            action.due_date,
            action.original_due_date,
            action.drift,
            action.latest_note or "",
            _day(action.latest_note_at),
            _day(action.signed_off_at),
            User.name_of(*signer) if signer[2] else "",
            _link(action),
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


def _xlsx_cell(sheet, value, column: int) -> WriteOnlyCell:
    """A typed cell: a date shown as a UK date, the link as a link, and text always stored as text, which
    Excel never runs as a formula, so it needs no apostrophe (quotePrefix keeps it text when edited)."""
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot hold.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
        if column == LINK_COLUMN and value.startswith(("https://", "http://")):
            cell.hyperlink = value
            cell.style = "Hyperlink"
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.date):
        cell.number_format = UK_DATE
    return cell


def xlsx_response(actions, today: datetime.date) -> HttpResponse:
    """A workbook a PCC office can use as it is: a bold header row that stays in view, with filters."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    for number, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = [WriteOnlyCell(sheet, value=heading) for heading in HEADER]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    last_row = 1
    for row in _rows(actions, today):
        sheet.append([_xlsx_cell(sheet, value, column) for column, value in enumerate(row)])
        last_row += 1
    # Written when the workbook is saved, so set once the last row is known.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADER))}{last_row}"
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
