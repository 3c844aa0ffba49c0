"""The findings import page: a lead uploads a file, checks every finding with every error by line, and confirms.

Nothing is written until the confirmation, and then all the rows or none; only a lead may use it."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests import factories
from tests.import_pages import (
    GOOD_ROWS,
    check_url,
    confirm,
    csv_bytes,
    errors_shown,
    import_url,
    token_on,
    upload,
)
from tests.pages import main_text
from tracker import findings_csv, import_files
from tracker.models import Finding, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def inspection():
    return factories.InspectionFactory(slug="peel-2025", title="PEEL 2025")


def kept_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / import_files.FOLDER
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_lead_uploads_checks_every_finding_and_confirms(signed_in, inspection):
    response = upload(signed_in, inspection, "findings.csv", csv_bytes(GOOD_ROWS))
    assert response.status_code == 302 and response.url == check_url(inspection)

    page = signed_in.get(check_url(inspection))
    text = main_text(page)
    assert page.status_code == 200
    assert [row[0] for row in GOOD_ROWS] == [ref for ref in ("CoC1", "Rec1", "AFI1") if f">{ref}</th>" in text]
    assert "Cause of concern" in text and "Recommendation" in text and "Confirm and import 3 findings" in text
    assert not Finding.objects.exists(), "nothing is written before the confirmation"

    response = confirm(signed_in, inspection)

    assert response.status_code == 302 and response.url == inspection.get_absolute_url()
    assert "Imported 3 findings" in signed_in.get(response.url).content.decode()
    rec = Finding.objects.get(reference="Rec1")
    assert rec.parent.reference == "CoC1" and rec.theme.name == "Investigation" and rec.inspection == inspection
    assert rec.history.get().history_change_reason == "Imported from findings.csv"
    assert kept_files() == [], "the file is let go once imported"


def test_every_error_is_shown_by_line_and_the_file_cannot_be_confirmed(signed_in, inspection):
    rows = [
        ["CoC1", "cause_of_concern", "Risk.", "", "Investigation"],
        ["Rec1", "suggestion", "Do it.", "CoC1", ""],
        ["Rec2", "recommendation", "", "Nope", ""],
        ["CoC1", "recommendation", "Again.", "", ""],
    ]
    upload(signed_in, inspection, "findings.csv", csv_bytes(rows))

    page = signed_in.get(check_url(inspection))

    assert page.status_code == 400
    shown = errors_shown(page)
    assert [error.split(":")[0] for error in shown] == ["line 3", "line 4", "line 4", "line 5"]
    assert any("unknown kind 'suggestion'" in error for error in shown)
    assert any("the reference 'CoC1' is already used on line 2" in error for error in shown)
    html = page.content.decode()
    assert html.count('<a href="#line-4">') == 2 and 'id="line-4" class="row--error"' in html
    assert 'name="token"' not in html and "Upload the corrected file" in html
    assert not Finding.objects.exists()


def test_a_problem_with_no_row_of_its_own_is_listed_without_a_link(signed_in, inspection):
    upload(signed_in, inspection, "findings.csv", csv_bytes(GOOD_ROWS, header=["reference", "kind", "text"]))

    page = signed_in.get(check_url(inspection))

    assert page.status_code == 400
    assert errors_shown(page) == [
        "line 1: the column 'parent_reference' is missing",
        "line 1: the column 'theme' is missing",
    ]
    assert "#line-1" not in page.content.decode()


UNKNOWN_THEME = [*GOOD_ROWS, ["AFI2", "area_for_improvement", "Use the new system.", "", "Digital policing"]]


def test_an_unknown_theme_is_listed_and_refused_without_the_box(signed_in, inspection):
    upload(signed_in, inspection, "findings.csv", csv_bytes(UNKNOWN_THEME))
    page = signed_in.get(check_url(inspection))
    assert page.status_code == 200 and "Digital policing (line 5)" in main_text(page)
    assert "Add these themes" in main_text(page)

    response = confirm(signed_in, inspection, add_themes=False)

    assert response.status_code == 400
    assert errors_shown(response)[0].startswith("line 5: unknown theme 'Digital policing'; the themes are: ")
    assert 'name="token"' in response.content.decode(), "the box can still be ticked"
    assert not Finding.objects.exists() and not Theme.objects.filter(name="Digital policing").exists()


def test_an_unknown_theme_is_added_with_the_box(signed_in, inspection):
    upload(signed_in, inspection, "findings.csv", csv_bytes(UNKNOWN_THEME))

    response = confirm(signed_in, inspection, add_themes=True)

    assert response.status_code == 302
    assert Finding.objects.get(reference="AFI2").theme == Theme.objects.get(name="Digital policing")
    assert "Imported 4 findings, with the new theme Digital policing" in signed_in.get(response.url).content.decode()


# Who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "reviewer", "auditor", "administrator"])
def test_only_a_lead_may_import_and_the_refusal_says_why(client, request, inspection, role):
    client.force_login(request.getfixturevalue(role))

    for response in (
        client.get(import_url(inspection)),
        upload(client, inspection, "findings.csv", csv_bytes(GOOD_ROWS)),
        client.get(check_url(inspection)),
        client.post(check_url(inspection), {"token": "x" * 43}),
    ):
        assert response.status_code == 403
        assert "Only an improvement lead can import findings." in response.content.decode()
    assert kept_files() == [] and not Finding.objects.exists()


def test_the_inspection_page_offers_the_import_to_a_lead_only(client, inspection, lead, owner):
    link = f'href="{import_url(inspection)}"'
    client.force_login(owner)
    assert link not in client.get(inspection.get_absolute_url()).content.decode()
    client.force_login(lead)
    assert link in client.get(inspection.get_absolute_url()).content.decode()


def test_the_upload_and_the_confirmation_need_the_csrf_token(lead, inspection):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)

    assert upload(client, inspection, "findings.csv", csv_bytes(GOOD_ROWS)).status_code == 403
    assert kept_files() == []
    friendly = Client()
    friendly.force_login(lead)
    upload(friendly, inspection, "findings.csv", csv_bytes(GOOD_ROWS))
    token = token_on(friendly.get(check_url(inspection)))
    client.cookies = friendly.cookies  # the lead's own session, from a page without the CSRF token
    assert client.post(check_url(inspection), {"token": token}).status_code == 403
    assert not Finding.objects.exists()


# Bad files -------------------------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_before_it_is_kept(signed_in, inspection, settings):
    settings.TRACKER_EVIDENCE_MAX_BYTES = 2_000
    content = csv_bytes(GOOD_ROWS * 40)
    assert len(content) > 2_000

    response = upload(signed_in, inspection, "findings.csv", content)

    assert response.status_code == 413
    assert kept_files() == []


def test_no_file_or_an_empty_file_is_refused_on_the_upload_form(signed_in, inspection):
    response = signed_in.post(import_url(inspection), {})
    assert response.status_code == 400 and "Choose a CSV or Excel file" in response.content.decode()

    response = upload(signed_in, inspection, "findings.csv", b"")
    assert response.status_code == 400 and "The file is empty" in response.content.decode()
    assert kept_files() == []


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.xlsx", b"These are my notes, not a workbook.\n", "the file is not an excel workbook (.xlsx)"),
        ("findings.csv", b"PK\x03\x04" + bytes(200), "this is a zip file, such as an excel workbook, not csv"),
        ("findings.csv", b"reference,kind\n\xff\xfe", "the file is not utf-8 text"),
        ("findings.xlsm", b"anything", "the workbook holds macros"),
        ("findings.xls", b"\xd0\xcf\x11\xe0", "a .xls workbook cannot be read here"),
    ],
)
def test_a_file_that_is_not_findings_is_refused_with_a_clear_reason(signed_in, inspection, name, content, reason):
    assert upload(signed_in, inspection, name, content).status_code == 302

    page = signed_in.get(check_url(inspection))

    assert page.status_code == 400
    assert reason in errors_shown(page)[0].lower()
    assert 'name="token"' not in page.content.decode()


# The file kept between the check and the confirmation ----------------------------------------------------


def test_a_confirmation_from_an_older_check_page_imports_nothing_and_says_why(signed_in, inspection):
    upload(signed_in, inspection, "first.csv", csv_bytes(GOOD_ROWS))
    old_token = token_on(signed_in.get(check_url(inspection)))
    upload(signed_in, inspection, "second.csv", csv_bytes(GOOD_ROWS[:1]))

    response = confirm(signed_in, inspection, token=old_token)

    assert response.status_code == 302 and response.url == check_url(inspection)
    assert "A newer file was uploaded" in signed_in.get(response.url).content.decode()
    assert not Finding.objects.exists()
    assert len(kept_files()) == 1, "the first file went when the second came"


def test_a_confirmation_with_no_file_kept_sends_the_lead_back_to_upload(signed_in, inspection):
    response = signed_in.post(check_url(inspection), {"token": "x" * 43})

    assert response.status_code == 302 and response.url == import_url(inspection)
    assert "There is no file waiting to be imported" in signed_in.get(response.url).content.decode()
    assert signed_in.get(check_url(inspection)).url == import_url(inspection)


def test_a_reference_someone_added_since_the_check_is_refused_on_confirming(signed_in, inspection):
    upload(signed_in, inspection, "findings.csv", csv_bytes(GOOD_ROWS))
    token = token_on(signed_in.get(check_url(inspection)))
    factories.FindingFactory(inspection=inspection, reference="afi1")

    response = confirm(signed_in, inspection, token=token)

    assert response.status_code == 400
    assert errors_shown(response) == [
        "line 4: the inspection already has a finding with reference 'afi1' (a reference is the same in any case)"
    ]
    assert list(Finding.objects.values_list("reference", flat=True)) == ["afi1"]


def test_a_clash_between_the_check_and_the_write_is_refused_by_the_service(signed_in, inspection, monkeypatch):
    """Someone adds a clashing finding after the page's check but before the write: add_findings refuses."""
    upload(signed_in, inspection, "findings.csv", csv_bytes(GOOD_ROWS))
    token = token_on(signed_in.get(check_url(inspection)))
    read = findings_csv.read_findings

    def read_then_someone_adds(*args, **kwargs):
        rows = read(*args, **kwargs)
        factories.FindingFactory(inspection=inspection, reference="Rec1")
        return rows

    monkeypatch.setattr(findings_csv, "read_findings", read_then_someone_adds)

    response = confirm(signed_in, inspection, token=token)

    assert response.status_code == 400
    assert errors_shown(response) == ["line 3: the inspection already has a finding with reference Rec1"]
    assert list(Finding.objects.values_list("reference", flat=True)) == ["Rec1"]


