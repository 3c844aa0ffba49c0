"""Each derived state of an action is one condition: SQL and Python agree on every case.

Open, done, withdrawn, overdue, due soon, inactive, drifting and the RAG rating
are written once in tracker/models.py, as Q conditions. Querysets filter and
count with them; a loaded action asks conditions.holds() of the same ones.
These tests build every status at every due date around the boundaries and
check that the database and the Python say the same of each action.
"""

import datetime
import itertools

import pytest
from django.conf import settings
from django.db.models import Q
from django.test import override_settings

from tests import factories
from tests.conftest import FAST_HASHERS
from tests.shared_data import written_once
from tracker import reminders
from tracker.conditions import holds
from tracker.filters import pending_extension_q, returned_q
from tracker.models import (
    Action,
    Rag,
    done_q,
    drifting_q,
    due_soon_q,
    inactive_q,
    open_q,
    overdue_q,
    rag_q,
    through,
    withdrawn_q,
)
from tracker.templatetags.tracker import rag_tag

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
NOW = datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)
# Either side of each boundary: overdue (before today), due soon (up to 14 days ahead by default).
DUE_OFFSETS = [-30, -1, 0, 1, 13, 14, 15, 60]


def build_every_case(owner) -> list[Action]:
    """Every status at every due date; drift and the latest progress varied among them."""
    inactivity = datetime.timedelta(days=settings.TRACKER_INACTIVITY_DAYS)
    finding, lead = factories.FindingFactory(), factories.LeadFactory(username="every-case-lead")
    for n, (status, offset) in enumerate(itertools.product(Action.Status, DUE_OFFSETS)):
        action = factories.ActionFactory(
            status=status,
            due_date=TODAY + datetime.timedelta(days=offset),
            owner=owner,
            finding=finding,
            created_by=lead,
            **factories.STATUS_TRAITS[status],
        )
        quiet = n % 3 != 0
        Action.objects.filter(pk=action.pk).update(
            drift=n % 2,
            last_progress_at=NOW - inactivity - datetime.timedelta(days=1 if quiet else -1),
        )
    return list(Action.objects.order_by("pk"))


