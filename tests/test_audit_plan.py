"""verify_audit checks the plan against the sign-off chain: nothing is signed off or discharged without its decision."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.forgery import raw
from tests.workflow import latest_history, take_to_sign_off
from tracker import audit, services
from tracker.models import Action

S = Action.Status


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def signed_off(owner, reviewer):
    """An action taken to sign-off through the services: its approval is in the chain."""
    action = factories.ActionFactory(owner=owner, title="Audit of risk assessments")
    take_to_sign_off(action, owner=owner, reviewer=reviewer)
    return action


@pytest.fixture
def submitted(owner):
    return factories.ActionFactory(owner=owner, submitted=True, title="Victim updates within 24 hours")


@pytest.mark.django_db
def test_a_plan_made_through_the_services_agrees_with_the_chain(signed_off, submitted, reviewer):
    services.return_action(submitted, by=reviewer, comment="Needs the audit")

    assert audit.plan_problems() == []
    assert "intact: 2 decisions" in verify()


@pytest.mark.django_db
def test_an_action_set_to_signed_off_with_sql_is_caught(signed_off, submitted):
    raw("UPDATE tracker_action SET status = 'signed_off' WHERE id = %s", submitted.pk)

    with pytest.raises(CommandError) as caught:
        verify()

    assert str(caught.value).splitlines() == [
        "The plan does not agree with the sign-off record:",
        f"- Action #{submitted.pk} (Victim updates within 24 hours) is signed off, but no sign-off decision "
        "approves it.",
    ]


@pytest.mark.django_db
def test_a_history_row_changing_the_status_to_signed_off_without_an_approval_is_caught(signed_off, submitted):
    # A forged step in the action's story: a copy of its latest history row, now signed off. The action
    # itself is left as it is, so only its history says it was signed off.
    row = latest_history(submitted)
    row.history_id, row.status, row.history_type = None, S.SIGNED_OFF, "~"
    row.history_date += datetime.timedelta(minutes=5)
    row.save()

    with pytest.raises(CommandError) as caught:
        verify()

    assert str(caught.value).splitlines()[1:] == [
        f"- Action #{submitted.pk} (Victim updates within 24 hours) is recorded in its history as signed off on "
        f"{row.history_date.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC, but no sign-off decision approves it."
    ]


@pytest.mark.django_db
def test_an_action_saved_as_signed_off_without_the_service_is_caught_in_both_places(submitted):
    # The ORM bypass: a save writes the status and its history row, but no decision.
    submitted.status = S.SIGNED_OFF
    submitted.save()

    with pytest.raises(CommandError) as caught:
        verify()

    assert f"Action #{submitted.pk} (Victim updates within 24 hours) is signed off, but" in str(caught.value)
    assert f"Action #{submitted.pk} (Victim updates within 24 hours) is recorded in its history" in str(caught.value)


@pytest.mark.django_db
def test_an_approved_action_reopened_with_sql_is_caught(signed_off):
    raw("UPDATE tracker_action SET status = 'in_progress' WHERE id = %s", signed_off.pk)

    with pytest.raises(CommandError, match=rf"Action #{signed_off.pk} \(Audit of risk assessments\) was approved by"):
        verify()


@pytest.mark.django_db
def test_an_action_reopened_under_a_discharged_finding_is_caught(signed_off, reviewer):
    services.discharge_finding(signed_off.finding, by=reviewer)
    assert audit.plan_problems() == []
    raw("UPDATE tracker_action SET status = 'in_progress' WHERE id = %s", signed_off.pk)

    with pytest.raises(CommandError) as caught:
        verify()

    assert f"Finding {signed_off.finding.display_name} was discharged, but its action #{signed_off.pk}" in str(
        caught.value
    )


@pytest.mark.django_db
def test_an_action_added_with_sql_to_a_discharged_finding_is_caught(signed_off, reviewer, owner):
    services.discharge_finding(signed_off.finding, by=reviewer)
    added = factories.ActionFactory(finding=signed_off.finding, owner=owner, title="Added afterwards")

    with pytest.raises(CommandError, match=rf"was discharged, but its action #{added.pk} \(Added afterwards\) is"):
        verify()


@pytest.mark.django_db
def test_a_withdrawn_action_needs_no_decision(owner, lead):
    action = factories.ActionFactory(owner=owner)
    services.withdraw_action(action, by=lead, reason="Superseded by the new policy")

    assert audit.plan_problems() == []
