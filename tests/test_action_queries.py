"""The action page costs the same number of queries however long its story."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tracker import services
from tracker.models import Action


def build_story(action, owner, lead, reviewer, rounds: int) -> None:
    """Notes, evidence, extensions and returns: each round adds about ten timeline entries."""
    services.record_progress(action, by=owner, note="Started", move_to=Action.Status.IN_PROGRESS)
    for n in range(rounds):
        services.record_progress(action, by=owner, note=f"Note {n}")
        services.add_evidence(action, by=owner, title=f"Evidence {n}", url=f"https://intranet.example/{n}")
        action.refresh_from_db()
        request = services.request_extension(
            action, by=owner, proposed_date=action.due_date + datetime.timedelta(days=7), reason=f"Round {n}"
        )
        services.decide_extension(request, by=lead, approve=True)
        services.edit_action(action, by=lead, reason="Rename", title=f"Title {n}")
        services.submit_for_sign_off(action, by=owner)
        services.return_action(action, by=reviewer, comment=f"Return {n}")
        services.write_public_summary(action.finding, action=action, by=lead, text=f"Summary {n}")


def count_queries(client, user, action) -> int:
    client.force_login(user)
    url = reverse("tracker:action-detail", args=[action.pk])
    client.get(url)  # warm the session and permission caches as a second visit would
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["owner", "lead", "reviewer", "auditor"])
def test_action_page_query_count_does_not_grow_with_its_timeline(client, owner, lead, reviewer, auditor, viewer):
    people = {"owner": owner, "lead": lead, "reviewer": reviewer, "auditor": auditor}
    short = factories.ActionFactory(owner=owner)
    long = factories.ActionFactory(owner=owner)
    build_story(short, owner, lead, reviewer, rounds=1)
    build_story(long, owner, lead, reviewer, rounds=10)

    assert count_queries(client, people[viewer], short) == count_queries(client, people[viewer], long)


@pytest.mark.django_db
def test_action_page_queries_are_pinned(client, owner, lead, reviewer):
    action = factories.ActionFactory(owner=owner)
    build_story(action, owner, lead, reviewer, rounds=2)

    # 1 session, 2 user, 3-4 the viewer's permissions (own and through groups),
    # 5 the action with its finding, inspection, owner and theme, 6-9 its
    # progress notes, evidence, sign-offs and extension requests (prefetched),
    # 10 its history, 11 the owners named in that history, 12 its public summaries
    # with their writers, 13-15 the session saved again (savepoint, update,
    # release) to push back its idle expiry.
    assert count_queries(client, owner, action) == 15
