"""Findings from an Excel workbook: read into the same records as a CSV file, for the same checks; and the
import page and import_findings take and refuse the same files, with the same errors by line."""

import datetime
import io
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tests import factories
from tests.import_pages import GOOD_ROWS, HEADER, csv_bytes, take_the_page, xlsx_bytes
from tracker import findings_csv
from tracker.models import Finding, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def findings_of(inspection) -> list[tuple]:
    return list(
        inspection.findings.order_by("reference").values_list(
            "reference", "kind", "text", "parent__reference", "theme__name", "addressee", "register_id", "title"
        )
    )


def records(content: bytes) -> list[tuple[int, list[str]]]:
    found, errors = findings_csv.workbook_records(content)
    assert errors == []
    return found


def refusal(content: bytes, name: str = "findings.xlsx", inspection=None, **options) -> list[str]:
    with pytest.raises(findings_csv.InvalidFindingsFile) as refused:
        findings_csv.read_findings(content, inspection, name=name, **options)
    return [str(error) for error in refused.value.errors]


FULL_HEADER = [*HEADER, "addressee", "register_id", "title"]
FULL_ROWS = [
    [*GOOD_ROWS[0], "Chief constable", "8771", "Risk at first contact"],
    [*GOOD_ROWS[1], "Chief constable", "", "Risk grading"],
    [*GOOD_ROWS[2], "", "9001", ""],
]


def test_a_csv_file_and_the_same_workbook_import_the_same_findings(signed_in):
    from_csv, from_excel = factories.InspectionFactory(), factories.InspectionFactory()
    as_excel = [[*row[:6], int(row[6]) if row[6] else None, row[7]] for row in FULL_ROWS]  # a number, as typed

    assert take_the_page(signed_in, from_csv, "findings.csv", csv_bytes(FULL_ROWS, FULL_HEADER))[0] == "imported"
    outcome = take_the_page(signed_in, from_excel, "findings.xlsx", xlsx_bytes(as_excel, FULL_HEADER))

    assert outcome == ("imported", ["Imported 3 findings"])
    assert findings_of(from_excel) == findings_of(from_csv)
    coc1 = ("CoC1", "cause_of_concern", GOOD_ROWS[0][2], None, "Investigation", "Chief constable", "8771")
    assert (*coc1, "Risk at first contact") in findings_of(from_excel)


# The command and the page: one reader, one writer ----------------------------------------------------

BAD_ROWS = [
    ["CoC1", "cause_of_concern", "Risk.", "", "Investigation"],
    ["Rec1", "suggestion", "Do it.", "CoC1", ""],
    ["Rec2", "recommendation", "", "Nope", ""],
    ["coc1", "recommendation", "Again.", "", ""],
]
THEME_ROWS = [*GOOD_ROWS, ["AFI2", "area_for_improvement", "Use the new system.", "", "Digital policing"]]
CLASH_ROWS = [["AFI9", "area_for_improvement", "Already there.", "", ""]]

FILES = {
    "good.csv": csv_bytes(GOOD_ROWS),
    "good.xlsx": xlsx_bytes(GOOD_ROWS),
    "bad.csv": csv_bytes(BAD_ROWS),
    "bad.xlsx": xlsx_bytes(BAD_ROWS),
    "theme.csv": csv_bytes(THEME_ROWS),
    "theme.xlsx": xlsx_bytes(THEME_ROWS),
    "clash.xlsx": xlsx_bytes(CLASH_ROWS),
    "header-only.csv": csv_bytes([]),
    "wrong-columns.xlsx": xlsx_bytes(GOOD_ROWS, ["reference", "kind", "text", "notes"]),
    "latin-1.csv": "reference,kind,text,parent_reference,theme\r\nAFI1,area_for_improvement,Café,,\r\n".encode(
        "latin-1"
    ),
    "notes.xlsx": b"These are my notes, not a workbook.\n",
    "macros.xlsm": xlsx_bytes(GOOD_ROWS),
    "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
    "workbook-named.csv": xlsx_bytes(GOOD_ROWS),
}


