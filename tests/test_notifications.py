"""The outbox: each event the issue names writes one email to each person it concerns, in the event's own
transaction, so a refused or rolled-back move writes none (tracker/notifications.py)."""

import datetime

import pytest
from django.db import transaction

from tests import factories
from tracker import clock, services
from tracker.models import Action, Notification, User
from tracker.services import ActionRefused

S = Action.Status
Kind = Notification.Kind
SITE = "https://tracker.example.police.uk"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.TRACKER_SITE_URL = SITE


def outbox() -> list[tuple[str, str]]:
    return list(Notification.objects.order_by("pk").values_list("kind", "recipient__username"))


@pytest.mark.django_db
def test_a_new_action_tells_its_owner_it_is_theirs(lead, owner):
    finding = factories.FindingFactory(reference="AFI7")
    due = clock.today() + datetime.timedelta(days=90)

    action = services.create_action(finding, by=lead, title="Train call handlers", owner=owner, due_date=due)

    assert outbox() == [(Kind.ASSIGNED, "owner")]
    notice = Notification.objects.get()
    assert notice.subject == "Action assigned to you: Train call handlers"
    assert f"{lead} has made you the owner of an action." in notice.body
    assert "Finding: AFI7" in notice.body and f"Due: {due:%-d %B %Y}" in notice.body
    assert f"Open the action: {SITE}/actions/{action.pk}/" in notice.body
    assert f"{SITE}/account/email/" in notice.body
    assert "&" not in notice.subject and "&amp;" not in notice.body  # plain text, not HTML-escaped
    assert (notice.state, notice.attempts, notice.action) == (Notification.State.PENDING, 0, action)
    assert notice.message_id.endswith("@tracker.example.police.uk>")


@pytest.mark.django_db
def test_reassigning_tells_the_new_owner_only(lead, owner, other_owner):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Fix the triage form")

    services.edit_action(action, by=lead, reason="Handover", title="Fix the triage form & its guide")
    assert outbox() == []  # not a change of owner

    services.edit_action(action, by=lead, reason="Handover", owner=other_owner)
    assert outbox() == [(Kind.ASSIGNED, "other-owner")]
    assert Notification.objects.get().subject == "Action assigned to you: Fix the triage form & its guide"


@pytest.mark.django_db
def test_a_return_tells_the_owner_why(reviewer, owner):
    action = factories.ActionFactory(owner=owner, submitted=True)

    services.return_action(action, by=reviewer, comment="The audit covers one shift, not all four.")

    assert outbox() == [(Kind.RETURNED, "owner")]
    body = Notification.objects.get().body
    assert "The audit covers one shift, not all four." in body
    assert f"{reviewer} has returned this action to you." in body


@pytest.mark.django_db
@pytest.mark.parametrize("approve", [True, False])
def test_an_extension_decision_tells_whoever_asked(lead, other_lead, owner, approve):
    request = factories.ExtensionRequestFactory(action__owner=owner, requested_by=other_lead)

    services.decide_extension(request, by=lead, approve=approve, comment="" if approve else "Not this time")

    assert outbox() == [(Kind.EXTENSION_DECIDED, "other-lead")]
    notice = Notification.objects.get()
    verdict = "approved" if approve else "refused"
    assert notice.subject.startswith(f"Extension request {verdict}: ")
    assert f"has {verdict} your request" in notice.body
    assert f"now due {Action.objects.get().due_date:%-d %B %Y}" in notice.body


@pytest.mark.django_db
def test_a_submission_tells_every_reviewer_who_may_decide_it_and_nobody_else(owner, reviewer, lead, auditor):
    second = factories.ReviewerFactory(username="second-reviewer")
    conflicted = factories.ReviewerFactory(username="conflicted-reviewer")
    conflicted.groups.add(*owner.groups.all())
    factories.ReviewerFactory(username="left", is_active=False)
    factories.ReviewerFactory(username="no-address", email="")
    action = factories.ActionFactory(owner=conflicted, in_progress=True)
    factories.EvidenceFactory(action=action)

    services.submit_for_sign_off(action, by=conflicted)

    assert sorted(outbox()) == [(Kind.SUBMITTED, "reviewer"), (Kind.SUBMITTED, second.username)]
    assert "You are one of the PCC reviewers who can sign it off" in Notification.objects.first().body


@pytest.mark.django_db
def test_a_sign_off_tells_the_owner(reviewer, owner):
    action = factories.ActionFactory(owner=owner, submitted=True)

    services.sign_off_action(action, by=reviewer, comment="Seen at the panel")

    assert outbox() == [(Kind.SIGNED_OFF, "owner")]
    assert "Seen at the panel" in Notification.objects.get().body


@pytest.mark.django_db
def test_nobody_is_told_of_what_they_did_themselves(lead):
    lead.groups.add(*factories.OwnerFactory().groups.all())
    finding = factories.FindingFactory()

    services.create_action(finding, by=lead, title="Mine", owner=lead, due_date=clock.today())

    assert outbox() == []


@pytest.mark.django_db
def test_a_refused_move_writes_no_email(reviewer, owner):
    action = factories.ActionFactory(owner=owner, submitted=True)

    with pytest.raises(ActionRefused):
        services.return_action(action, by=reviewer, comment="  ")
    with pytest.raises(ActionRefused):
        services.sign_off_action(action, by=owner)

    assert outbox() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_rolled_back_takes_its_email_with_it(reviewer, owner):
    action = factories.ActionFactory(owner=owner, submitted=True)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.sign_off_action(action, by=reviewer)
        assert outbox() == [(Kind.SIGNED_OFF, "owner")]  # written inside the event's transaction
        raise RuntimeError("the request failed after the service returned")

    assert outbox() == []
    assert Action.objects.get().status == S.SUBMITTED


@pytest.mark.django_db
def test_submission_queries_do_not_grow_with_the_number_of_reviewers(owner, django_assert_num_queries):
    def submit() -> int:
        action = factories.ActionFactory(owner=owner, in_progress=True)
        factories.EvidenceFactory(action=action)
        action = Action.objects.get(pk=action.pk)
        owner_again = User.objects.get(pk=owner.pk)
        owner_again.has_perm("tracker.update_own_action")  # the owner's permissions, read once per request
        with django_assert_num_queries(QUERIES_TO_SUBMIT):
            services.submit_for_sign_off(action, by=owner_again)
        return Notification.objects.filter(action=action).count()

    factories.ReviewerFactory(username="one")
    assert submit() == 1
    for n in range(9):
        factories.ReviewerFactory(username=f"reviewer-{n}")
    assert submit() == 10


# SAVEPOINT, lock the action, evidence exists?, the note, the action's save and its history row,
# the action's finding and owner for the email, the reviewers who may decide, the emails (one INSERT),
# RELEASE SAVEPOINT.
QUERIES_TO_SUBMIT = 11
