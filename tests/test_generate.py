"""The benchmark's plan generator (tests/benchmarks/generate.py), at a tiny scale."""

import pytest
from django.core.management import call_command
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from tests.benchmarks.generate import generate, plan_sizes
from tests.shared_data import written_once
from tracker import permissions, services
from tracker.audit import chain_problems
from tracker.models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    ProgressUpdate,
    SignOff,
    SignOffChain,
    User,
    drift,
    last_progress,
)

SCALE = 0.002  # 1 inspection, 8 findings, 40 actions, 400 rows of action history


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    # Generated once for the module; each test's own transaction undoes what it changes.
    with written_once(django_db_blocker):
        yield generate(SCALE, long_timeline_rounds=2)


@pytest.fixture
def plan(generated, db):
    return generated


def test_plan_has_the_sizes_of_its_scale(plan):
    sizes = plan_sizes(SCALE)

    assert Inspection.objects.count() == sizes["inspections"]
    assert Finding.objects.count() == sizes["findings"]
    assert Action.objects.count() == sizes["actions"]
    # Ten rows of history an action, as in the large plan (200,000 for 20,000).
    assert Action.history.count() == sizes["action_history"] == 10 * sizes["actions"]
    assert plan["counts"]["actions"] == sizes["actions"]


def test_plan_has_people_in_every_role(plan):
    for role in permissions.ROLES:
        assert User.objects.filter(groups__name=role).count() == plan_sizes(SCALE)[role]
    assert User.objects.filter(is_superuser=True).count() == 1


def test_plan_has_actions_in_every_status_some_overdue_and_extended(plan):
    assert set(Action.objects.values_list("status", flat=True)) == set(Action.Status.values)
    assert plan["overdue"] > 0
    assert ExtensionRequest.objects.filter(status=ExtensionRequest.Status.APPROVED).exists()
    assert ProgressUpdate.objects.exists()
    assert Evidence.objects.exists()


def test_generated_sign_offs_keep_the_chain_valid(plan):
    assert SignOff.objects.exists()
    assert chain_problems() == []
    assert SignOffChain.objects.get(pk=1).length == SignOff.objects.count()
    call_command("verify_audit")  # raises CommandError when the chain is broken


def test_history_says_who_when_and_why(plan):
    history = Action.history.all()

    assert not history.filter(history_user__isnull=True).exists()
    assert not history.filter(history_change_reason="").exists()
    assert history.filter(history_type="+").count() == Action.objects.count()
    first, last = history.order_by("history_date")[0].history_date, history.order_by("-history_date")[0].history_date
    assert (last - first).days > 90  # spread over months, not written all at once


def test_history_ends_where_the_action_is(plan):
    for action in Action.objects.all():
        latest = action.history.order_by("-history_date", "-history_id").first()
        assert (latest.status, latest.due_date, latest.version) == (action.status, action.due_date, action.version)


def test_workflow_rules_hold_in_the_generated_plan(plan):
    done = [Action.Status.SUBMITTED, Action.Status.SIGNED_OFF]
    without_evidence = Action.objects.filter(status__in=done).annotate(n=Count("evidence")).filter(n=0)
    assert not without_evidence.exists()
    approvals = SignOff.objects.filter(action__isnull=False, decision=SignOff.Decision.APPROVE)
    assert approvals.count() == Action.objects.filter(status=Action.Status.SIGNED_OFF).count()
    conflicted = approvals.filter(Q(decided_by=F("action__owner")) | Q(decided_by=F("action__submitted_by")))
    assert not conflicted.exists()
    moved = Action.objects.exclude(due_date=F("original_due_date"))
    assert set(moved.values_list("pk", flat=True)) <= set(
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.APPROVED).values_list("action", flat=True)
    )


def test_records_made_after_generating_are_stamped_with_the_time_they_are_made(plan):
    action = Action.objects.filter(status=Action.Status.IN_PROGRESS).select_related("owner").first()
    before = timezone.now()

    note = services.record_progress(action, by=action.owner, note="Made after the bulk load")

    assert before <= note.created_at <= timezone.now()


def test_services_work_on_a_generated_plan_and_a_second_plan_continues_the_chain(plan):
    submitted = Action.objects.filter(status=Action.Status.SUBMITTED).select_related("owner").first()
    reviewer = User.objects.filter(groups__name=permissions.REVIEWER).first()
    services.sign_off_action(submitted, by=reviewer, comment="Checked")
    services.record_progress(
        Action.objects.filter(status=Action.Status.IN_PROGRESS).first(),
        by=User.objects.filter(groups__name=permissions.LEAD).first(),
        note="A note through the service after the bulk load",
    )

    generate(SCALE, seed=1, long_timeline_rounds=2)

    assert Action.objects.count() == 2 * plan_sizes(SCALE)["actions"]
    assert chain_problems() == []


def test_kept_sums_agree_with_the_records(plan):
    """last_progress_at and drift, written by the generator, are what the models would keep."""
    worked_out = Action.objects.annotate(progress=last_progress(OuterRef("pk")), approved=drift(OuterRef("pk")))
    assert worked_out.filter(drift__gt=0).exists()
    assert worked_out.filter(last_progress_at__gt=F("created_at")).exists()
    assert not worked_out.exclude(last_progress_at=F("progress")).exists()
    assert not worked_out.exclude(drift=F("approved")).exists()
    submissions = ProgressUpdate.objects.filter(action=OuterRef("pk"), status_to=Action.Status.SUBMITTED)
    submitted = Action.objects.filter(submitted_by__isnull=False).annotate(
        latest=Subquery(submissions.order_by("-created_at").values("created_at")[:1])
    )
    assert submitted.exists()
    assert not submitted.exclude(submitted_at=F("latest")).exists()
