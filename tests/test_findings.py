"""The finding pages: one finding with its actions and register mirror, and its forms."""

import datetime

import pytest
from django.utils import timezone
from django.utils.html import escape

from tests import factories
from tests.test_inspections import main_text, query_count
from tracker import services
from tracker.models import Action, Finding, RegisterEntry, SignOff

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db

ROLES = ["owner", "lead", "reviewer", "auditor"]


@pytest.fixture
def nobody(db):
    return factories.UserFactory(username="nobody")


@pytest.fixture
def inspection(db):
    return factories.InspectionFactory(
        slug="herts-peel-2016",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0.",
    )


@pytest.fixture
def cause(inspection):
    return factories.FindingFactory(
        inspection=inspection,
        cause_of_concern=True,
        reference="CoC1",
        title="Risk assessment at first contact",
        text="It is a cause of concern to HMIC that some call handlers are not correctly identifying risk.",
        register_id="8771",
    )


@pytest.fixture
def finding(inspection):
    return factories.FindingFactory(inspection=inspection, reference="AFI1", title="Supervision", is_summary=True)


def url(finding, suffix=""):
    return f"/findings/{finding.pk}/{suffix}"


def ready_to_discharge(finding, owner, reviewer):
    signed = factories.ActionFactory(finding=finding, owner=owner, signed_off=True)
    factories.SignOffFactory(action=signed, decided_by=reviewer)
    factories.ActionFactory(finding=finding, owner=owner, withdrawn=True)


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
    assert "Discharge finding" not in client.get(url(finding)).content.decode()

    other = factories.FindingFactory(inspection=finding.inspection)
    ready_to_discharge(other, owner, reviewer)
    assert "Discharge finding" in client.get(url(other)).content.decode()


def test_lead_is_never_offered_discharge(client, lead, owner, reviewer, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(lead)

    assert "Discharge finding" not in client.get(url(finding)).content.decode()


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
        ({"text": ""}, "This field is required."),
        ({"reference": ""}, "This field is required."),
        ({"kind": "finding"}, "Select a valid choice."),
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


def edit_data(finding, **changes):
    data = {
        "kind": finding.kind,
        "reference": finding.reference,
        "title": finding.title,
        "text": finding.text,
        "addressee": finding.addressee,
        "register_id": finding.register_id,
    }
    if finding.is_summary:
        data["is_summary"] = "on"
    return {**data, **changes}


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


# Creating an action -----------------------------------------------------------------------


def action_data(owner_user, **changes):
    due = timezone.localdate() + datetime.timedelta(days=90)
    return {
        "title": "Dip-sample supervisors' reviews every month",
        "description": "",
        "owner": owner_user.pk,
        "due_date": due.isoformat(),
        **changes,
    }


def test_lead_creates_an_action(client, lead, owner, finding):
    client.force_login(lead)

    response = client.post(url(finding, "actions/new/"), action_data(owner))

    action = Action.objects.get()
    assert response.status_code == 302
    assert response.url == f"/actions/{action.pk}/"
    assert (action.finding, action.owner, action.created_by) == (finding, owner, lead)
    assert action.original_due_date == action.due_date


def test_lead_sees_the_create_action_form(client, lead, owner, finding):
    client.force_login(lead)

    response = client.get(url(finding, "actions/new/"))

    assert response.status_code == 200
    assert "<h1>Create an action</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"owner": ""}, "This field is required."),
        ({"due_date": "30/02/2027"}, "Enter a real date"),
        ({"due_date": "2020-01-01"}, "The due date must be today or in the future"),
    ],
)
def test_bad_action_input_is_explained_and_nothing_saved(client, lead, owner, finding, change, message):
    client.force_login(lead)

    response = client.post(url(finding, "actions/new/"), action_data(owner, description="Monthly sample", **change))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Monthly sample" in response.content.decode()
    assert not Action.objects.exists()


def test_no_action_can_be_added_to_a_discharged_finding(client, lead, owner, reviewer, finding):
    ready_to_discharge(finding, owner, reviewer)
    services.discharge_finding(finding, by=reviewer)
    client.force_login(lead)

    response = client.post(url(finding, "actions/new/"), action_data(owner))

    assert response.status_code == 400
    assert "This finding has been discharged: no more actions can be added to it." in response.content.decode()
    assert finding.actions.count() == 2


@pytest.mark.parametrize("role", ["owner", "reviewer", "auditor"])
def test_only_a_lead_can_create_an_action(client, request, role, owner, finding):
    client.force_login(request.getfixturevalue(role))

    response = client.post(url(finding, "actions/new/"), action_data(owner))

    assert response.status_code == 403
    assert "Only an improvement lead can create actions." in response.content.decode()
    assert not Action.objects.exists()


# Discharging a finding --------------------------------------------------------------------


def test_reviewer_discharges_a_finding_ready_for_it(client, reviewer, owner, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(reviewer)

    page = client.get(url(finding, "discharge/"))
    response = client.post(url(finding, "discharge/"), {"comment": "Audit shows the change has stuck."})

    assert page.status_code == 200
    assert "<h1>Discharge this finding</h1>" in page.content.decode()
    assert response.status_code == 302
    assert response.url == url(finding)
    discharge = SignOff.objects.get(finding=finding)
    assert (discharge.decided_by, discharge.comment) == (reviewer, "Audit shows the change has stuck.")


def test_a_finding_with_open_actions_cannot_be_discharged(client, reviewer, owner, finding):
    factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
    client.force_login(reviewer)

    response = client.post(url(finding, "discharge/"), {"comment": ""})

    assert response.status_code == 403
    assert "Every action must be signed off or withdrawn before the finding can be discharged." in (
        response.content.decode()
    )
    assert not SignOff.objects.filter(finding=finding).exists()


@pytest.mark.parametrize("role", ["owner", "lead", "auditor"])
def test_only_a_pcc_reviewer_can_discharge(client, request, role, owner, reviewer, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(request.getfixturevalue(role))

    response = client.post(url(finding, "discharge/"), {"comment": ""})

    assert response.status_code == 403
    assert "Only a PCC reviewer can discharge a finding" in response.content.decode()
    assert not SignOff.objects.filter(finding=finding).exists()


def test_discharging_is_not_found_without_a_role(client, nobody, finding):
    client.force_login(nobody)

    assert client.get(url(finding, "discharge/")).status_code == 404
