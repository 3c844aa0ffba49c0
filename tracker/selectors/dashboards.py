"""The dashboard's sections, one function per role, each returning the plain data its template shows.

Every count links to the action list filtered to exactly the actions it
counted: both sides take their conditions from tracker/models.py (the derived
states) and tracker/filters.py (the list's own). Counts
come from one aggregate per section (a filtered Count per card), and lists
are cut short, so a section costs the same queries however large the plan.
"""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from .. import clock
from ..filters import pending_extension_q, returned_q
from ..models import (
    RESPONSE_DEADLINE_DAYS,
    RESPONSE_DEADLINE_FROM,
    RESPONSE_WARNING_DAYS,
    Action,
    ExtensionRequest,
    Finding,
    Inspection,
    Rag,
    SignOff,
    drifting_q,
    due_soon_q,
    inactive_q,
    outcome_counts,
    overdue_q,
    rag_q,
)

LIST_LIMIT = 10
PROGRESS_LIMIT = 10
RED_LIST_LIMIT = 10


def inactive_label() -> str:
    return f"No progress note for {clock.counted(settings.TRACKER_INACTIVITY_DAYS, 'day')}"


CLOCK_LIMIT = 10
HISTORY_LIMIT = 20


@dataclass
class Card:
    """A count of actions and the link that lists exactly those actions."""

    label: str
    count: int
    url: str
    colour: str = ""


def list_url(name: str, **params) -> str:
    """The URL named, with params as its query string."""
    url = reverse(name)
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


# What to do next: the owner's actions that need them, most urgent first. Each is in the
# first of these states it is in, and shows the one thing that state asks of them.
RETURNED, OVERDUE, DUE_SOON, INACTIVE = 1, 2, 3, 4
TO_DO_LIMIT = 6


@dataclass
class ToDo:
    """One of the owner's actions on their to-do list: why it is there, and the one thing it needs."""

    action: Action
    why: str
    needs: str
    colour: str
    reviewer_said: str = ""


def _to_do_states(today: datetime.date, now: datetime.datetime) -> dict[int, Q]:
    """The states that put an action in its owner's hands on the list, most urgent first."""
    return {RETURNED: returned_q(), OVERDUE: overdue_q(today), DUE_SOON: due_soon_q(today), INACTIVE: inactive_q(now)}


def _days(n: int) -> str:
    return f"{n} day{pluralize(n)}"


def _to_do(action: Action, today: datetime.date) -> ToDo:
    """What the action's most urgent state asks of its owner (an extension already asked for is not asked again)."""
    asked = "wait for the decision on your request for more time"
    if action.urgency == RETURNED:
        needs = "Make the changes the reviewer asked for and submit it again"
        return ToDo(action, "Returned to you by the PCC's office", needs, "purple", action.reviewer_said)
    if action.urgency == OVERDUE:
        needs = f"Submit it, or {asked}" if action.asked_for_time else "Ask for more time or submit it"
        return ToDo(action, f"Overdue by {_days((today - action.due_date).days)}", needs, "red")
    if action.urgency == DUE_SOON:
        days = (action.due_date - today).days
        or_else = asked if action.asked_for_time else "ask for more time"
        needs = f"Submit it by {action.due_date:%-d %B %Y}, or {or_else}"
        return ToDo(action, "Due today" if days == 0 else f"Due in {_days(days)}", needs, "amber")
    since = timezone.localdate(action.last_progress_at)
    return ToDo(action, f"No progress note since {since:%-d %B %Y}", "Add a progress note", "grey")


