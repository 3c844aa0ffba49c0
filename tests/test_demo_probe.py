"""The scaling probe (tests/benchmarks/demo.py): the demo plan copied faithfully, and pages that do not grow with it."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.benchmarks import demo
from tracker.audit import chain_problems
from tracker.models import Action, Finding, Inspection, SignOff, User

TIMES = 3


def story(action: Action) -> dict:
    """Everything about an action that a copy must repeat, without the keys that tell the copies apart."""
    return {
        "fields": (action.title, action.status, action.due_date, action.drift, action.created_at, action.submitted_at),
        "history": list(
            action.history.order_by("history_id").values_list("history_type", "history_change_reason", "status")
        ),
        "notes": list(action.progress_updates.order_by("pk").values_list("note", "status_to", "created_at")),
        "evidence": list(action.evidence.order_by("pk").values_list("title", "url")),
        "extensions": list(action.extension_requests.order_by("pk").values_list("status", "proposed_date")),
        "sign_offs": list(action.sign_offs.order_by("pk").values_list("decision", "comment", "decided_at")),
    }


def plan_of(inspection: Inspection) -> list[dict]:
    actions = Action.objects.filter(finding__inspection=inspection).order_by("pk")
    return [story(action) for action in actions]


@pytest.mark.django_db
def test_the_copies_repeat_the_whole_demo_plan_and_leave_it_as_it_was():
    original = demo.seed()
    before = plan_of(original)
    discharged = SignOff.objects.filter(finding__inspection=original).count()

    demo.multiply(TIMES)

    copies = Inspection.objects.exclude(pk=original.pk)
    assert copies.count() == TIMES - 1
    assert plan_of(original) == before  # the Hertfordshire inspection did not grow
    # Every status in the original, and so in each copy.
    assert {row["fields"][1] for row in before} == set(Action.Status.values)
    for copy in copies:
        assert copy.slug != original.slug
        assert plan_of(copy) == before
        assert copy.findings.count() == original.findings.count()
        assert copy.history.count() == original.history.count()
        assert SignOff.objects.filter(finding__inspection=copy).count() == discharged
        assert (
            Finding.history.filter(inspection_id=copy.pk).count()
            == Finding.history.filter(inspection_id=original.pk).count()
        )
    assert Action.objects.count() == TIMES * len(before)
    assert chain_problems() == []  # the copied sign-offs extend the tamper-evident chain


def page_queries(client, url: str) -> int:
    client.get(url)  # warms per-session caches, as any later visit would find them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.django_db
def test_the_probed_pages_run_the_same_queries_on_a_plan_three_times_larger(client):
    original = demo.seed()
    client.force_login(User.objects.get(username="reviewer"))
    pages = [
        reverse("tracker:home"),
        reverse("tracker:review-queue"),
        f"{reverse('tracker:panel-report')}?inspection={original.slug}",
    ]
    small = {url: page_queries(client, url) for url in pages}

    demo.multiply(TIMES)

    assert Action.objects.values("finding__inspection").annotate(n=Count("pk")).count() == TIMES
    assert {url: page_queries(client, url) for url in pages} == small
