"""The sign-off queue: submitted actions, oldest submission first, a page at a time."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .. import permissions
from ..models import Action, Evidence

# Half the action list's page: a reviewer works down the queue a few at a time, and the page stays quick
# however long the queue grows.
QUEUE_PAGE_SIZE = 25


def queue_page(user, page_number) -> tuple[Page, list[Action]]:
    """One page of the queue and its actions, each marked .is_conflicted when this reviewer may not decide it."""
    # Each action's evidence counted from the (action) index on its own, not by grouping the
    # joined rows of the whole page, which had every column of six tables sorted for GROUP BY.
    evidence = Evidence.objects.filter(action=OuterRef("pk")).order_by().values("action").annotate(n=Count("*"))
    person = ("first_name", "last_name", "username")  # what str(user) reads
    queue = (
        Action.objects.visible_to(user)
        .filter(status=Action.Status.SUBMITTED)
        .select_related("owner", "submitted_by", "finding__inspection")
        # Only the columns the queue shows: every column of six tables, each converted, cost more
        # than the rest of a full page of the queue.
        .only(
            "title",
            "submitted_at",
            "finding__reference",
            "finding__inspection__title",
            *(f"{who}__{name}" for who in ("owner", "submitted_by") for name in person),
        )
        .annotate(evidence_count=Coalesce(Subquery(evidence.values("n")), 0))
        .order_by("submitted_at", "pk")
    )
    # A page at a time, as the action list: a backlog of hundreds must not make one enormous page.
    # The page is read in the order of the (status, submitted_at) index, and only the page's own
    # rows are joined: a list of its ids, chosen first in a subquery, was joined to the whole
    # actions table by PostgreSQL (a hash join, reading every action).
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(page_number)
    actions = list(page.object_list)
    for action in actions:
        action.is_conflicted = permissions.is_conflicted(user, action)
    return page, actions