def _to_do_list(user, states: dict[int, Q], today: datetime.date) -> list[ToDo]:
    """The owner's most urgent actions, at most TO_DO_LIMIT of them: one query, however many they own."""
    latest_decision = SignOff.objects.filter(action=OuterRef("pk")).order_by("-decided_at", "-pk")
    urgency = Case(*(When(condition, then=Value(n)) for n, condition in states.items()), default=Value(None))
    waiting = ExtensionRequest.objects.filter(action=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
    actions = (
        Action.objects.owned_by(user)
        .needing_owner()
        .annotate(
            urgency=urgency,
            asked_for_time=Exists(waiting),
            reviewer_said=Subquery(latest_decision.values("comment")[:1]),
        )
        .filter(urgency__isnull=False)
        .order_by("urgency", "due_date", "pk")
    )
    return [_to_do(action, today) for action in actions[:TO_DO_LIMIT]]


def owner_section(user, today: datetime.date) -> dict:
    """What to do next (the owner's most urgent actions), then their actions counted: a card per state.

    Two queries: the list, and one aggregate for the cards and the list's full length.
    """
    states = _to_do_states(today, clock.now())
    counts = Action.objects.owned_by(user).aggregate(
        **{rag.value: Count("pk", filter=rag_q(rag, today)) for rag in Rag},
        returned=Count("pk", filter=states[RETURNED]),
        inactive=Count("pk", filter=states[INACTIVE]),
        to_do=Count("pk", filter=Q(status__in=Action.OWNERS_STATUSES) & reduce(operator.or_, states.values())),
    )
    to_do = _to_do_list(user, states, today)
    mine = "tracker:action-mine"
    rag_card = {rag: Card(rag.label, counts[rag], list_url(mine, rag=rag.value), rag.card_colour) for rag in Rag}
    return {
        "to_do": to_do,
        "to_do_more": counts["to_do"] - len(to_do),
        "due_soon_days": settings.TRACKER_DUE_SOON_DAYS,
        "inactive_days": settings.TRACKER_INACTIVITY_DAYS,
        # Most urgent first, as the list is: each state once.
        "cards": [
            Card("Returned to you by the PCC's office", counts["returned"], list_url(mine, returned=1), "purple"),
            rag_card[Rag.RED],
            rag_card[Rag.AMBER],
            Card(inactive_label(), counts["inactive"], list_url(mine, inactive=1), "amber"),
            rag_card[Rag.GREEN],
            rag_card[Rag.COMPLETE],
        ],
    }


def _inspection_progress(inspection) -> dict:
    total, done = inspection.action_count, inspection.done_count
    actions_of = {"inspection": inspection.slug}
    return {
        "inspection": inspection,
        "total": Card("Actions", total, list_url("tracker:action-list", **actions_of)),
        "signed_off": Card("Signed off", done, list_url("tracker:action-list", **actions_of, status="signed_off")),
        "withdrawn": Card(
            "Withdrawn", inspection.withdrawn_count, list_url("tracker:action-list", **actions_of, status="withdrawn")
        ),
        "percent": round(100 * done / total) if total else 0,
    }


def _latest_inspections_progress() -> list[dict]:
    # The latest inspections only, counted alone: every inspection is on the inspections page.
    latest = Inspection.objects.order_by("-published", "title", "pk")[:PROGRESS_LIMIT]
    # Meta.ordering does not apply to a GROUP BY query, so the order is spelt out.
    inspections = (
        Inspection.objects.filter(pk__in=latest.values("pk"))
        .annotate(**outcome_counts("findings__actions"))
        .order_by("-published", "title", "pk")
    )
    return [_inspection_progress(inspection) for inspection in inspections]


def _lead_cards(today: datetime.date) -> list[Card]:
    # A query each, not one pass with a filter per count: each reads only its own index range.
    counts = {
        name: Action.objects.filter(condition).count()
        for name, condition in (
            ("overdue", overdue_q(today)),
            ("drifting", drifting_q()),
            ("pending_extension", pending_extension_q()),
            ("inactive", inactive_q(clock.now())),
        )
    }
    actions = "tracker:action-list"
    return [
        Card("Overdue actions", counts["overdue"], list_url(actions, overdue="on"), "red"),
        Card("Drifting: due date extended", counts["drifting"], list_url(actions, drifting=1), "amber"),
        Card(inactive_label(), counts["inactive"], list_url(actions, inactive=1), "amber"),
        Card("Extension requests waiting", counts["pending_extension"], list_url(actions, pending_extension=1)),
    ]


def lead_section(today: datetime.date) -> dict:
    """The whole plan for an improvement lead: progress, counts to act on, and what waits for them."""
    inspection_count = Inspection.objects.count()
    progress = _latest_inspections_progress()
    cards = _lead_cards(today)
    awaiting = Finding.objects.filter(~Exists(Action.objects.filter(finding=OuterRef("pk")))).select_related(
        "inspection"
    )
    awaiting_count = awaiting.count()
    pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).select_related(
        "action", "requested_by"
    )
    return {
        "progress": progress,
        "inspection_count": inspection_count,
        "cards": cards,
        "awaiting_count": awaiting_count,
        "awaiting_more": max(awaiting_count - LIST_LIMIT, 0),
        # By inspection, then as recorded: walked along the (inspection) index, stopping at the
        # list's end, where sorting them by the inspection's date read every finding.
        "awaiting": list(awaiting.order_by("inspection_id", "pk")[:LIST_LIMIT]),
        "pending_all": cards[-1],
        "pending": list(pending.order_by("requested_at", "pk")[:LIST_LIMIT]),
        "list_limit": LIST_LIMIT,
    }


