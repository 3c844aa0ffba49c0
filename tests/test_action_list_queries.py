"""What the action lists and their exports cost: the same queries for 5 actions as for 50, and the
count pinned, each query named."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.action_lists import S, get_export, make_action
from tracker.models import Action, ExtensionRequest


def build_actions(count: int, *, mine) -> None:
    """Most actions with their own owner, finding and inspection, so that a missing select_related shows."""
    lead = factories.LeadFactory()
    for number in range(count):
        owner = {"owner": mine} if number % 4 == 0 else {}
        action = make_action(list(S)[number % len(S)], due_in=number - 10, created_by=lead, **owner)
        if number % 3 == 0:
            factories.ExtensionRequestFactory(
                action=action, status=ExtensionRequest.Status.APPROVED, decided_by=lead, decided_at=timezone.now()
            )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        get_export(client, url)  # reads a streamed response to the end, inside the context
    return len(queries)


LIST_URLS = [
    "/actions/",
    "/actions/?q=action&status=in_progress&status=blocked&rag=red&kind=area_for_improvement&overdue=on",
    "/actions/?drifting=1",
    "/actions/?returned=1&pending_extension=1",
    "/actions/mine/",
    "/actions/?format=csv",
    "/actions/?format=xlsx",
    "/actions/?status=in_progress&format=csv",
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_query_count_does_not_grow_with_actions(signed_in, lead, url):
    build_actions(5, mine=lead)
    small = queries_for(signed_in, url)
    build_actions(45, mine=lead)
    assert Action.objects.count() == 50

    assert queries_for(signed_in, url) == small


def test_list_query_count_is_pinned(signed_in, lead, django_assert_num_queries):
    build_actions(5, mine=lead)
    # session, user, the user's permissions, its groups' permissions, the count, the page of actions,
    # the owner, inspection and theme choices in the filter form, and the session saved again
    # (savepoint, update, release) to push back its idle expiry.
    with django_assert_num_queries(12):
        signed_in.get("/actions/")


def test_export_query_count_is_pinned(signed_in, lead, django_assert_num_queries):
    build_actions(5, mine=lead)
    # session, user, the user's permissions, its groups' permissions, the actions with their drift, latest
    # note and sign-off (subqueries of that one query), and the session saved again (savepoint, update,
    # release) to push back its idle expiry.
    with django_assert_num_queries(8):
        get_export(signed_in, "/actions/?format=csv")
