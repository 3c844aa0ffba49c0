"""Extensions of an action's due date: requested by its owner or a lead, decided by another lead,
the original due date kept, and nothing half-written when a decision fails."""

import datetime

import pytest

from tests import factories
from tests.workflow import ROLES, S, action_in, latest_history
from tracker import services
from tracker.models import Action, ExtensionRequest
from tracker.services import ActionRefused

# One person in each role, built once: every test here sees them (conftest's everyone).
pytestmark = pytest.mark.usefixtures("everyone")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_extensions_are_requested_by_the_owner_and_leads(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    actor = people[role]
    new_date = action.due_date + datetime.timedelta(days=30)

    if role in ("owner", "lead"):
        request = services.request_extension(action, by=actor, proposed_date=new_date, reason="Training delayed")
        assert (request.status, request.requested_by, request.previous_due_date) == (
            ExtensionRequest.Status.PENDING,
            actor,
            action.due_date,
        )
    else:
        with pytest.raises(ActionRefused):
            services.request_extension(action, by=actor, proposed_date=new_date, reason="Training delayed")
        assert not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_extension_must_move_the_date_later(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="must be after"):
        services.request_extension(action, by=owner, proposed_date=action.due_date, reason="Same day")


@pytest.mark.django_db
def test_only_one_extension_request_waits_at_a_time(owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))

    with pytest.raises(ActionRefused, match="already has an extension request"):
        services.request_extension(request.action, by=owner, proposed_date=request.proposed_date, reason="Asking again")


@pytest.mark.django_db
def test_extension_of_a_submitted_action_is_refused(owner):
    action = action_in(S.SUBMITTED, owner)

    with pytest.raises(ActionRefused, match="waiting for sign-off"):
        services.request_extension(
            action, by=owner, proposed_date=action.due_date + datetime.timedelta(days=1), reason="More time"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_decides_extensions(people, role):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, people["owner"]))
    actor = people[role]

    if role == "lead":
        services.decide_extension(request, by=actor, approve=True, comment="Agreed at the board")
        request.refresh_from_db()
        assert request.status == ExtensionRequest.Status.APPROVED
        assert request.decided_by == actor
    else:
        with pytest.raises(ActionRefused):
            services.decide_extension(request, by=actor, approve=True)
        request.refresh_from_db()
        assert request.status == ExtensionRequest.Status.PENDING


@pytest.mark.django_db
def test_approved_extension_moves_the_due_date_and_keeps_the_original(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    original = action.due_date
    request = services.request_extension(
        action, by=owner, proposed_date=original + datetime.timedelta(days=45), reason="Training places"
    )

    services.decide_extension(request, by=lead, approve=True, comment="Agreed")

    action.refresh_from_db()
    assert action.due_date == original + datetime.timedelta(days=45)
    assert action.original_due_date == original
    history = latest_history(action)
    assert history.history_user == lead
    assert "Extension approved" in history.history_change_reason


@pytest.mark.django_db
def test_refused_extension_leaves_the_due_date_and_needs_a_reason(lead, owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))
    due = request.action.due_date

    with pytest.raises(ActionRefused, match="why the extension is refused"):
        services.decide_extension(request, by=lead, approve=False)
    services.decide_extension(request, by=lead, approve=False, comment="The panel expects this by spring")

    request.refresh_from_db()
    request.action.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REFUSED
    assert request.action.due_date == due


@pytest.mark.django_db
def test_a_lead_cannot_decide_their_own_extension_request(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    request = services.request_extension(
        action, by=lead, proposed_date=action.due_date + datetime.timedelta(days=10), reason="Lead asks"
    )

    with pytest.raises(ActionRefused, match="your own extension request"):
        services.decide_extension(request, by=lead, approve=True)


@pytest.mark.django_db
def test_a_decided_extension_cannot_be_decided_again(lead, owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))
    services.decide_extension(request, by=lead, approve=False, comment="No")

    with pytest.raises(ActionRefused, match="already been decided"):
        services.decide_extension(request, by=lead, approve=True)


@pytest.mark.django_db
def test_extension_decision_that_fails_leaves_nothing_half_written(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    request = factories.ExtensionRequestFactory(action=action)
    # The action closed after the request was made (outside the workflow), so
    # the decision must refuse before writing anything.
    Action.objects.filter(pk=action.pk).update(status=S.WITHDRAWN)

    with pytest.raises(ActionRefused):
        services.decide_extension(request, by=lead, approve=True)

    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.PENDING
    assert request.history.count() == 1
