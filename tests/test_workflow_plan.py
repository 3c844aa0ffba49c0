"""The plan itself: creating and editing actions, inspections and findings (leads only), the PCC's
response to a report (the PCC's office only), and discharging a finding (PCC reviewers only)."""

import datetime

import pytest

from tests import factories
from tests.workflow import ROLES, S, action_in, latest_history
from tracker import services
from tracker.models import Action, SignOff
from tracker.services import ActionRefused

# One person in each role, built once: every test here sees them (conftest's everyone).
pytestmark = pytest.mark.usefixtures("everyone")

# Plan editing -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_creates_actions(people, role):
    finding = factories.FindingFactory()
    actor = people[role]
    due = datetime.date(2027, 6, 30)

    if role == "lead":
        action = services.create_action(
            finding, by=actor, title="Audit THRIVE use", owner=people["owner"], due_date=due
        )
        assert (action.status, action.due_date, action.original_due_date, action.created_by) == (
            S.NOT_STARTED,
            due,
            due,
            actor,
        )
        assert action.history.get().history_user == actor
    else:
        with pytest.raises(ActionRefused, match="Only an improvement lead"):
            services.create_action(finding, by=actor, title="Audit", owner=people["owner"], due_date=due)
        assert not Action.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "auditor", "administrator"])
def test_actions_are_owned_only_by_owners_and_leads(people, lead, role):
    finding = factories.FindingFactory()

    with pytest.raises(ActionRefused, match="cannot own actions"):
        services.create_action(finding, by=lead, title="Audit", owner=people[role], due_date=datetime.date(2027, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_edits_and_reassigns_an_action(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    actor = people[role]

    if role == "lead":
        services.edit_action(action, by=actor, reason="Handover", owner=people["other_owner"], title="New title")
        action.refresh_from_db()
        assert (action.owner, action.title) == (people["other_owner"], "New title")
        assert latest_history(action).history_change_reason == "Handover"
    else:
        with pytest.raises(ActionRefused):
            services.edit_action(action, by=actor, reason="Mine now", owner=actor)
        action.refresh_from_db()
        assert action.owner == people["owner"]


@pytest.mark.django_db
def test_edit_action_never_moves_the_due_date(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ValueError, match="due_date"):
        services.edit_action(action, by=lead, reason="Quietly", due_date=datetime.date(2030, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("final", [S.SIGNED_OFF, S.WITHDRAWN])
def test_final_actions_cannot_be_edited(lead, owner, final):
    action = action_in(final, owner)

    with pytest.raises(ActionRefused, match="cannot be changed any more"):
        services.edit_action(action, by=lead, reason="Typo", title="Rewritten")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_creates_inspections_and_findings(people, role):
    actor = people[role]
    fields = {"slug": "vulnerability-2018", "title": "Vulnerability", "force": "Herts", "published": "2018-01-01"}

    if role == "lead":
        inspection = services.create_inspection(by=actor, **fields)
        finding = services.create_finding(
            by=actor, inspection=inspection, kind="area_for_improvement", reference="AFI1", text="Improve."
        )
        assert inspection.history.get().history_user == actor
        assert finding.history.get().history_user == actor
    else:
        with pytest.raises(ActionRefused, match="Only an improvement lead"):
            services.create_inspection(by=actor, **fields)


@pytest.mark.django_db
def test_recommendation_sits_only_under_a_cause_of_concern_in_its_own_inspection(lead):
    concern = factories.FindingFactory(cause_of_concern=True)
    afi = factories.FindingFactory(inspection=concern.inspection)
    elsewhere = factories.FindingFactory(cause_of_concern=True)

    def add(parent, kind="recommendation"):
        return services.create_finding(
            by=lead,
            inspection=concern.inspection,
            kind=kind,
            reference=f"R-{parent.pk}-{kind}",
            text="T",
            parent=parent,
        )

    assert add(concern).parent == concern
    with pytest.raises(ActionRefused, match="only under a cause of concern"):
        add(afi)
    with pytest.raises(ActionRefused, match="only under a cause of concern"):
        add(concern, kind="area_for_improvement")
    with pytest.raises(ActionRefused, match="same inspection"):
        add(elsewhere)


# The PCC response -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_pcc_office_records_the_response(people, role):
    inspection = factories.InspectionFactory()
    actor = people[role]
    dates = {
        "comments_invited": datetime.date(2017, 3, 3),
        "comments_received": datetime.date(2017, 3, 20),
        "response_published": datetime.date(2017, 4, 1),
    }

    if role == "reviewer":
        services.record_pcc_response(inspection, by=actor, **dates)
        inspection.refresh_from_db()
        assert inspection.response_published == datetime.date(2017, 4, 1)
        assert inspection.history.order_by("-history_id").first().history_user == actor
    else:
        with pytest.raises(ActionRefused, match="PCC's office"):
            services.record_pcc_response(inspection, by=actor, **dates)


@pytest.mark.django_db
def test_comments_cannot_be_received_before_they_were_invited(reviewer):
    inspection = factories.InspectionFactory()

    with pytest.raises(ActionRefused, match="before they were invited"):
        services.record_pcc_response(
            inspection,
            by=reviewer,
            comments_invited=datetime.date(2017, 3, 20),
            comments_received=datetime.date(2017, 3, 3),
            response_published=None,
        )


# Finding discharge ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_pcc_reviewer_discharges_a_finding(people, role):
    finding = factories.FindingFactory()
    action_in(S.SIGNED_OFF, people["owner"], finding=finding)
    action_in(S.WITHDRAWN, people["owner"], finding=finding)
    actor = people[role]

    if role == "reviewer":
        sign_off = services.discharge_finding(finding, by=actor, comment="Panel satisfied")
        assert (sign_off.finding, sign_off.decided_by) == (finding, actor)
    else:
        with pytest.raises(ActionRefused, match="Only a PCC reviewer"):
            services.discharge_finding(finding, by=actor)
        assert not SignOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("open_status", [S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.SUBMITTED])
def test_a_finding_with_an_open_action_cannot_be_discharged(reviewer, owner, open_status):
    finding = factories.FindingFactory()
    action_in(S.SIGNED_OFF, owner, finding=finding)
    action_in(open_status, owner, finding=finding)

    with pytest.raises(ActionRefused, match="Every action must be signed off or withdrawn"):
        services.discharge_finding(finding, by=reviewer)


@pytest.mark.django_db
def test_a_finding_without_actions_cannot_be_discharged(reviewer):
    with pytest.raises(ActionRefused, match="no actions yet"):
        services.discharge_finding(factories.FindingFactory(), by=reviewer)


@pytest.mark.django_db
def test_a_discharged_finding_is_final(reviewer, lead, owner):
    finding = factories.FindingFactory()
    action_in(S.SIGNED_OFF, owner, finding=finding)
    services.discharge_finding(finding, by=reviewer)

    with pytest.raises(ActionRefused, match="already been discharged"):
        services.discharge_finding(finding, by=factories.ReviewerFactory())
    with pytest.raises(ActionRefused, match="discharged"):
        services.update_finding(finding, by=lead, text="Rewritten")
    with pytest.raises(ActionRefused, match="discharged"):
        services.create_action(finding, by=lead, title="More", owner=owner, due_date=datetime.date(2027, 1, 1))
