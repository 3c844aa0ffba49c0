"""An action's own moves, made by its owner or a lead: progress notes and status moves, evidence,
submission for sign-off, and withdrawal; every move tried by every role, allowed or refused."""

import pytest

from tests import factories
from tests.workflow import ROLES, S, action_in, latest_history
from tracker import services
from tracker.models import ExtensionRequest, ProgressUpdate
from tracker.services import ActionRefused

# One person in each role, built once: every test here sees them (conftest's everyone).
pytestmark = pytest.mark.usefixtures("everyone")

# Progress moves: start, block, unblock ----------------------------------------------------

PROGRESS_MOVES = [
    (S.NOT_STARTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.BLOCKED),
    (S.BLOCKED, S.IN_PROGRESS),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), PROGRESS_MOVES)
@pytest.mark.parametrize("role", ROLES)
def test_progress_moves_are_for_the_owner_and_leads(people, role, start, end):
    action = action_in(start, people["owner"])
    actor = people[role]

    if role in ("owner", "lead"):
        update = services.record_progress(action, by=actor, note="Moving on", move_to=end)
        action.refresh_from_db()
        assert action.status == end
        assert (update.status_from, update.status_to) == (start, end)
        history = latest_history(action)
        assert history.history_user == actor
        assert history.history_change_reason == "Moving on"
    else:
        with pytest.raises(ActionRefused, match="owner or an improvement lead"):
            services.record_progress(action, by=actor, note="Moving on", move_to=end)
        action.refresh_from_db()
        assert action.status == start
        assert not ProgressUpdate.objects.exists()


REFUSED_PROGRESS_MOVES = [
    (S.NOT_STARTED, S.BLOCKED),
    (S.NOT_STARTED, S.SUBMITTED),
    (S.NOT_STARTED, S.SIGNED_OFF),
    (S.IN_PROGRESS, S.NOT_STARTED),
    (S.IN_PROGRESS, S.SUBMITTED),  # submission has its own service, which checks evidence
    (S.IN_PROGRESS, S.SIGNED_OFF),
    (S.IN_PROGRESS, S.WITHDRAWN),
    (S.BLOCKED, S.SUBMITTED),
    (S.BLOCKED, S.NOT_STARTED),
    (S.SUBMITTED, S.IN_PROGRESS),  # only a reviewer's return does this
    (S.SUBMITTED, S.SIGNED_OFF),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), REFUSED_PROGRESS_MOVES)
def test_moves_outside_the_diagram_are_refused_even_for_a_lead(lead, owner, start, end):
    action = action_in(start, owner)

    with pytest.raises(ActionRefused, match="cannot move from"):
        services.record_progress(action, by=lead, note="Trying", move_to=end)

    action.refresh_from_db()
    assert action.status == start
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("final", [S.SIGNED_OFF, S.WITHDRAWN])
@pytest.mark.parametrize("role", ["owner", "lead"])
def test_final_actions_take_no_more_notes(people, role, final):
    action = action_in(final, people["owner"])

    with pytest.raises(ActionRefused, match="cannot be changed any more"):
        services.record_progress(action, by=people[role], note="One more thing")


@pytest.mark.django_db
def test_progress_note_without_a_move_keeps_the_status(owner):
    action = action_in(S.IN_PROGRESS, owner)

    update = services.record_progress(action, by=owner, note="Half the call handlers trained")

    action.refresh_from_db()
    assert action.status == S.IN_PROGRESS
    assert (update.status_from, update.status_to) == ("", "")
    assert update.author == owner


@pytest.mark.django_db
def test_empty_progress_note_is_refused(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="Write a progress note"):
        services.record_progress(action, by=owner, note="   ")


# Evidence ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_evidence_is_added_by_the_owner_and_leads(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    actor = people[role]

    if role in ("owner", "lead"):
        evidence = services.add_evidence(action, by=actor, title="Audit", url="https://intranet.example/audit")
        assert evidence.added_by == actor
        assert evidence.history.get().history_user == actor
    else:
        with pytest.raises(ActionRefused):
            services.add_evidence(action, by=actor, title="Audit", url="https://intranet.example/audit")
        assert not action.evidence.exists()


@pytest.mark.django_db
def test_evidence_is_a_file_or_a_link_not_neither(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="either a file or a link"):
        services.add_evidence(action, by=owner, title="Nothing attached")


@pytest.mark.django_db
def test_evidence_of_a_submitted_action_is_frozen(owner):
    action = action_in(S.SUBMITTED, owner)

    with pytest.raises(ActionRefused, match="waiting for sign-off"):
        services.add_evidence(action, by=owner, title="Late", url="https://intranet.example/late")


# Submission -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_submission_is_for_the_owner_and_leads(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    factories.EvidenceFactory(action=action)
    actor = people[role]

    if role in ("owner", "lead"):
        services.submit_for_sign_off(action, by=actor, note="All call handlers trained")
        action.refresh_from_db()
        assert action.status == S.SUBMITTED
        assert action.submitted_by == actor
        assert latest_history(action).history_user == actor
        assert latest_history(action).history_change_reason == "All call handlers trained"
    else:
        with pytest.raises(ActionRefused):
            services.submit_for_sign_off(action, by=actor)
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert action.submitted_by is None


@pytest.mark.django_db
def test_submission_needs_evidence(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="Add evidence"):
        services.submit_for_sign_off(action, by=owner)

    action.refresh_from_db()
    assert action.status == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("start", [S.NOT_STARTED, S.BLOCKED, S.SUBMITTED])
def test_only_an_action_in_progress_can_be_submitted(owner, start):
    action = action_in(start, owner)
    factories.EvidenceFactory(action=action)

    with pytest.raises(ActionRefused, match="Only an action in progress"):
        services.submit_for_sign_off(action, by=owner)


# Withdrawal -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("start", [S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.SUBMITTED])
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_withdraws(people, role, start):
    action = action_in(start, people["owner"])
    actor = people[role]

    if role == "lead":
        services.withdraw_action(action, by=actor, reason="Superseded by the new control room model")
        action.refresh_from_db()
        assert action.status == S.WITHDRAWN
        history = latest_history(action)
        assert history.history_user == actor
        assert "Superseded by the new control room model" in history.history_change_reason
        assert action.progress_updates.get().status_to == S.WITHDRAWN
    else:
        with pytest.raises(ActionRefused, match="Only an improvement lead"):
            services.withdraw_action(action, by=actor, reason="No")
        action.refresh_from_db()
        assert action.status == start


@pytest.mark.django_db
def test_withdrawal_needs_a_reason(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="reason"):
        services.withdraw_action(action, by=lead, reason="")

    action.refresh_from_db()
    assert action.status == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("final", [S.SIGNED_OFF, S.WITHDRAWN])
def test_final_actions_cannot_be_withdrawn(lead, owner, final):
    action = action_in(final, owner)

    with pytest.raises(ActionRefused, match="cannot be changed any more"):
        services.withdraw_action(action, by=lead, reason="Tidying up")


@pytest.mark.django_db
def test_withdrawal_closes_a_pending_extension(lead, owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))

    services.withdraw_action(request.action, by=lead, reason="Merged into another action")

    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REFUSED
    assert request.decided_by == lead
