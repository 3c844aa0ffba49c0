"""The inspection pages: the list of inspections, and one inspection with its facts, section 55 clock,
findings tree and burn-up chart."""

import datetime
import re

import pytest
from django.utils import timezone

from tests import factories
from tests.pages import NO_DEADLINE, detail_url, main_text, query_count
from tests.workflow import on, take_to_sign_off
from tracker import charts, services
from tracker.models import Judgement

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db

ROLES = ["owner", "lead", "reviewer", "auditor"]


def build_plan(inspection, size: int, owner, reviewer):
    """size causes of concern, each with a recommendation, plus size AFIs, with actions in every state."""
    for _ in range(size):
        cause = factories.FindingFactory(inspection=inspection, cause_of_concern=True)
        factories.FindingFactory(inspection=inspection, recommendation=True, parent=cause)
        afi = factories.FindingFactory(inspection=inspection)
        factories.ActionFactory(finding=cause, owner=owner)
        factories.ActionFactory(finding=afi, owner=owner, in_progress=True)
        factories.ActionFactory(finding=afi, owner=owner, withdrawn=True)
        signed = factories.ActionFactory(finding=afi, owner=owner, signed_off=True)
        factories.SignOffFactory(action=signed, decided_by=reviewer)


# The list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_inspection_list_shows_every_inspection_to_every_role(client, request, role, inspection):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/inspections/")

    assert response.status_code == 200
    assert inspection.title in response.content.decode()


def test_inspection_list_is_not_found_without_a_role(client, nobody, inspection):
    client.force_login(nobody)

    assert client.get("/inspections/").status_code == 404


def test_inspection_list_counts_findings_and_actions_done(client, auditor, inspection, owner):
    finding = factories.FindingFactory(inspection=inspection)
    factories.FindingFactory(inspection=inspection)
    factories.ActionFactory(finding=finding, owner=owner, signed_off=True)
    factories.ActionFactory(finding=finding, owner=owner, withdrawn=True)
    factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
    client.force_login(auditor)

    response = client.get("/inspections/")

    [row] = response.context["inspections"]
    assert (row.finding_count, row.done_count, row.withdrawn_count, row.action_count) == (2, 1, 1, 3)
    assert "1 of 3, 1 withdrawn" in response.content.decode()
    assert "No statutory deadline" in response.content.decode()


def test_only_leads_are_offered_adding_an_inspection(client, lead, owner, inspection):
    client.force_login(lead)
    assert "Add an inspection" in client.get("/inspections/").content.decode()

    client.force_login(owner)
    assert "Add an inspection" not in client.get("/inspections/").content.decode()


def test_inspection_list_runs_the_same_queries_however_many_rows(client, auditor, owner, reviewer):
    client.force_login(auditor)
    build_plan(factories.InspectionFactory(), 1, owner, reviewer)
    small = query_count(client, "/inspections/")

    for _ in range(9):
        build_plan(factories.InspectionFactory(), 2, owner, reviewer)
    large = query_count(client, "/inspections/")

    assert small == large


# One inspection ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_inspection_page_renders_for_every_role(client, request, role, inspection):
    client.force_login(request.getfixturevalue(role))

    response = client.get(detail_url(inspection))

    assert response.status_code == 200
    assert response.content.decode().count("<h1>") == 1


def test_inspection_page_is_not_found_without_a_role(client, nobody, inspection):
    client.force_login(nobody)

    assert client.get(detail_url(inspection)).status_code == 404


def test_unknown_inspection_is_not_found(client, lead):
    client.force_login(lead)

    assert client.get("/inspections/no-such-report/").status_code == 404


def test_inspection_page_shows_facts_judgements_and_attribution(client, auditor, inspection):
    Judgement.objects.create(
        inspection=inspection, position=1, question="Protecting vulnerable people", grade="inadequate"
    )
    client.force_login(auditor)

    text = main_text(client.get(detail_url(inspection)))

    assert "Hertfordshire Constabulary" in text
    assert "2 March 2017" in text
    assert "Requires improvement" in text
    assert "Protecting vulnerable people" in text
    assert "Inadequate" in text
    assert inspection.attribution in text


def test_hertfordshire_has_no_statutory_response_deadline(client, reviewer, inspection):
    client.force_login(reviewer)

    text = main_text(client.get(detail_url(inspection)))

    assert NO_DEADLINE in text
    assert "56 days from publication" not in text


def test_report_published_1_june_2017_is_due_26_july_2017(client, reviewer):
    inspection = factories.InspectionFactory(published=datetime.date(2017, 6, 1))
    client.force_login(reviewer)

    response = client.get(detail_url(inspection))

    text = main_text(response)
    assert "26 July 2017" in text
    assert NO_DEADLINE not in text
    assert response.context["clock"].state == "overdue"
    assert "Overdue" in text


def test_response_clock_counts_down_and_reports_publication(client, reviewer):
    today = timezone.localdate()
    due = factories.InspectionFactory(published=today - datetime.timedelta(days=10))
    published = factories.InspectionFactory(
        published=datetime.date(2017, 6, 1), response_published=datetime.date(2017, 7, 30)
    )
    client.force_login(reviewer)

    due_text = main_text(client.get(detail_url(due)))
    published_text = main_text(client.get(detail_url(published)))

    assert "45 days left" in due_text
    assert "published on 30 July 2017, 4 days after the deadline" in published_text