def _response_clocks(today: datetime.date) -> tuple[list, bool]:
    """The section 55 clocks still running, soonest deadline first, and whether there are more.

    Every clock that needs a warning (overdue or due soon), and the soonest CLOCK_LIMIT besides:
    the inspections page has every inspection's clock, and the dashboard need not grow with them.
    A deadline is a fixed time after publication, so soonest deadline first is oldest published
    first; reports with no statutory deadline (published before it existed) come last.
    """
    awaiting = Inspection.objects.filter(response_published__isnull=True)
    no_deadline_last = Case(When(published__lt=RESPONSE_DEADLINE_FROM, then=Value(1)), default=Value(0))
    soonest = awaiting.order_by(no_deadline_last, "published", "pk")
    # Due within RESPONSE_WARNING_DAYS or overdue: published on or before this day.
    warned_until = today + datetime.timedelta(days=RESPONSE_WARNING_DAYS - (RESPONSE_DEADLINE_DAYS - 1))
    needs_warning = Q(published__gte=RESPONSE_DEADLINE_FROM, published__lte=warned_until)
    # Of the others, one more than could be shown, to know whether there are more.
    others = soonest.exclude(needs_warning).values("pk")[: CLOCK_LIMIT + 1]
    clocks = [inspection.response_clock(today) for inspection in soonest.filter(needs_warning | Q(pk__in=others))]
    # The warnings are the soonest deadlines: every one is shown, then the others up to CLOCK_LIMIT.
    shown = max(CLOCK_LIMIT, sum(clock.needs_warning for clock in clocks))
    return clocks[:shown], len(clocks) > shown


def reviewer_section(today: datetime.date) -> dict:
    """For the PCC's office: the queue, every status counted, the response clocks and the most overdue."""
    # One GROUP BY status, not a filtered count per status over every action; and COUNT(*), which
    # an index alone can answer (PostgreSQL needs the row for COUNT(id)).
    by_status = dict(Action.objects.order_by().values_list("status").annotate(count=Count("*")))
    counts = {status.value: by_status.get(status.value, 0) for status in Action.Status}
    counts["red"] = Action.objects.filter(rag_q(Rag.RED, today)).count()
    actions = "tracker:action-list"
    # The most overdue first, chosen from the index before anything is joined to them: joined
    # first, every red action was read in full only to keep ten.
    most_overdue = Action.objects.filter(rag_q(Rag.RED, today)).order_by("due_date", "pk").values("pk")[:RED_LIST_LIMIT]
    red = Action.objects.filter(pk__in=most_overdue).for_list().order_by("due_date", "pk")
    clocks, more_clocks = _response_clocks(today)
    return {
        "queue": Card("Waiting for sign-off", counts["submitted"], list_url(actions, status="submitted"), "purple"),
        "status_cards": [
            Card(status.label, counts[status.value], list_url(actions, status=status.value)) for status in Action.Status
        ],
        "clocks": clocks,
        "more_clocks": more_clocks,
        "clock_warnings": [clock for clock in clocks if clock.needs_warning],
        "red": [(action, (today - action.due_date).days) for action in red],
        "red_all": Card(Rag.RED.label, counts["red"], list_url(actions, rag=Rag.RED), Rag.RED.card_colour),
    }


def auditor_section() -> dict:
    """The latest changes to actions, with who made them."""
    history = Action.history.select_related("history_user").order_by("-history_date", "-history_id")
    return {"history": list(history[:HISTORY_LIMIT])}
