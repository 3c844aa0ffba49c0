"""The owner's dashboard leads with what to do next: their actions that need them, most urgent first,
each with the one thing it needs; then their actions counted, one card per state."""

import datetime
import re

import pytest
from django.utils import timezone

from tests import factories
from tests.test_dashboards import card_count, dashboard, make_action, return_action
from tracker.models import Action, ExtensionRequest
from tracker.selectors import dashboards

pytestmark = pytest.mark.django_db

S = Action.Status
RETURNED = "Make the changes the reviewer asked for and submit it again"
OVERDUE = "Ask for more time or submit it"
NOTE = "Add a progress note"
ITEM = re.compile(
    r'<li class="to-do__item">\s*<a class="to-do__title" href="/actions/(\d+)/">[^<]*</a>\s*'
    r'<p class="to-do__needs"><strong class="tag tag--\w+">([^<]*)</strong> ([^<]*)</p>'
)


def quiet_for(days: int, due_in: int = 60, **kwargs) -> Action:
    """An action with no progress note for `days` days, due well after the due-soon window unless told."""
    return make_action(S.IN_PROGRESS, due_in, last_progress_at=timezone.now() - datetime.timedelta(days=days), **kwargs)


def make_date(offset: int) -> str:
    return f"{timezone.localdate() + datetime.timedelta(days=offset):%-d %B %Y}"


def to_do(user) -> list[tuple[str, str, str]]:
    """The owner's list as (action title, why it is there, what it needs)."""
    section = dashboards.owner_section(user, timezone.localdate())
    return [(item.action.title, item.why, item.needs) for item in section["to_do"]]


def test_the_list_goes_returned_overdue_due_soon_then_no_recent_note(owner, reviewer):
    quiet_for(31, owner=owner, title="Quiet")
    make_action(S.NOT_STARTED, 3, owner=owner, title="Soon")
    make_action(S.BLOCKED, -5, owner=owner, title="Very late")
    make_action(S.IN_PROGRESS, -1, owner=owner, title="Late")
    return_action(make_action(S.IN_PROGRESS, 30, owner=owner, title="Returned"), reviewer)
    make_action(S.IN_PROGRESS, 60, owner=owner, title="On track")  # needs nothing yet

    assert to_do(owner) == [
        ("Returned", "Returned to you by the PCC's office", RETURNED),
        ("Very late", "Overdue by 5 days", OVERDUE),
        ("Late", "Overdue by 1 day", OVERDUE),
        ("Soon", "Due in 3 days", f"Submit it by {make_date(3)}, or ask for more time"),
        ("Quiet", f"No progress note since {make_date(-31)}", NOTE),
    ]


def test_an_action_in_two_states_is_listed_once_for_the_more_urgent(owner, reviewer):
    late_and_returned = make_action(S.IN_PROGRESS, -3, owner=owner, title="Late and returned")
    return_action(late_and_returned, reviewer)
    quiet_for(45, -2, owner=owner, title="Quiet and late")
    quiet_for(45, 0, owner=owner, title="Quiet and due today")

    assert to_do(owner) == [
        ("Late and returned", "Returned to you by the PCC's office", RETURNED),
        ("Quiet and late", "Overdue by 2 days", OVERDUE),
        ("Quiet and due today", "Due today", f"Submit it by {make_date(0)}, or ask for more time"),
    ]


def test_only_actions_in_the_owners_hands_are_listed(owner, reviewer):
    make_action(S.SUBMITTED, -5, owner=owner)  # waiting for the PCC's office, not for them
    make_action(S.SIGNED_OFF, -5, owner=owner)
    make_action(S.WITHDRAWN, -5, owner=owner)
    make_action(S.IN_PROGRESS, -5)  # someone else's
    resubmitted = make_action(S.SUBMITTED, 30, owner=owner)  # returned, then submitted again
    return_action(resubmitted, reviewer)

    assert to_do(owner) == []


def test_time_already_asked_for_is_not_asked_for_again(owner):
    for title, due_in in (("Late", -2), ("Soon", 5)):
        action = make_action(S.IN_PROGRESS, due_in, owner=owner, title=title)
        factories.ExtensionRequestFactory(action=action, status=ExtensionRequest.Status.PENDING)

    wait = "wait for the decision on your request for more time"
    assert to_do(owner) == [
        ("Late", "Overdue by 2 days", f"Submit it, or {wait}"),
        ("Soon", "Due in 5 days", f"Submit it by {make_date(5)}, or {wait}"),
    ]


def test_the_page_shows_each_step_with_a_link_to_its_action_and_the_reviewers_words(client, owner, reviewer):
    returned = make_action(S.IN_PROGRESS, 30, owner=owner)
    return_action(returned, reviewer)  # "Show the audit"
    late = make_action(S.NOT_STARTED, -4, owner=owner)

    page = dashboard(client, owner)

    assert ITEM.findall(page) == [
        (str(returned.pk), "Returned to you by the PCC&#x27;s office", f"{RETURNED}."),
        (str(late.pk), "Overdue by 4 days", f"{OVERDUE}."),
    ]
    assert "The reviewer said: “Show the audit”" in page
    # What to do next comes first, the counts after it.
    assert page.index("What to do next") < page.index("Your actions counted") < page.index('class="card')


def test_the_list_is_cut_short_and_says_how_many_more_need_them(client, owner):
    for n in range(dashboards.TO_DO_LIMIT + 2):
        make_action(S.IN_PROGRESS, -1 - n, owner=owner)

    page = dashboard(client, owner)

    assert len(ITEM.findall(page)) == dashboards.TO_DO_LIMIT
    assert "And 2 more actions that need you" in page


def test_one_more_is_said_in_the_singular(client, owner):
    for n in range(dashboards.TO_DO_LIMIT + 1):
        make_action(S.IN_PROGRESS, -1 - n, owner=owner)

    assert "And 1 more action that needs you" in dashboard(client, owner)


def test_an_owner_with_nothing_to_do_is_told_so(client, owner):
    make_action(S.IN_PROGRESS, 60, owner=owner)

    page = dashboard(client, owner)

    assert not ITEM.findall(page)
    assert "Nothing needs you now" in page


CARDS = [
    "Returned to you by the PCC&#x27;s office",
    "Red: overdue",
    "Amber: at risk",
    "No progress note for 30 days",
    "Green: on track",
    "Complete",
]


def test_one_card_per_state_most_urgent_first(client, owner, reviewer):
    make_action(S.IN_PROGRESS, -1, owner=owner)  # red
    make_action(S.BLOCKED, 60, owner=owner)  # amber: blocked
    quiet_for(40, owner=owner)  # green, with no recent note
    make_action(S.SIGNED_OFF, -5, owner=owner)  # complete
    return_action(make_action(S.IN_PROGRESS, 30, owner=owner), reviewer)  # green, and returned

    page = dashboard(client, owner)
    section = page[page.index('id="owner-title"') :]

    assert re.findall(r"<h3>([^<]+)</h3>\s*<a class=\"card__count\"", section) == CARDS
    counts = [card_count(section, label) for label in CARDS]
    assert counts == [1, 1, 1, 1, 2, 1]