def test_files_no_session_can_reach_any_more_are_removed_when_another_is_kept(signed_in, inspection):
    upload(signed_in, inspection, "old.csv", csv_bytes(GOOD_ROWS))
    (old,) = kept_files()
    long_ago = time.time() - settings.SESSION_COOKIE_AGE - 60
    os.utime(old, (long_ago, long_ago))
    other = factories.InspectionFactory()

    upload(signed_in, other, "new.csv", csv_bytes(GOOD_ROWS))

    assert old not in kept_files() and len(kept_files()) == 1


# What it costs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 300])
def test_the_check_page_costs_the_same_queries_however_many_rows(
    signed_in, inspection, django_assert_num_queries, count
):
    factories.FindingFactory(inspection=inspection, reference="AFI0")
    rows = [["CoC1", "cause_of_concern", "Risk.", "", "Investigation"]]
    rows += [[f"Rec{n}", "recommendation", f"Do {n}.", "CoC1", "Investigation"] for n in range(count)]
    upload(signed_in, inspection, "findings.csv", csv_bytes(rows))

    # the session, the user and their roles (two), the inspection; the check's two (the inspection's
    # references, the themes); the session saved again, as every request saves it (three)
    with django_assert_num_queries(10):
        page = signed_in.get(check_url(inspection))

    assert page.status_code == 200 and f"Confirm and import {count + 1} findings" in page.content.decode()
