"""The panel report answers "where are we on each finding?", downloads as a PDF, and its public version
shows only counts and the public summaries someone chose to publish."""

import datetime
import io
import sys

import pypdf
import pytest
from django.utils import timezone

import tracker
from tests import factories
from tests.pages import main_text, query_count
from tracker import services
from tracker.models import ExtensionRequest, ProgressUpdate
from tracker.pdf import BASE_URL, StaticFilesOnly

pytestmark = pytest.mark.django_db

NOTE = "Victim Jane Marple called again; PC Lestrade to visit."
SUMMARY = "Call handlers in the control room have been retrained in risk assessment."


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def people(db):
    return {
        "owner": factories.OwnerFactory(username="pr", first_name="Priya", last_name="Ransome"),
        "lead": factories.LeadFactory(username="ah", first_name="Agnes", last_name="Holloway"),
        "reviewer": factories.ReviewerFactory(username="tf", first_name="Tobias", last_name="Fairweather"),
    }


@pytest.fixture
def plan(people):
    """AFI1: one action signed off, one overdue (with an internal note and a drift), one withdrawn; AFI2: none."""
    owner, lead, reviewer = people["owner"], people["lead"], people["reviewer"]
    inspection = factories.InspectionFactory(title="PEEL 2016 effectiveness", slug="peel-2016", published=days(-400))
    afi1 = factories.FindingFactory(inspection=inspection, reference="AFI1", title="Risk at first contact")
    factories.FindingFactory(inspection=inspection, reference="AFI2", title="Stalking and harassment")
    done = factories.ActionFactory(finding=afi1, owner=owner, due_date=days(-50), in_progress=True)
    services.add_evidence(done, by=owner, title="Audit", url="https://intranet.example/audit")
    services.submit_for_sign_off(done, by=owner)
    services.sign_off_action(done, by=reviewer)
    late = factories.ActionFactory(finding=afi1, owner=owner, due_date=days(-5), in_progress=True, title="Retrain")
    ProgressUpdate.objects.create(action=late, author=owner, note=NOTE)
    factories.ExtensionRequestFactory(
        action=late,
        status=ExtensionRequest.Status.APPROVED,
        decided_by=lead,
        decided_at=timezone.now(),
        previous_due_date=days(-30),
    )
    factories.ActionFactory(finding=afi1, owner=owner, withdrawn=True)
    services.write_public_summary(afi1, by=lead, text="An older summary, replaced.")
    services.write_public_summary(afi1, action=late, by=reviewer, text=SUMMARY)
    return inspection


def pdf_text(response) -> str:
    """The PDF's text with its line breaks and runs of spaces as single spaces, as a reader would take it."""
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_report_has_a_row_per_finding_with_done_of_total_overdue_drift_and_latest_public_update(client, people, plan):
    client.force_login(people["lead"])

    response = client.get("/reports/panel/")

    [inspection] = response.context["inspections"]
    afi1, afi2 = inspection.findings_rows
    assert (afi1.reference, afi1.done_count, afi1.action_count, afi1.withdrawn_count) == ("AFI1", 1, 3, 1)
    assert (afi1.overdue_count, afi1.drift_total, afi1.public_update) == (1, 1, SUMMARY)
    assert (afi2.reference, afi2.action_count, afi2.public_update) == ("AFI2", 0, None)
    html = main_text(response)
    assert html.index("Where we are on each finding") < html.index("Actions by status")
    row = html[html.index(f'id="finding-row-{afi1.pk}"') :]
    assert "1 of 3, 1 withdrawn" in row[: row.index("</tr>")]
    assert SUMMARY in row[: row.index("</tr>")]
    assert "No public update yet" in html


def test_public_version_shows_counts_and_public_summaries_never_a_note_or_a_name(client, people, plan):
    client.force_login(people["lead"])

    html = client.get("/reports/panel/?public=1").content.decode()

    assert SUMMARY in html
    assert "An older summary, replaced." not in html
    assert NOTE not in html
    assert "Retrain" not in html  # an action's title was written for the plan, not chosen for publishing
    for person in people.values():
        assert person.last_name not in html
    assert "1 action signed off by the PCC's office" in html