@pytest.fixture(scope="module")
def every_case(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end; each test runs in a savepoint."""
    with written_once(django_db_blocker), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield build_every_case(factories.OwnerFactory(username="every-case-owner"))


def pks(actions) -> set[int]:
    return {action.pk for action in actions}


STATES = {
    "open": (open_q, lambda action: action.is_open),
    "done": (done_q, lambda action: action.is_done),
    "withdrawn": (withdrawn_q, lambda action: action.is_withdrawn),
    "overdue": (lambda: overdue_q(TODAY), lambda action: action.is_overdue(TODAY)),
    "due soon": (lambda: due_soon_q(TODAY), lambda action: action.is_due_soon(TODAY)),
    "inactive": (lambda: inactive_q(NOW), lambda action: action.is_inactive(NOW)),
    "drifting": (drifting_q, lambda action: action.is_drifting),
}


@pytest.mark.parametrize("state", STATES)
def test_each_state_selects_in_sql_the_actions_python_says_are_in_it(every_case, state):
    condition, in_python = STATES[state]

    in_sql = pks(Action.objects.filter(condition()))

    assert in_sql == pks(action for action in every_case if in_python(action))
    assert 0 < len(in_sql) < len(every_case), "every state should hold for some cases and not for others"


def test_the_queryset_methods_use_the_same_conditions(every_case):
    actions = Action.objects.all()

    assert pks(actions.open()) == pks(actions.filter(open_q()))
    assert pks(actions.done()) == pks(actions.filter(done_q()))
    assert pks(actions.overdue(TODAY)) == pks(actions.filter(overdue_q(TODAY)))
    assert pks(actions.due_soon(TODAY)) == pks(actions.filter(due_soon_q(TODAY)))
    assert pks(actions.inactive(NOW)) == pks(actions.filter(inactive_q(NOW)))
    assert pks(actions.drifting()) == pks(actions.filter(drifting_q()))


def test_rag_worked_out_in_sql_agrees_with_python_on_every_status_and_due_date(every_case):
    by_python = {action.pk: action.rag(TODAY) for action in every_case}

    by_sql = dict(Action.objects.with_rag(TODAY).values_list("pk", "current_rag"))

    assert by_sql == by_python
    for rag in Rag:
        assert pks(Action.objects.filter(rag_q(rag, TODAY))) == {pk for pk, got in by_python.items() if got == rag}
    assert set(by_python.values()) == {*Rag.values, ""}


def test_each_action_has_at_most_one_rating_and_only_withdrawn_ones_have_none(every_case):
    rated = [pk for rag in Rag for pk in pks(Action.objects.filter(rag_q(rag, TODAY)))]

    assert len(rated) == len(set(rated))
    assert set(rated) == pks(Action.objects.exclude(withdrawn_q()))


def test_rag_follows_the_due_soon_setting(owner, settings):
    settings.TRACKER_DUE_SOON_DAYS = 30
    action = factories.ActionFactory(owner=owner, due_date=TODAY + datetime.timedelta(days=21))

    assert action.rag(TODAY) == Rag.AMBER
    assert Action.objects.with_rag(TODAY).get(pk=action.pk).current_rag == Rag.AMBER
    assert action.is_due_soon(TODAY)


def test_holds_refuses_a_condition_it_cannot_check_without_a_query():
    action = Action(status=Action.Status.IN_PROGRESS, due_date=TODAY)

    for condition in (pending_extension_q(), returned_q(), Q(finding__inspection=1), Q(title__icontains="x")):
        with pytest.raises(ValueError, match="holds"):
            holds(condition, action)


def test_holds_follows_and_or_and_not():
    action = Action(status=Action.Status.BLOCKED, due_date=TODAY)

    assert holds(Q(status=Action.Status.BLOCKED) | Q(due_date__lt=TODAY), action)
    assert not holds(Q(status=Action.Status.BLOCKED) & Q(due_date__lt=TODAY), action)
    assert holds(~Q(due_date__lt=TODAY), action)
    assert holds(Q(), action)


def test_through_asks_a_condition_of_related_actions():
    assert through(done_q(), "findings__actions") == Q(findings__actions__status=Action.Status.SIGNED_OFF)
    assert through(~overdue_q(TODAY), "actions") == ~(
        Q(actions__status__in=Action.OPEN_STATUSES) & Q(actions__due_date__lt=TODAY)
    )


# The rating's labels and colours come from Rag -------------------------------------------


def test_rag_carries_its_labels_and_colours():
    assert [(rag.value, rag.label, rag.short_label) for rag in Rag] == [
        ("red", "Red: overdue", "Red"),
        ("amber", "Amber: at risk", "Amber"),
        ("green", "Green: on track", "Green"),
        ("complete", "Complete", "Complete"),
    ]
    assert [rag.card_colour for rag in Rag] == ["red", "amber", "green", ""]


def test_rag_tag_shows_the_label_in_the_ratings_colour():
    assert rag_tag("amber") == '<strong class="tag tag--amber">Amber: at risk</strong>'
    assert rag_tag(Rag.COMPLETE) == '<strong class="tag tag--complete">Complete</strong>'
    assert rag_tag("") == ""


# The reminders choose with the same conditions -------------------------------------------


def test_reminders_name_exactly_the_overdue_due_soon_and_inactive_actions_in_the_owners_hands(every_case):
    [digest] = reminders.build_digests(today=TODAY, now=NOW)

    reminded = {int(item.key.split(":")[1]) for item in digest.items}
    in_hands = Action.objects.needing_owner()
    assert reminded == pks(in_hands.filter(overdue_q(TODAY) | due_soon_q(TODAY) | inactive_q(NOW)))
    for item in digest.items:
        action = Action.objects.get(pk=item.key.split(":")[1])
        assert ("overdue since" in item.text) == action.is_overdue(TODAY)
        assert (" due " in f" {item.text}") == action.is_due_soon(TODAY)
        assert ("no progress note" in item.text) == action.is_inactive(NOW)