def take_the_command(tmp_path, inspection, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    try:
        call_command("import_findings", str(path), inspection=inspection.slug, stdout=io.StringIO())
    except CommandError as error:
        return "refused", [line for line in str(error).splitlines() if line.startswith("line ")]
    return "imported", []


def undone(take, *args):
    """What one way of importing did: its outcome and the findings it wrote; then it is undone."""
    with transaction.atomic():
        outcome, errors = take(*args)
        written = findings_of(args[1])
        transaction.set_rollback(True)
    return outcome, errors, written


@pytest.mark.parametrize("name", FILES)
def test_the_command_and_the_page_take_and_refuse_the_same_files_with_the_same_errors(signed_in, tmp_path, name):
    inspection = factories.InspectionFactory(slug="peel-2025")
    factories.FindingFactory(inspection=inspection, reference="AFI9")

    by_command = undone(take_the_command, tmp_path, inspection, name, FILES[name])
    by_page = undone(lambda *args: take_the_page(signed_in, *args[1:]), tmp_path, inspection, name, FILES[name])

    command_outcome, command_errors, command_wrote = by_command
    page_outcome, page_errors, page_wrote = by_page
    assert page_outcome == command_outcome
    assert page_wrote == command_wrote
    if command_outcome == "refused":
        assert page_errors == command_errors and command_errors
    else:
        assert len(command_wrote) == 1 + len(GOOD_ROWS)


def test_both_refuse_an_empty_file(signed_in, tmp_path):
    inspection = factories.InspectionFactory()

    assert take_the_command(tmp_path, inspection, "empty.xlsx", b"") == ("refused", ["line 1: " + NOT_A_WORKBOOK])
    assert take_the_page(signed_in, inspection, "empty.xlsx", b"") == ("refused", ["The file is empty"])


def test_the_command_adds_a_workbook_s_new_themes_with_add_themes(tmp_path):
    inspection = factories.InspectionFactory()
    path = tmp_path / "theme.xlsx"
    path.write_bytes(FILES["theme.xlsx"])

    call_command("import_findings", str(path), inspection=inspection.slug, add_themes=True, stdout=io.StringIO())

    assert Finding.objects.get(reference="AFI2").theme == Theme.objects.get(name="Digital policing")


# Reading a workbook ----------------------------------------------------------------------------------

NOT_A_WORKBOOK = "the file is not an Excel workbook (.xlsx) that can be read; open it in Excel and save it again"


def test_cells_read_as_excel_shows_them():
    row = ["R1", 8771, 1.5, 0.1 + 0.2, True, datetime.date(2024, 3, 1), datetime.datetime(2024, 3, 1, 9, 30), 12.0]

    assert records(xlsx_bytes([row], [*HEADER, "f", "g", "h"]))[1] == (
        2,
        ["R1", "8771", "1.5", "0.3", "TRUE", "2024-03-01", "2024-03-01 09:30", "12"],
    )


def test_lines_are_the_sheet_s_row_numbers_blank_rows_and_all():
    rows = [GOOD_ROWS[0], ["", "", "", "", ""], ["Rec1", "recommendation", "", "CoC1", ""]]

    errors = refusal(xlsx_bytes(rows, first_row=3))

    assert errors == ["line 6: the text is empty"]


def test_empty_cells_at_a_row_s_end_count_as_empty_fields_and_a_cell_past_the_header_is_a_field_too():
    content = xlsx_bytes([["AFI1", "area_for_improvement", "Text."], [*GOOD_ROWS[2], "", "stray"]])

    assert refusal(content) == ["line 3: this row has 7 fields but the header has 5"]


def test_only_the_first_sheet_is_read_and_cells_past_column_z_are_not():
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(GOOD_ROWS)))
    workbook.active.cell(row=2, column=findings_csv.SHEET_COLUMNS + 1, value="far off to the right")
    workbook.create_sheet("Notes").append(["not", "findings"])
    out = io.BytesIO()
    workbook.save(out)

    rows = findings_csv.read_findings(out.getvalue(), None, name="findings.xlsx")

    assert [row["reference"] for row in rows] == ["CoC1", "Rec1", "AFI1"]


