"""The findings CSV format (README, "Commands"), read and written in one place.

A file in the form write_findings produces (csv module defaults, UTF-8, no BOM)
reads back into the same findings, and writing those again gives the same bytes.
An Excel workbook (.xlsx) with the same columns on its first sheet reads as the
CSV would: its rows become the same records, for the same checks.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from .models import Finding, Inspection, Theme

REQUIRED_COLUMNS = ["reference", "kind", "text", "parent_reference", "theme"]
OPTIONAL_COLUMNS = ["addressee", "register_id", "title"]
# The text is the inspectorate's words and must come back exactly as given; the
# other fields are codes and names, where stray spaces are slips of the keyboard.
STRIPPED_COLUMNS = {"reference", "kind", "parent_reference", "theme", *OPTIONAL_COLUMNS}
KINDS = {kind.value: kind for kind in Finding.Kind} | {kind.label.lower(): kind for kind in Finding.Kind}


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class InvalidFindingsFile(Exception):
    """The file cannot be imported; errors holds every problem found, in line order.

    new_themes names the themes the file uses that are not known yet, when that is one of
    the problems: the caller may offer to add them (import_findings --add-themes), and
    theme_errors are the errors that adding them would clear. rows are the rows read all
    the same, each with its line, for a page to show them beside their errors.
    """

    def __init__(
        self,
        errors: list[LineError],
        new_themes: list[str] | None = None,
        *,
        rows: list[dict] | None = None,
        theme_errors: list[LineError] | None = None,
    ):
        self.errors = sorted(errors, key=lambda error: error.line)
        self.new_themes = new_themes or []
        self.rows = rows or []
        self.theme_errors = theme_errors or []
        super().__init__("\n".join(str(error) for error in self.errors))


def read_findings(
    data: bytes, inspection: Inspection | None, *, add_themes: bool = False, name: str = ""
) -> list[dict]:
    """Rows ready for services.add_findings, or InvalidFindingsFile listing every bad row.

    Everything is checked here, outside any transaction, in two queries (the
    inspection's references and the themes): a file is refused whole before
    anything is written. inspection is None when it does not exist yet: nothing
    can clash with it then. References are the same whatever their case ("C1"
    and "c1"), as the database's own constraint says. Each row keeps the line it
    starts on. A theme not known yet is refused, or with add_themes comes as a
    new Theme, not saved, shared by every row that names it, for add_findings to add.
    name is the file's name: one ending .xlsx is read as an Excel workbook (see
    workbook_records), anything else as CSV.
    """
    records, errors = _records(data, name)
    if not records:
        raise InvalidFindingsFile(errors or [LineError(1, "the file is empty")])

    header_line, header = records[0]
    columns = [column.strip().lower() for column in header]
    header_errors = [LineError(header_line, reason) for reason in _check_header(columns)]
    if header_errors:
        # Without the right columns no row can be read, so the rows are not checked.
        raise InvalidFindingsFile(errors + header_errors)
    if len(records) == 1:
        # A row that could not be read is below the header all the same: its error says what is wrong.
        raise InvalidFindingsFile(errors or [LineError(header_line, "there are no findings below the header row")])

    known = _Known(inspection)
    rows = []
    for line, fields in records[1:]:
        if len(fields) != len(columns):
            errors.append(LineError(line, f"this row has {len(fields)} fields but the header has {len(columns)}"))
            continue
        values = {
            name: value.strip() if name in STRIPPED_COLUMNS else value
            for name, value in zip(columns, fields, strict=True)
        }
        row, reasons = _read_row(values, line, known)
        errors += [LineError(line, reason) for reason in reasons]
        rows.append(row)
    theme_errors = [] if add_themes else known.new_theme_errors()
    errors += theme_errors
    if errors:
        new_themes = [] if add_themes else known.new_theme_names()
        raise InvalidFindingsFile(errors, new_themes, rows=rows, theme_errors=theme_errors)
    return rows


def _records(data: bytes, name: str) -> tuple[list[tuple[int, list[str]]], list[LineError]]:
    """The file's non-empty records, each with its line, and the errors of any that cannot be read."""
    suffix = Path(name).suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise InvalidFindingsFile([LineError(1, MACROS_REFUSED)])
    if suffix in OTHER_EXCEL_SUFFIXES:
        reason = f"a {suffix} workbook cannot be read here; save it as an Excel Workbook (.xlsx) or as CSV UTF-8"
        raise InvalidFindingsFile([LineError(1, reason)])
    if suffix in WORKBOOK_SUFFIXES:
        return workbook_records(data)
    if data.startswith(ZIP_START):
        reason = "this is a zip file, such as an Excel workbook, not CSV; an Excel workbook's name ends .xlsx"
        raise InvalidFindingsFile([LineError(1, reason)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        reason = f"the file is not UTF-8 text (at byte offset {error.start}); save it as CSV UTF-8 and try again"
        raise InvalidFindingsFile([LineError(line, reason)]) from None
    return _split(text)


# Excel workbooks ------------------------------------------------------------------------

WORKBOOK_SUFFIXES = {".xlsx"}
MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam"}
OTHER_EXCEL_SUFFIXES = {".xls", ".xlsb", ".xlt", ".xltx"}
MACROS_REFUSED = "the workbook holds macros, which are not taken; save it as an Excel Workbook (.xlsx) and try again"
ZIP_START = b"PK\x03\x04"
# A findings sheet needs a few columns: cells past column Z are not read (an empty cell far to the
# right would otherwise make every row that wide). A sheet has at most Excel's own number of rows.
SHEET_COLUMNS = 26
SHEET_ROWS = 1_048_576
# A workbook is a zip of XML, parsed at about 4 MB a second: what it holds, unpacked, may be this much,
# some 100,000 short findings, and keeps the import page's check under ten seconds. A larger
# file, or a zip bomb, is refused before it is parsed.
UNPACKED_MAX_BYTES = 32 * 1024 * 1024
TOO_BIG = (
    f"the workbook holds more than {UNPACKED_MAX_BYTES // 1024 // 1024} MB once unpacked, far more than a findings "
    "file needs; save it as CSV UTF-8 and import that"
)


def workbook_records(data: bytes) -> tuple[list[tuple[int, list[str]]], list[LineError]]:
    """The first worksheet's non-empty rows as the CSV reader gives its records: each with its row number
    (the line an error names) and its cells as text, for the same checks. A cell holds what Excel last
    calculated (a formula's value, not the formula); dates read as 2024-03-01 and numbers as Excel shows them.

    Read in openpyxl's read-only mode, XML parsed with defusedxml; a workbook with macros, or one that
    unpacks to more than UNPACKED_MAX_BYTES, is refused before it is parsed.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if sum(entry.file_size for entry in entries) > UNPACKED_MAX_BYTES:
                raise InvalidFindingsFile([LineError(1, TOO_BIG)])
            if _has_macros(archive, entries):
                raise InvalidFindingsFile([LineError(1, MACROS_REFUSED)])
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _sheet_records(workbook)
        finally:
            workbook.close()
    except InvalidFindingsFile:
        raise
    except Exception:  # a damaged, encrypted or hostile file fails in many ways: each means "not a workbook"
        reason = "the file is not an Excel workbook (.xlsx) that can be read; open it in Excel and save it again"
        raise InvalidFindingsFile([LineError(1, reason)]) from None


def _has_macros(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> bool:
    if any(entry.filename.lower().endswith("vbaproject.bin") for entry in entries):
        return True
    with archive.open("[Content_Types].xml") as types:
        return b"macroenabled" in types.read(1024 * 1024).lower()


def _sheet_records(workbook) -> tuple[list[tuple[int, list[str]]], list[LineError]]:
    if not workbook.worksheets:
        raise InvalidFindingsFile([LineError(1, "the workbook has no worksheet")])
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the size a file declares may be anything: read the rows it has
    records, width = [], 0
    rows = sheet.iter_rows(min_row=1, max_col=SHEET_COLUMNS, values_only=True)
    for line, cells in enumerate(rows, start=1):
        if line > SHEET_ROWS:
            raise InvalidFindingsFile([LineError(line, f"the sheet has more than {SHEET_ROWS:,} rows")])
        fields = [_cell_text(value) for value in cells]
        while fields and not fields[-1]:
            fields.pop()
        if not fields:
            continue
        if not records:
            width = len(fields)
        # Empty cells at the end of a row are not there in the file: the row is as wide as the header.
        records.append((line, fields + [""] * (width - len(fields))))
    return records, []


def _cell_text(value) -> str:
    """A cell's value as text, as Excel shows it by default."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, float):
        return format(value, ".15g")  # Excel shows at most 15 significant digits
    return str(value)  # text, whole numbers, dates, durations


class _Known:
    """What a row may name or clash with: the inspection's findings and the rows read so far, and the themes.

    References are keyed in lower case; each holds (the reference as written, its kind, its line or None).
    """

    def __init__(self, inspection: Inspection | None):
        self.references: dict[str, tuple[str, str | None, int | None]] = {}
        if inspection is not None:
            for reference, kind in inspection.findings.order_by().values_list("reference", "kind"):
                self.references[reference.lower()] = (reference, kind, None)
        self.themes = {theme.name.lower(): theme for theme in Theme.objects.all()}
        self.new_themes: dict[str, tuple[Theme, list[int]]] = {}

    def theme(self, name: str, line: int) -> Theme:
        """The theme of that name in any case, or a new one (not saved), noting the line that names it."""
        if theme := self.themes.get(name.lower()):
            return theme
        theme, lines = self.new_themes.setdefault(name.lower(), (Theme(name=name), []))
        lines.append(line)
        return theme

    def new_theme_names(self) -> list[str]:
        return [theme.name for theme, _ in self.new_themes.values()]

    def new_theme_errors(self) -> list[LineError]:
        names = ", ".join(theme.name for theme in self.themes.values()) or "none yet"
        return [
            LineError(lines[0], f"unknown theme {theme.name!r}{_also_on(lines[1:])}; the themes are: {names}")
            for theme, lines in self.new_themes.values()
        ]


def _also_on(lines: list[int], shown: int = 10) -> str:
    """ " (here and on line 8)", " (here and on lines 8, 9 and 12)", or the first few and how many more."""
    if not lines:
        return ""
    if len(lines) == 1:
        return f" (here and on line {lines[0]})"
    if len(lines) > shown:
        return f" (here and on lines {', '.join(map(str, lines[:shown]))} and {len(lines) - shown:,} more)"
    return f" (here and on lines {', '.join(map(str, lines[:-1]))} and {lines[-1]})"


def _split(text: str) -> tuple[list[tuple[int, list[str]]], list[LineError]]:
    """The records of the file, each with the physical line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, errors = [], []
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return records, errors
        except csv.Error as error:
            if str(error).startswith("field larger than field limit"):
                # The csv module's limit, far above any real finding; a quote left open can reach it too.
                limit = csv.field_size_limit()
                reason = (
                    f"a cell on this row is more than {limit:,} characters long, the most a cell can be; "
                    "if it should not be, check the row's quotes"
                )
            else:
                reason = f"this row is not valid CSV ({error}); check its quotes"
            errors.append(LineError(line, reason))
            continue
        # Spreadsheets leave blank lines and rows of empty cells behind.
        if any(fields):
            records.append((line, fields))


def _check_header(columns: list[str]) -> list[str]:
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    reasons = [
        f"unknown column {name!r}; the columns are {', '.join(allowed)}" for name in columns if name not in allowed
    ]
    reasons += [f"the column {name!r} appears more than once" for name in allowed if columns.count(name) > 1]
    reasons += [f"the column {name!r} is missing" for name in REQUIRED_COLUMNS if name not in columns]
    return reasons


# The longest value each column may hold: the model fields' max_length.
LIMITS = {name: Finding._meta.get_field(name).max_length for name in ["reference", *OPTIONAL_COLUMNS]} | {
    "theme": Theme._meta.get_field("name").max_length
}


def _read_row(values: dict[str, str], line: int, known: _Known) -> tuple[dict, list[str]]:
    reasons = []
    reference, parent_reference = values["reference"], values["parent_reference"]
    kind = KINDS.get(values["kind"].lower())
    if not reference:
        reasons.append("the reference is empty")
    elif clash := known.references.get(reference.lower()):
        written, _, clash_line = clash
        any_case = "" if written == reference else " (a reference is the same in any case)"
        if clash_line is None:
            reasons.append(f"the inspection already has a finding with reference {written!r}{any_case}")
        else:
            as_written = "" if written == reference else f", as {written!r}"
            reasons.append(f"the reference {reference!r} is already used on line {clash_line}{as_written}{any_case}")
    else:
        known.references[reference.lower()] = (reference, kind, line)

    if kind is None:
        labels = ", ".join(f"{k.value} ({k.label})" for k in Finding.Kind)
        reasons.append(f"unknown kind {values['kind']!r}; the kind must be one of {labels}")
    if not values["text"].strip():
        reasons.append("the text is empty")

    if parent_reference:
        parent = known.references.get(parent_reference.lower())
        if parent is None or parent[2] == line:
            reasons.append(
                f"the parent {parent_reference!r} is neither on an earlier row nor already in the inspection"
            )
        elif parent[1] not in (Finding.Kind.CAUSE_OF_CONCERN, None):
            reasons.append(f"the parent {parent_reference!r} is not a cause of concern; only those can be parents")
        if kind not in (Finding.Kind.RECOMMENDATION, None):
            reasons.append(f"only a recommendation can have a parent, and this row is a {kind.label.lower()}")

    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            reasons.append(f"the {name} is {len(values[name])} characters long; the most it can be is {limit}")
    theme = None
    if values["theme"] and len(values["theme"]) <= LIMITS["theme"]:
        theme = known.theme(values["theme"], line)
    # PostgreSQL cannot store a NUL character in text.
    if any("\x00" in value for value in values.values()):
        reasons.append("the row contains a NUL character")

    row = {
        "line": line,
        "reference": reference,
        "kind": kind,
        "text": values["text"],
        "parent_reference": parent_reference,
        "theme": theme,
        **{name: values.get(name, "") for name in OPTIONAL_COLUMNS},
    }
    return row, reasons


def write_findings(inspection: Inspection) -> str:
    """The inspection's findings as CSV, with an optional column only when some finding uses it."""
    findings = list(inspection.findings.select_related("theme", "parent").order_by("pk"))
    columns = REQUIRED_COLUMNS + [name for name in OPTIONAL_COLUMNS if any(getattr(f, name) for f in findings)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for finding in findings:
        values = {
            "reference": finding.reference,
            "kind": finding.kind,
            "text": finding.text,
            "parent_reference": finding.parent.reference if finding.parent else "",
            "theme": finding.theme.name if finding.theme else "",
            **{name: getattr(finding, name) for name in OPTIONAL_COLUMNS},
        }
        writer.writerow([values[name] for name in columns])
    return out.getvalue()
