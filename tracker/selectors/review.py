"""The sign-off queue: submitted actions, oldest submission first, a page at a time."""

from django.core.paginator import Page, Paginator
from django.db.models import Count

from .. import permissions
from ..models import Action

QUEUE_PAGE_SIZE = 50


def queue_page(user, page_number) -> tuple[Page, list[Action]]:
    """One page of the queue and its actions, each marked .is_conflicted when this reviewer may not decide it."""
    queue = (
        Action.objects.visible_to(user)
        .filter(status=Action.Status.SUBMITTED)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )
    # A page at a time, as the action list: a backlog of hundreds must not make one enormous page.
    # The page is sorted from the (status, submitted_at) index alone; only its own rows are then
    # read in full, joined and counted.
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(page_number)
    actions = list(
        Action.objects.filter(pk__in=page.object_list)
        .for_list()
        .select_related("submitted_by")
        .annotate(evidence_count=Count("evidence"))
        .order_by("submitted_at", "pk")
    )
    for action in actions:
        action.is_conflicted = permissions.is_conflicted(user, action)
    return page, actions
