"""Creating an action under a finding (leads only): the form, its errors, and no new action under a
discharged finding."""

import datetime

import pytest
from django.utils import timezone

from tests.pages import date_boxes, ready_to_discharge, url
from tracker import services
from tracker.models import Action

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db


def action_data(owner_user, **changes):
    due = timezone.localdate() + datetime.timedelta(days=90)
    return {
        "title": "Dip-sample supervisors' reviews every month",
        "description": "",
        "owner": owner_user.pk,
        **date_boxes("due_date", due),
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
        ({"title": ""}, "Enter a title"),
        ({"owner": ""}, "Choose an owner"),
        (date_boxes("due_date", "30/02/2027"), "Due date must be a real date"),
        (date_boxes("due_date", "1/1/2020"), "Enter a due date in the future, or today&#x27;s date"),
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
