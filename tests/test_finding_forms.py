"""The finding forms: adding a finding to an inspection and editing it (leads only), where a
recommendation may sit, and that a discharged finding cannot be changed."""

import pytest

from tests import factories
from tests.pages import edit_data, ready_to_discharge, url
from tracker import services
from tracker.models import Finding

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db


# Adding and editing a finding -------------------------------------------------------------

NEW_FINDING = {
    "kind": "area_for_improvement",
    "reference": "AFI7",
    "title": "Stalking and harassment",
    "text": "The force should improve how it investigates stalking and harassment.",
    "is_summary": "on",
    "addressee": "",
    "register_id": "",
}


def create_url(inspection):
    return f"/inspections/{inspection.slug}/findings/new/"


def test_lead_adds_a_finding(client, lead, inspection):
    client.force_login(lead)

    response = client.post(create_url(inspection), NEW_FINDING)

    finding = Finding.objects.get(reference="AFI7")
    assert response.status_code == 302
    assert response.url == url(finding)
    assert finding.inspection == inspection
    assert finding.is_summary
    history = finding.history.get()
    assert (history.history_user, history.history_change_reason) == (lead, "Finding created")


def test_lead_adds_a_recommendation_under_its_cause_of_concern(client, lead, inspection, cause):
    client.force_login(lead)

    response = client.post(
        create_url(inspection), {**NEW_FINDING, "kind": "recommendation", "reference": "Rec1", "parent": cause.pk}
    )

    assert response.status_code == 302
    assert Finding.objects.get(reference="Rec1").parent == cause


def test_lead_sees_the_add_finding_form(client, lead, inspection):
    client.force_login(lead)

    response = client.get(create_url(inspection))

    assert response.status_code == 200
    assert "<h1>Add a finding</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": ""}, "Enter the inspectorate&#x27;s words, or a summary of them"),
        ({"reference": ""}, "Enter the finding&#x27;s reference, for example AFI3"),
        ({"kind": "finding"}, "Choose a kind from the list"),
        # AFI1 exists, and references are unique within an inspection whatever their case.
        # (test_a_duplicate_reference_is_explained_in_words checks the wording.)
        ({"reference": "afi1"}, "There is a problem"),
    ],
)
def test_bad_finding_input_is_explained_and_nothing_saved(client, lead, inspection, finding, change, message):
    client.force_login(lead)

    response = client.post(create_url(inspection), {**NEW_FINDING, **change})

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert NEW_FINDING["title"] in html  # what was typed is kept
    assert Finding.objects.count() == 1


def test_a_duplicate_reference_is_explained_in_words(client, lead, inspection, finding):
    client.force_login(lead)

    response = client.post(create_url(inspection), {**NEW_FINDING, "reference": "afi1"})

    assert response.status_code == 400
    assert "This inspection already has a finding with reference afi1" in response.content.decode()


def test_only_a_recommendation_sits_under_a_cause_of_concern(client, lead, inspection, cause):
    client.force_login(lead)

    response = client.post(create_url(inspection), {**NEW_FINDING, "parent": cause.pk})

    assert response.status_code == 400
    assert "Only a recommendation sits under a cause of concern" in response.content.decode()
    assert Finding.objects.count() == 1


def test_a_recommendation_cannot_sit_under_an_area_for_improvement(client, lead, inspection, finding):
    client.force_login(lead)

    response = client.post(
        create_url(inspection), {**NEW_FINDING, "kind": "recommendation", "reference": "Rec9", "parent": finding.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["parent"]
    assert Finding.objects.count() == 1


def test_a_parent_must_belong_to_the_same_inspection(client, lead, inspection):
    elsewhere = factories.FindingFactory(cause_of_concern=True)
    client.force_login(lead)

    response = client.post(
        create_url(inspection), {**NEW_FINDING, "kind": "recommendation", "reference": "Rec9", "parent": elsewhere.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["parent"]
    assert not inspection.findings.exists()


@pytest.mark.parametrize("role", ["owner", "reviewer", "auditor"])
def test_only_a_lead_can_add_a_finding(client, request, role, inspection):
    client.force_login(request.getfixturevalue(role))

    response = client.post(create_url(inspection), NEW_FINDING)

    assert response.status_code == 403
    assert "Only an improvement lead can add or edit findings." in response.content.decode()
    assert not Finding.objects.exists()


def test_adding_a_finding_is_not_found_without_a_role(client, nobody, inspection):
    client.force_login(nobody)

    assert client.get(create_url(inspection)).status_code == 404


def test_lead_edits_a_finding_and_only_changes_are_saved(client, lead, finding):
    client.force_login(lead)

    response = client.post(url(finding, "edit/"), edit_data(finding, title="Supervisors' review of investigations"))

    assert response.status_code == 302
    assert response.url == url(finding)
    finding.refresh_from_db()
    assert finding.title == "Supervisors' review of investigations"
    latest = finding.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (lead, "Finding edited")


def test_edit_form_is_prefilled(client, lead, finding):
    client.force_login(lead)

    response = client.get(url(finding, "edit/"))

    assert response.status_code == 200
    assert 'value="Supervision"' in response.content.decode()


def test_bad_edit_is_explained_and_nothing_saved(client, lead, finding):
    client.force_login(lead)

    response = client.post(url(finding, "edit/"), edit_data(finding, text="", title="New title"))

    assert response.status_code == 400
    assert "New title" in response.content.decode()
    finding.refresh_from_db()
    assert finding.title == "Supervision"


def test_a_discharged_finding_cannot_be_edited(client, lead, owner, reviewer, finding):
    ready_to_discharge(finding, owner, reviewer)
    services.discharge_finding(finding, by=reviewer)
    client.force_login(lead)

    page = client.get(url(finding, "edit/"))
    response = client.post(url(finding, "edit/"), edit_data(finding, title="Changed after discharge"))

    message = "This finding has been discharged: it cannot be changed any more."
    assert message in page.content.decode()
    assert response.status_code == 400
    assert message in response.content.decode()
    finding.refresh_from_db()
    assert finding.title == "Supervision"


@pytest.mark.parametrize("role", ["owner", "reviewer", "auditor"])
def test_only_a_lead_can_edit_a_finding(client, request, role, finding):
    client.force_login(request.getfixturevalue(role))

    response = client.post(url(finding, "edit/"), edit_data(finding, title="Changed"))

    assert response.status_code == 403
    assert "Only an improvement lead" in response.content.decode()
    finding.refresh_from_db()
    assert finding.title == "Supervision"
