"""Discharging a finding (PCC reviewers only), once every one of its actions is signed off or withdrawn."""

import pytest

from tests import factories
from tests.pages import discharge_on_the_site, ready_to_discharge, url
from tracker.models import SignOff

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db


def test_reviewer_discharges_a_finding_ready_for_it(client, reviewer, owner, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(reviewer)

    page = client.get(url(finding, "discharge/"))
    response = discharge_on_the_site(client, finding, "Audit shows the change has stuck.")

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