def test_only_pcc_reviewers_are_offered_recording_the_response(client, reviewer, lead, inspection):
    client.force_login(reviewer)
    assert "Record the PCC response" in client.get(detail_url(inspection)).content.decode()

    client.force_login(lead)
    assert "Record the PCC response" not in client.get(detail_url(inspection)).content.decode()


def test_findings_tree_nests_recommendations_under_their_cause_of_concern(client, lead, inspection):
    afi = factories.FindingFactory(inspection=inspection, reference="AFI1", title="Supervision")
    cause = factories.FindingFactory(inspection=inspection, cause_of_concern=True, reference="CoC1", title="Risk")
    rec = factories.FindingFactory(
        inspection=inspection, recommendation=True, parent=cause, reference="Rec1", title="THRIVE"
    )
    client.force_login(lead)

    response = client.get(detail_url(inspection))

    groups = response.context["finding_groups"]
    assert [(heading, [f.reference for f in roots]) for heading, roots in groups] == [
        ("Causes of concern", ["CoC1"]),
        ("Areas for improvement", ["AFI1"]),
    ]
    assert [f.reference for f in groups[0][1][0].nested] == ["Rec1"]
    html = main_text(response)
    cause_at = html.index(f"/findings/{cause.pk}/")
    rec_at = html.index(f"/findings/{rec.pk}/")
    afi_at = html.index(f"/findings/{afi.pk}/")
    assert cause_at < rec_at < afi_at
    # The recommendation sits in a list inside the cause of concern's list item.
    between = html[cause_at:rec_at]
    assert "<ul>" in between
    assert "</li>" not in between


def test_findings_show_progress_and_derived_status(client, lead, inspection, owner):
    finding = factories.FindingFactory(inspection=inspection, title="Supervision")
    factories.FindingFactory(inspection=inspection, title="Stalking")
    for _ in range(3):
        factories.ActionFactory(finding=finding, owner=owner, signed_off=True)
    factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
    factories.ActionFactory(finding=finding, owner=owner)
    client.force_login(lead)

    html = main_text(client.get(detail_url(inspection)))

    assert '<progress value="3" max="5"' in html
    assert "3 of 5 actions done" in html
    assert "Awaiting allocation" in html
    assert "Open" in html
    assert "Add a finding" in html


# The burn-up ------------------------------------------------------------------------------


@pytest.fixture
def burn_up_plan(inspection, lead, owner, reviewer):
    finding = factories.FindingFactory(inspection=inspection)
    due = timezone.localdate() + datetime.timedelta(days=30)

    def create(title):
        return services.create_action(finding, by=lead, title=title, owner=owner, due_date=due)

    with on(datetime.date(2025, 3, 1)):
        first, second, _third = create("First"), create("Second"), create("Third")
    with on(datetime.date(2025, 3, 10)):
        fourth = create("Fourth")
    with on(datetime.date(2025, 4, 1)):
        take_to_sign_off(first, owner=owner, reviewer=reviewer)
    with on(datetime.date(2025, 4, 15)):
        take_to_sign_off(second, owner=owner, reviewer=reviewer)
        services.withdraw_action(fourth, by=lead, reason="Overtaken by the new control room system")
    factories.ActionFactory(finding=factories.FindingFactory(), owner=owner)  # another inspection's action


def test_burn_up_counts_creations_sign_offs_and_withdrawals_from_history(inspection, burn_up_plan):
    points = charts.burn_up(charts.burn_up_history(inspection))

    assert points == [
        charts.Point(datetime.date(2025, 3, 1), done=0, scope=3),
        charts.Point(datetime.date(2025, 3, 10), done=0, scope=4),
        charts.Point(datetime.date(2025, 4, 1), done=1, scope=4),
        charts.Point(datetime.date(2025, 4, 15), done=2, scope=4, withdrawn=1),
    ]


def test_burn_up_chart_and_table_render_on_the_inspection_page(client, auditor, inspection, burn_up_plan):
    client.force_login(auditor)

    html = main_text(client.get(detail_url(inspection)))

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert re.search(r'aria-labelledby="burn-up-title burn-up-desc"', svg)
    assert '<title id="burn-up-title">' in svg
    assert '<desc id="burn-up-desc">' in svg
    assert "from 0 of 3 on 1 March 2025 to 2 of 4, 1 withdrawn, on 15 April 2025" in svg
    assert svg.count("<path") == 3  # done, withdrawn, every action
    assert "<caption>Actions done over time</caption>" in html
    cells = r'<td class="numeric">(\d+)</td>'
    rows = re.findall(rf'<tr><th scope="row">([^<]+)</th>{cells}{cells}{cells}</tr>', html)
    assert rows == [
        ("1 March 2025", "0", "0", "3"),
        ("10 March 2025", "0", "0", "4"),
        ("1 April 2025", "1", "0", "4"),
        ("15 April 2025", "2", "1", "4"),
    ]


def test_inspection_without_actions_says_there_is_no_progress_yet(client, auditor, inspection):
    client.force_login(auditor)

    html = main_text(client.get(detail_url(inspection)))

    assert "<svg" not in html
    assert "No actions yet, so there is no progress to show." in html


def test_inspection_page_runs_the_same_queries_however_many_rows(client, auditor, inspection, owner, reviewer):
    client.force_login(auditor)
    build_plan(inspection, 1, owner, reviewer)
    small = query_count(client, detail_url(inspection))

    build_plan(inspection, 9, owner, reviewer)
    large = query_count(client, detail_url(inspection))

    assert small == large
