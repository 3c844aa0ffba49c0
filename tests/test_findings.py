"""The finding page: the inspectorate's words, the register mirror beside the force's own status,
its actions, and what each role is offered there."""

import datetime

import pytest
from django.utils import timezone
from django.utils.html import escape

from tests import factories
from tests.pages import main_text, query_count, ready_to_discharge, url
from tracker import services
from tracker.models import Finding, RegisterEntry

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db

ROLES = ["owner", "lead", "reviewer", "auditor"]


# One finding ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_finding_page_renders_for_every_role(client, request, role, cause):
    client.force_login(request.getfixturevalue(role))

    response = client.get(url(cause))

    assert response.status_code == 200
    assert response.content.decode().count("<h1>") == 1


def test_finding_page_is_not_found_without_a_role(client, nobody, cause):
    client.force_login(nobody)

    assert client.get(url(cause)).status_code == 404


def test_finding_page_shows_the_inspectorates_words_with_attribution(client, auditor, cause, inspection):
    rec = factories.FindingFactory(
        inspection=inspection, recommendation=True, parent=cause, reference="Rec1", addressee="NPCC lead"
    )
    client.force_login(auditor)

    cause_html = main_text(client.get(url(cause)))
    rec_html = main_text(client.get(url(rec)))

    assert "The inspectorate's words" in cause_html
    assert cause.text in cause_html
    assert inspection.attribution in cause_html
    assert "Cause of concern" in cause_html
    assert "The force" in cause_html
    assert url(rec) in cause_html  # its recommendation
    assert url(cause) in rec_html  # its parent
    assert "NPCC lead" in rec_html


def test_a_summary_is_marked_as_one(client, auditor, finding):
    client.force_login(auditor)

    html = main_text(client.get(url(finding)))

    assert "Summary of the finding" in html
    assert "A summary of the inspectorate's finding, not its own words." in html


def test_register_mirror_sits_beside_the_forces_own_status(client, auditor, cause, owner):
    RegisterEntry.objects.create(finding=cause, date=datetime.date(2017, 3, 2), status="awaiting-review")
    RegisterEntry.objects.create(
        finding=cause, date=datetime.date(2018, 3, 13), status="being-progressed", comment="Action plan created"
    )
    factories.ActionFactory(finding=cause, owner=owner, in_progress=True)
    client.force_login(auditor)

    response = client.get(url(cause))

    html = main_text(response)
    assert response.context["status"] == Finding.Status.OPEN
    assert "The force's status" in html
    assert "The HMICFRS register" in html
    assert "Register entry 8771" in html
    assert "Awaiting review" in html
    assert "13 March 2018" in html
    assert "Action plan created" in html


def test_actions_table_shows_owner_status_rag_and_due_date(client, auditor, cause, owner):
    today = timezone.localdate()
    late = factories.ActionFactory(
        finding=cause,
        owner=owner,
        in_progress=True,
        title="Retrain call handlers",
        due_date=today - datetime.timedelta(days=3),
    )
    client.force_login(auditor)

    response = client.get(url(cause))

    html = main_text(response)
    assert f"/actions/{late.pk}/" in html
    assert escape(owner) in html
    assert "In progress" in html
    assert "Red: overdue" in html
    assert response.context["actions"][0].current_rag == "red"


def test_only_leads_are_offered_creating_an_action_and_editing(client, lead, owner, cause):
    client.force_login(lead)
    html = client.get(url(cause)).content.decode()
    assert "Create an action" in html
    assert "Edit this finding" in html

    client.force_login(owner)
    html = client.get(url(cause)).content.decode()
    assert "Create an action" not in html
    assert "Edit this finding" not in html


def test_a_discharged_finding_shows_its_discharge_and_offers_no_changes(client, lead, owner, reviewer, finding):
    ready_to_discharge(finding, owner, reviewer)
    services.discharge_finding(finding, by=reviewer, comment="Victim personal statements audited.")
    client.force_login(lead)

    response = client.get(url(finding))

    html = main_text(response)
    assert response.context["status"] == Finding.Status.DISCHARGED
    assert f"Discharged by {escape(reviewer)} on" in html
    assert "Victim personal statements audited." in html
    assert "Create an action" not in html
    assert "Edit this finding" not in html


def test_reviewer_is_offered_discharge_only_when_ready(client, reviewer, owner, finding):
    client.force_login(reviewer)
    factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
    assert "Discharge this finding" not in client.get(url(finding)).content.decode()

    other = factories.FindingFactory(inspection=finding.inspection)
    ready_to_discharge(other, owner, reviewer)
    page = client.get(url(other)).content.decode()
    assert "<h2>Discharge this finding</h2>" in page
    assert f'action="{url(other, "discharge/")}"' in page


def test_lead_is_never_offered_discharge(client, lead, owner, reviewer, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(lead)

    assert "Discharge this finding" not in client.get(url(finding)).content.decode()


def test_finding_page_runs_the_same_queries_however_many_rows(client, auditor, owner, reviewer, cause, inspection):
    def grow(size):
        for _ in range(size):
            factories.FindingFactory(inspection=inspection, recommendation=True, parent=cause)
            factories.ActionFactory(finding=cause, owner=owner, in_progress=True)
            signed = factories.ActionFactory(finding=cause, owner=owner, signed_off=True)
            factories.SignOffFactory(action=signed, decided_by=reviewer)
            RegisterEntry.objects.create(finding=cause, date=datetime.date(2018, 1, 1), status="being-progressed")

    client.force_login(auditor)
    grow(1)
    small = query_count(client, url(cause))

    grow(9)
    large = query_count(client, url(cause))

    assert small == large
