"""The findings CSV format (README, "Commands"), read and written in one place.

A file in the form write_findings produces (csv module defaults, UTF-8, no BOM)
reads back into the same findings, and writing those again gives the same bytes.
"""

import csv
import io
from dataclasses import dataclass

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
    """The file cannot be imported; errors holds every problem found, in line order."""

    def __init__(self, errors: list[LineError]):
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(error) for error in self.errors))


def read_findings(data: bytes, inspection: Inspection | None) -> list[dict]:
    """Rows ready for services.add_findings, or InvalidFindingsFile listing every bad row.

    inspection is None when it does not exist yet: nothing can clash with it then.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        reason = f"the file is not UTF-8 text (at byte offset {error.start}); save it as CSV UTF-8 and try again"
        raise InvalidFindingsFile([LineError(line, reason)]) from None
    records, errors = _split(text)
    if not records:
        raise InvalidFindingsFile(errors or [LineError(1, "the file is empty")])

    header_line, header = records[0]
    columns = [name.strip().lower() for name in header]
    header_errors = [LineError(header_line, reason) for reason in _check_header(columns)]
    if header_errors:
        # Without the right columns no row can be read, so the rows are not checked.
        raise InvalidFindingsFile(errors + header_errors)
    if len(records) == 1:
        raise InvalidFindingsFile([*errors, LineError(header_line, "there are no findings below the header row")])

    # Every reference a row may name as its parent, with its kind: the inspection's
    # findings, then each row as it is read, so that a parent must come first.
    kinds: dict[str, str | None] = dict(inspection.findings.values_list("reference", "kind")) if inspection else {}
    lines: dict[str, int] = {}
    themes = {theme.name.lower(): theme for theme in Theme.objects.all()}
    rows = []
    for line, fields in records[1:]:
        if len(fields) != len(columns):
            errors.append(LineError(line, f"this row has {len(fields)} fields but the header has {len(columns)}"))
            continue
        values = {
            name: value.strip() if name in STRIPPED_COLUMNS else value
            for name, value in zip(columns, fields, strict=True)
        }
        row, reasons = _read_row(values, kinds, lines, themes)
        errors += [LineError(line, reason) for reason in reasons]
        if row["reference"] and row["reference"] not in kinds:
            kinds[row["reference"]] = row["kind"]
            lines[row["reference"]] = line
        rows.append(row)
    if errors:
        raise InvalidFindingsFile(errors)
    return rows


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
            errors.append(LineError(line, f"this row is not valid CSV ({error}); check its quotes"))
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


def _read_row(
    values: dict[str, str], kinds: dict[str, str | None], lines: dict[str, int], themes: dict[str, Theme]
) -> tuple[dict, list[str]]:
    reasons = []
    reference, parent_reference = values["reference"], values["parent_reference"]
    if not reference:
        reasons.append("the reference is empty")
    elif reference in lines:
        reasons.append(f"the reference {reference!r} is already used on line {lines[reference]}")
    elif reference in kinds:
        reasons.append(f"the inspection already has a finding with reference {reference!r}")

    kind = KINDS.get(values["kind"].lower())
    if kind is None:
        labels = ", ".join(f"{k.value} ({k.label})" for k in Finding.Kind)
        reasons.append(f"unknown kind {values['kind']!r}; the kind must be one of {labels}")
    if not values["text"].strip():
        reasons.append("the text is empty")

    if parent_reference:
        if parent_reference not in kinds:
            reasons.append(
                f"the parent {parent_reference!r} is neither on an earlier row nor already in the inspection"
            )
        elif kinds[parent_reference] not in (Finding.Kind.CAUSE_OF_CONCERN, None):
            reasons.append(f"the parent {parent_reference!r} is not a cause of concern; only those can be parents")
        if kind not in (Finding.Kind.RECOMMENDATION, None):
            reasons.append(f"only a recommendation can have a parent, and this row is a {kind.label.lower()}")

    theme = None
    if values["theme"]:
        theme = themes.get(values["theme"].lower())
        if theme is None:
            known = ", ".join(t.name for t in themes.values()) or "none yet"
            reasons.append(f"unknown theme {values['theme']!r}; the themes are: {known}")

    for name in ["reference", *OPTIONAL_COLUMNS]:
        limit = Finding._meta.get_field(name).max_length
        if len(values.get(name, "")) > limit:
            reasons.append(f"the {name} is {len(values[name])} characters long; at most {limit} fit")
    # PostgreSQL cannot store a NUL character in text.
    if any("\x00" in value for value in values.values()):
        reasons.append("the row contains a NUL character")

    row = {
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
