"""The PCC office's decision on a submitted action: sign-off and return, by a reviewer who neither owns
nor submitted it, nothing half-written when it fails, and sign-offs kept append-only."""

import pytest
from django.db import IntegrityError

from tests import factories
from tests.workflow import ROLES, S, action_in, latest_history
from tracker import services
from tracker.models import SignOff
from tracker.services import ActionRefused

# One person in each role, built once: every test here sees them (conftest's everyone).
pytestmark = pytest.mark.usefixtures("everyone")

# Sign-off and return ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_pcc_reviewer_signs_off(people, role):
    action = action_in(S.SUBMITTED, people["owner"])
    actor = people[role]

    if role == "reviewer":
        sign_off = services.sign_off_action(action, by=actor, comment="Evidence seen at the panel")
        action.refresh_from_db()
        assert action.status == S.SIGNED_OFF
        assert (sign_off.decision, sign_off.decided_by, sign_off.comment) == (
            SignOff.Decision.APPROVE,
            actor,
            "Evidence seen at the panel",
        )
        assert latest_history(action).history_user == actor
    else:
        with pytest.raises(ActionRefused, match="Only a PCC reviewer"):
            services.sign_off_action(action, by=actor)
        action.refresh_from_db()
        assert action.status == S.SUBMITTED
        assert not SignOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_pcc_reviewer_returns(people, role):
    action = action_in(S.SUBMITTED, people["owner"])
    actor = people[role]

    if role == "reviewer":
        services.return_action(action, by=actor, comment="The audit covers one shift only")
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert SignOff.objects.get().decision == SignOff.Decision.RETURN
        history = latest_history(action)
        assert history.history_user == actor
        assert "The audit covers one shift only" in history.history_change_reason
    else:
        with pytest.raises(ActionRefused, match="Only a PCC reviewer"):
            services.return_action(action, by=actor, comment="No")
        action.refresh_from_db()
        assert action.status == S.SUBMITTED


@pytest.mark.django_db
def test_return_needs_a_comment(reviewer, owner):
    action = action_in(S.SUBMITTED, owner)

    with pytest.raises(ActionRefused, match="Say why"):
        services.return_action(action, by=reviewer, comment="  ")

    action.refresh_from_db()
    assert action.status == S.SUBMITTED
    assert not SignOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("service", ["sign_off_action", "return_action"])
@pytest.mark.parametrize("start", [S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.SIGNED_OFF, S.WITHDRAWN])
def test_only_a_submitted_action_is_decided(reviewer, owner, service, start):
    action = action_in(start, owner)

    with pytest.raises(ActionRefused, match="Only a submitted action"):
        getattr(services, service)(action, by=reviewer, comment="Decided")

    action.refresh_from_db()
    assert action.status == start


@pytest.mark.django_db
def test_reviewer_cannot_sign_off_an_action_they_own():
    reviewer = factories.UserFactory(role="PCC reviewer")
    reviewer.groups.add(*factories.OwnerFactory().groups.all())
    action = action_in(S.SUBMITTED, reviewer)

    with pytest.raises(ActionRefused, match="own or submitted"):
        services.sign_off_action(action, by=reviewer)
    with pytest.raises(ActionRefused, match="own or submitted"):
        services.return_action(action, by=reviewer, comment="Not mine to judge")


@pytest.mark.django_db
def test_reviewer_cannot_sign_off_an_action_they_submitted(owner):
    reviewer_and_lead = factories.UserFactory(role="PCC reviewer")
    reviewer_and_lead.groups.add(*factories.LeadFactory().groups.all())
    action = action_in(S.IN_PROGRESS, owner)
    factories.EvidenceFactory(action=action)
    services.submit_for_sign_off(action, by=reviewer_and_lead)

    with pytest.raises(ActionRefused, match="own or submitted"):
        services.sign_off_action(action, by=reviewer_and_lead)


@pytest.mark.django_db
def test_a_returned_action_can_be_resubmitted_and_signed_off(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)
    services.return_action(action, by=reviewer, comment="Add the dip-sample results")
    services.record_progress(action, by=owner, note="Dip-sample results attached")
    services.submit_for_sign_off(action, by=owner)

    services.sign_off_action(action, by=reviewer)

    action.refresh_from_db()
    assert action.status == S.SIGNED_OFF
    assert list(action.sign_offs.values_list("decision", flat=True)) == ["return", "approve"]


@pytest.mark.django_db
def test_a_second_sign_off_is_refused(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)
    services.sign_off_action(action, by=reviewer)

    with pytest.raises(ActionRefused, match="signed off"):
        services.sign_off_action(action, by=factories.ReviewerFactory())

    assert SignOff.objects.count() == 1


@pytest.mark.django_db
def test_sign_off_that_fails_leaves_nothing_half_written(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)
    # An approval already on record (written outside the workflow) makes the
    # sign-off's second write fail after its first has been made.
    SignOff.objects.create(action=action, decision=SignOff.Decision.APPROVE, decided_by=reviewer)
    history_before = action.history.count()

    with pytest.raises(IntegrityError):
        services.sign_off_action(action, by=reviewer)

    action.refresh_from_db()
    assert action.status == S.SUBMITTED
    assert action.history.count() == history_before
    assert SignOff.objects.count() == 1


# Sign-offs are append-only ----------------------------------------------------------------


@pytest.mark.django_db
def test_sign_offs_cannot_be_changed_or_deleted(owner, reviewer):
    sign_off = services.sign_off_action(action_in(S.SUBMITTED, owner), by=reviewer)

    sign_off.comment = "Rewritten later"
    with pytest.raises(TypeError, match="append-only"):
        sign_off.save()
    with pytest.raises(TypeError, match="append-only"):
        sign_off.delete()
    with pytest.raises(TypeError, match="append-only"):
        SignOff.objects.filter(pk=sign_off.pk).update(comment="Rewritten later")
    with pytest.raises(TypeError, match="append-only"):
        SignOff.objects.all().delete()

    sign_off.refresh_from_db()
    assert sign_off.comment == ""
