"""tracker.bulk: what a BulkPlan writes, and the history and chain it keeps the way the services do."""

import datetime

import pytest
from django.utils import timezone

from tests import factories
from tracker import services
from tracker.audit import chain_problems
from tracker.bulk import BulkPlan
from tracker.models import Action, ExtensionRequest, ProgressUpdate, SignOff, SignOffChain

S = Action.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def start():
    return timezone.now() - 30 * DAY


@pytest.fixture
def finding(db):
    return factories.FindingFactory()


def story(bulk: BulkPlan, finding, owner, lead, reviewer, start) -> Action:
    """An action created, started, extended once, submitted and signed off, told to bulk."""
    action = Action(
        finding=finding,
        title="Audit a sample of investigations each month",
        owner=owner,
        created_by=lead,
        due_date=start.date() + 20 * DAY,
        original_due_date=start.date() + 20 * DAY,
        created_at=start,
        updated_at=start,
        last_progress_at=start,
    )
    bulk.add(action, when=start, by=lead, reason="Action created")
    action.status = S.IN_PROGRESS
    bulk.save(action, when=start + DAY, by=owner, reason="Started")
    bulk.add(
        ProgressUpdate(action=action, author=owner, note="Started", status_to=S.IN_PROGRESS, created_at=start + DAY)
    )
    request = ExtensionRequest(
        action=action,
        proposed_date=action.due_date + 10 * DAY,
        previous_due_date=action.due_date,
        reason="The audit needs another month of data.",
        requested_by=owner,
        requested_at=start + 2 * DAY,
    )
    bulk.add(request, when=start + 2 * DAY, by=owner, reason=request.reason)
    request.status, request.decided_by, request.decided_at = ExtensionRequest.Status.APPROVED, lead, start + 3 * DAY
    bulk.save(request, when=start + 3 * DAY, by=lead, reason="Extension approved")
    action.due_date = request.proposed_date
    bulk.save(action, when=start + 3 * DAY, by=lead, reason="Extension approved")
    action.status, action.submitted_by, action.submitted_at = S.SUBMITTED, owner, start + 4 * DAY
    bulk.save(action, when=start + 4 * DAY, by=owner, reason="Submitted")
    action.status = S.SIGNED_OFF
    bulk.save(action, when=start + 5 * DAY, by=reviewer, reason="Signed off")
    bulk.add(SignOff(action=action, decision=SignOff.Decision.APPROVE, decided_by=reviewer, decided_at=start + 5 * DAY))
    return action


def test_history_rows_hold_who_when_why_and_the_record_as_it_stood(finding, owner, lead, reviewer, start):
    bulk = BulkPlan()
    action = story(bulk, finding, owner, lead, reviewer, start)

    bulk.write()

    rows = list(Action.history.filter(id=action.pk).order_by("history_id"))
    assert [(row.history_type, row.history_user, row.history_change_reason) for row in rows] == [
        ("+", lead, "Action created"),
        ("~", owner, "Started"),
        ("~", lead, "Extension approved"),
        ("~", owner, "Submitted"),
        ("~", reviewer, "Signed off"),
    ]
    assert [row.history_date for row in rows] == [start + n * DAY for n in (0, 1, 3, 4, 5)]
    assert [row.status for row in rows] == [S.NOT_STARTED, S.IN_PROGRESS, S.IN_PROGRESS, S.SUBMITTED, S.SIGNED_OFF]
    # As the services' saves: every save counted in version and stamped in updated_at.
    assert [row.version for row in rows] == [1, 2, 3, 4, 5]
    saved = Action.objects.get(pk=action.pk)
    assert (saved.version, saved.updated_at) == (5, start + 5 * DAY)
    decision = ExtensionRequest.history.filter(id=ExtensionRequest.objects.get().pk).order_by("history_id")
    assert [row.status for row in decision] == [ExtensionRequest.Status.PENDING, ExtensionRequest.Status.APPROVED]


def test_kept_sums_are_worked_out_from_the_records_written(finding, owner, lead, reviewer, start):
    bulk = BulkPlan()
    action = story(bulk, finding, owner, lead, reviewer, start)

    bulk.write()

    saved = Action.objects.get(pk=action.pk)
    assert saved.last_progress_at == start + DAY
    assert saved.drift == 1


def test_sign_offs_continue_the_chain_the_services_began(finding, owner, lead, reviewer, start):
    services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment="First")
    bulk = BulkPlan()
    story(bulk, finding, owner, lead, reviewer, start)

    bulk.write()
    services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment="Last")

    assert SignOff.objects.count() == 3
    assert SignOffChain.objects.get(pk=1).length == 3
    assert chain_problems() == []


def test_a_tracked_record_needs_its_moment(finding, lead):
    with pytest.raises(ValueError, match="say when it was created"):
        BulkPlan().add(factories.ActionFactory.build(finding=finding, created_by=lead))