def test_staff_version_still_shows_the_latest_note_marked_internal(client, people, plan):
    client.force_login(people["lead"])

    html = main_text(client.get("/reports/panel/"))

    assert NOTE in html
    assert "Latest progress note (internal)" in html
    assert 'href="/reports/panel/?inspection=peel-2016&amp;format=pdf"' in html


def test_report_downloads_as_a_pdf_with_the_same_content_page_numbers_contents_and_licence(client, people, plan):
    client.force_login(people["lead"])

    response = client.get("/reports/panel/?inspection=peel-2016&format=pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="panel-report-')
    text = pdf_text(response)
    assert "Contents" in text
    assert "PEEL 2016 effectiveness" in text
    assert "AFI1: Risk at first contact" in text
    assert "AFI2: Stalking and harassment" in text
    assert "1 of 3, 1 withdrawn" in text
    assert "Page 1 of 2" in text
    assert "Page 2 of 2" in text
    assert "Open Government Licence v3.0" in text
    assert SUMMARY in text
    assert "Ransome" in text  # the staff version names owners
    assert "Victim Jane Marple" in text


def test_public_pdf_names_no_staff_and_quotes_no_note(client, people, plan):
    client.force_login(people["lead"])

    response = client.get("/reports/panel/?inspection=peel-2016&public=1&format=pdf")

    text = pdf_text(response)
    assert response["Content-Disposition"].endswith('-public.pdf"')
    assert "Public version" in text
    assert "AFI1" in text and SUMMARY.split()[0] in text
    assert "Page 1 of" in text
    assert "Open Government Licence" in text
    for person in people.values():
        assert person.last_name not in text
    assert "Marple" not in text and "Lestrade" not in text


def test_every_inspection_gets_a_contents_line_and_its_own_page(client, people, plan):
    factories.InspectionFactory(title="Crime data integrity 2014", slug="cdi-2014", published=days(-900))
    client.force_login(people["lead"])

    text = pdf_text(client.get("/reports/panel/?inspection=all&format=pdf"))

    contents = text[text.index("Contents") : text.index("RAG ratings")]
    assert "PEEL 2016 effectiveness" in contents and "page 2" in contents
    assert "Crime data integrity 2014" in contents and "page 3" in contents


def test_pdf_of_an_unknown_inspection_is_the_page_with_its_error(client, people, plan):
    client.force_login(people["lead"])

    response = client.get("/reports/panel/?inspection=nope&format=pdf")

    assert response.status_code == 400
    assert "Choose an inspection" in response.content.decode()


def test_a_server_without_weasyprint_says_so_and_serves_the_page(client, people, plan, monkeypatch):
    # As when WeasyPrint cannot load Pango: the module cannot be imported.
    monkeypatch.setitem(sys.modules, "tracker.pdf", None)
    monkeypatch.delattr(tracker, "pdf", raising=False)
    client.force_login(people["lead"])

    response = client.get("/reports/panel/?format=pdf")

    assert response.status_code == 503
    assert "Print the report from your browser instead." in response.content.decode()
    assert client.get("/reports/panel/").status_code == 200


def test_rendering_reads_only_our_static_files():
    fetcher = StaticFilesOnly()

    css = fetcher.fetch(f"{BASE_URL}static/tracker/panel_pdf.css")

    assert b"@page" in css.read()
    for url in (
        "https://example.com/static/tracker/panel_pdf.css",
        "file:///etc/passwd",
        f"{BASE_URL}media/evidence/1/secret.pdf",
        f"{BASE_URL}static/../../config/settings.py",
        f"{BASE_URL}static/tracker/no-such.css",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_pdf_runs_the_same_queries_however_many_findings(client, people, plan):
    def grow(size):
        for _ in range(size):
            finding = factories.FindingFactory(inspection=plan)
            late = factories.ActionFactory(finding=finding, owner=people["owner"], due_date=days(-3))
            factories.ProgressUpdateFactory(action=late)
            services.write_public_summary(finding, action=late, by=people["lead"], text="Summary")

    client.force_login(people["lead"])
    grow(1)
    small = query_count(client, "/reports/panel/?format=pdf&public=1")

    grow(9)
    large = query_count(client, "/reports/panel/?format=pdf&public=1")

    assert small == large