def rezip(content: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The workbook's zip again with these entries changed, added, or (None) left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        entries = {entry.filename: source.read(entry) for entry in source.infolist()} | changes
        for name, data in entries.items():
            if data is not None:
                target.writestr(name, data)
    return out.getvalue()


def test_a_workbook_with_macros_is_refused_whatever_its_name():
    with_macros = rezip(xlsx_bytes(GOOD_ROWS), {"xl/vbaProject.bin": b"\x00" * 64})

    assert refusal(with_macros) == [f"line 1: {findings_csv.MACROS_REFUSED}"]
    assert refusal(xlsx_bytes(GOOD_ROWS), name="findings.xlsm") == [f"line 1: {findings_csv.MACROS_REFUSED}"]


def test_a_sheet_that_declares_entities_is_refused_before_they_expand():
    """openpyxl parses with defusedxml (requirements.txt), which refuses entity declarations outright."""
    content = xlsx_bytes(GOOD_ROWS)
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    bomb = doctype + sheet.replace(b"<is><t>CoC1</t></is>", b"<is><t>&b;</t></is>", 1)
    expanded = "".join(ElementTree.fromstring(bomb).itertext())  # noqa: S314 - the plain parser, to show the sheet is well-formed
    assert "a" * 100 in expanded

    assert refusal(rezip(content, {"xl/worksheets/sheet1.xml": bomb})) == [f"line 1: {NOT_A_WORKBOOK}"]


def test_a_workbook_that_unpacks_to_more_than_a_findings_file_needs_is_refused_before_it_is_parsed(monkeypatch):
    content = xlsx_bytes(GOOD_ROWS)
    unpacked = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(content)).infolist())
    monkeypatch.setattr(findings_csv, "UNPACKED_MAX_BYTES", unpacked - 1)
    monkeypatch.setattr(findings_csv.openpyxl, "load_workbook", None)  # parsing it would fail the test

    assert refusal(content) == [f"line 1: {findings_csv.TOO_BIG}"]


def test_a_sheet_with_more_rows_than_excel_allows_is_refused(monkeypatch):
    monkeypatch.setattr(findings_csv, "SHEET_ROWS", 3)

    assert refusal(xlsx_bytes(GOOD_ROWS)) == ["line 4: the sheet has more than 3 rows"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", NOT_A_WORKBOOK),
        (b"PK\x03\x04" + bytes(100), NOT_A_WORKBOOK),
        (rezip(xlsx_bytes(GOOD_ROWS), {"xl/workbook.xml": None}), NOT_A_WORKBOOK),
        (xlsx_bytes([], ["reference"])[:-40], NOT_A_WORKBOOK),
        (xlsx_bytes([]), "there are no findings below the header row"),
    ],
)
def test_a_file_that_is_not_a_workbook_or_holds_no_findings_says_so(content, reason):
    assert refusal(content) == [f"line 1: {reason}"]


@pytest.mark.parametrize("count", [3, 300])
def test_the_check_of_a_workbook_runs_two_queries_however_many_rows(django_assert_num_queries, count):
    inspection = factories.InspectionFactory()
    rows = [GOOD_ROWS[0]] + [[f"R{n}", "recommendation", "Do.", "CoC1", "Investigation"] for n in range(count)]
    content = xlsx_bytes(rows)

    with django_assert_num_queries(2):
        checked = findings_csv.read_findings(content, inspection, name="findings.xlsx")

    assert len(checked) == count + 1
