"""Nothing lost: two people editing one action, and two service calls racing on one action."""

import itertools
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from tests import factories
from tracker import services
from tracker.audit import chain_problems
from tracker.models import Action, SignOff

S = Action.Status


# Two browsers, one action -----------------------------------------------------------------


def edit_form(client, action):
    return client.get(reverse("tracker:action-edit", args=[action.pk])).context["form"]


@pytest.mark.django_db
def test_the_second_of_two_edits_is_refused_with_what_changed_and_keeps_what_was_typed(client, owner, lead, other_lead):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Audit THRIVE use")
    client.force_login(lead)
    first_version = edit_form(client, action)["version"].value()
    second = client.__class__()
    second.force_login(other_lead)
    second_version = edit_form(second, action)["version"].value()
    url = reverse("tracker:action-edit", args=[action.pk])

    saved = client.post(
        url, {"title": "Audit THRIVE use monthly", "owner": owner.pk, "reason": "Clearer", "version": first_version}
    )
    mine = {"title": "Audit THRIVE in every shift", "owner": owner.pk, "reason": "Scope", "version": second_version}
    refused = second.post(url, mine)

    assert saved.status_code == 302
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Someone else changed this action while you were editing it" in html
    assert "title “Audit THRIVE use” → “Audit THRIVE use monthly”" in html
    assert "Audit THRIVE in every shift" in html  # what they typed is still in the form
    action.refresh_from_db()
    assert action.title == "Audit THRIVE use monthly"
    assert action.history.filter(history_change_reason="Scope").count() == 0


@pytest.mark.django_db
def test_saving_again_after_seeing_the_conflict_goes_through(client, owner, lead, other_lead):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Original")
    services.edit_action(action, by=other_lead, reason="Theirs", title="Theirs")
    client.force_login(lead)
    url = reverse("tracker:action-edit", args=[action.pk])
    stale = {"title": "Mine", "owner": owner.pk, "reason": "Mine", "version": 1}

    refused = client.post(url, stale)
    again = client.post(url, {**stale, "version": refused.context["form"]["version"].value()})

    assert refused.status_code == 400
    assert again.status_code == 302
    action.refresh_from_db()
    assert action.title == "Mine"


@pytest.mark.django_db
def test_a_status_move_since_the_form_was_opened_is_a_conflict_too(owner, lead):
    action = factories.ActionFactory(owner=owner)
    services.record_progress(action, by=owner, note="Started", move_to=S.IN_PROGRESS)

    with pytest.raises(services.EditConflict, match="status “Not started” → “In progress”"):
        services.edit_action(action, by=lead, reason="Rename", based_on_version=1, title="Renamed")

    action.refresh_from_db()
    assert action.title != "Renamed"


# Real threads against PostgreSQL ----------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite runs one writer at a time anyway"
)


def race(*calls):
    """Run the calls at the same moment on their own connections; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome, whatever it is, is what the test looks at
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def moves_out_of_submitted(action) -> int:
    """History rows that record the action leaving 'submitted'."""
    rows = list(action.history.order_by("history_id").values_list("status", flat=True))
    return sum(1 for before, after in itertools.pairwise(rows) if before == S.SUBMITTED and after != before)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_signing_off_at_once_leave_one_sign_off():
    owner = factories.OwnerFactory()
    first, second = factories.ReviewerFactory(), factories.ReviewerFactory()
    action = factories.ActionFactory(owner=owner, submitted=True)

    outcomes = race(
        lambda: services.sign_off_action(action, by=first, comment="First"),
        lambda: services.sign_off_action(action, by=second, comment="Second"),
    )

    assert sum(isinstance(outcome, SignOff) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, services.ActionRefused) for outcome in outcomes) == 1
    assert SignOff.objects.filter(action=action).count() == 1
    assert Action.objects.get(pk=action.pk).status == S.SIGNED_OFF
    assert moves_out_of_submitted(action) == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sign_off_racing_a_withdrawal_leaves_one_outcome():
    owner, lead, reviewer = factories.OwnerFactory(), factories.LeadFactory(), factories.ReviewerFactory()
    action = factories.ActionFactory(owner=owner, submitted=True)

    outcomes = race(
        lambda: services.sign_off_action(action, by=reviewer),
        lambda: services.withdraw_action(action, by=lead, reason="Superseded"),
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, services.ActionRefused)]
    assert len(refused) == 1
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception) and outcome not in refused]
    final = Action.objects.get(pk=action.pk).status
    assert final in (S.SIGNED_OFF, S.WITHDRAWN)
    assert SignOff.objects.filter(action=action).count() == (1 if final == S.SIGNED_OFF else 0)
    assert moves_out_of_submitted(action) == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sign_offs_made_at_once_on_different_actions_keep_one_chain():
    owner = factories.OwnerFactory()
    reviewers = [factories.ReviewerFactory() for _ in range(4)]
    actions = [factories.ActionFactory(owner=owner, submitted=True) for _ in range(4)]

    outcomes = race(
        *[lambda a=a, r=r: services.sign_off_action(a, by=r) for a, r in zip(actions, reviewers, strict=True)]
    )

    assert all(isinstance(outcome, SignOff) for outcome in outcomes)
    assert chain_problems() == []
