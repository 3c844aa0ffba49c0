"""The Police and Crime Panel report: what it says of each chosen inspection, as plain data."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import (
    Action,
    Finding,
    ProgressUpdate,
    PublicSummary,
    Rag,
    RegisterEntry,
    RegisterStatus,
    SignOff,
    outcome_counts,
    overdue_q,
    rag_q,
    through,
)

S = Action.Status


def offered(visible) -> list[tuple[str, str]]:
    """(slug, title) of each inspection the report may cover, latest first."""
    return list(visible.order_by("-published", "title", "pk").values_list("slug", "title"))


def counts_by_inspection(actions, today: datetime.date) -> dict[int, dict[str, int]]:
    """Each inspection's actions counted by status and by RAG, in one query."""
    rows = (
        actions.order_by()
        .values("finding__inspection")
        .annotate(
            total=Count("pk"),
            **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in S.values},
            **{f"rag_{rag.value}": Count("pk", filter=rag_q(rag, today)) for rag in Rag},
        )
    )
    return {row.pop("finding__inspection"): row for row in rows}


def red_actions(actions, today: datetime.date) -> list[Action]:
    """Overdue actions with their drift and latest progress note: two queries, however many there are."""
    latest_note = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    red = list(
        actions.overdue(today)
        .select_related("owner", "finding")
        .annotate(latest_note_id=Subquery(latest_note))
        .order_by("due_date", "pk")
    )
    # One query however many: in_bulk() splits a long list of ids into several on SQLite.
    latest_notes = actions.overdue(today).annotate(latest_note_id=Subquery(latest_note)).values("latest_note_id")
    notes = {note.pk: note for note in ProgressUpdate.objects.select_related("author").filter(pk__in=latest_notes)}
    for action in red:
        action.latest_note = notes.get(action.latest_note_id)
        action.days_overdue = (today - action.due_date).days
    return red


def finding_rows(chosen, today: datetime.date):
    """Each finding of the chosen inspections with its actions done of total, overdue and drift, and its latest
    public summary (its own or one of its actions'): the panel's question, in one query however many."""
    latest = PublicSummary.objects.filter(finding=OuterRef("pk")).order_by("-written_at", "-pk")
    return (
        Finding.objects.filter(inspection__in=chosen)
        .annotate(
            **outcome_counts("actions"),
            overdue_count=Count("actions", filter=through(overdue_q(today), "actions")),
            drift_total=Coalesce(Sum("actions__drift"), 0),
            public_update=Subquery(latest.values("text")[:1]),
            public_update_at=Subquery(latest.values("written_at")[:1]),
        )
        .order_by("pk")
    )


def _unallocated(chosen):
    return Finding.objects.filter(
        ~Exists(Action.objects.filter(finding=OuterRef("pk"))), inspection__in=chosen
    ).order_by("pk")


def _signed_off_since(actions, since: datetime.date):
    since_start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    return (
        # Since the start of that day, not decided_at__date: a plain range, with no date() worked out for every row.
        SignOff.objects.filter(action__in=actions, decision=SignOff.Decision.APPROVE, decided_at__gte=since_start)
        .select_related("action__finding", "decided_by")
        .order_by("decided_at", "pk")
    )


def _on_register(chosen):
    latest_entry = RegisterEntry.objects.filter(finding=OuterRef("pk")).order_by("-date", "-pk")
    return (
        Finding.objects.filter(inspection__in=chosen)
        .exclude(register_id="")
        .with_progress()
        .annotate(
            register_status=Subquery(latest_entry.values("status")[:1]),
            register_date=Subquery(latest_entry.values("date")[:1]),
        )
        .order_by("pk")
    )


def _with_counts(inspection, row: dict, today: datetime.date) -> None:
    inspection.total = row.get("total", 0)
    inspection.by_status = [(label, row.get(f"status_{value}", 0)) for value, label in S.choices]
    inspection.by_rag = [(rag.value, row.get(f"rag_{rag.value}", 0)) for rag in Rag]
    inspection.clock = inspection.response_clock(today)
    inspection.findings_rows, inspection.red, inspection.unallocated = [], [], []
    inspection.signed_off, inspection.register = [], []


def panel_inspections(chosen, today: datetime.date, since: datetime.date) -> list:
    """The chosen inspections, each with what the panel report says of it."""
    inspections = list(
        chosen.annotate(drift=Coalesce(Sum("findings__actions__drift"), 0)).order_by("-published", "title", "pk")
    )
    by_pk = {inspection.pk: inspection for inspection in inspections}
    # Every query below starts from the chosen inspections' ids, not the slug asked for (which
    # PostgreSQL looked up afresh in each, reading every inspection), and reaches their actions
    # through their findings, an index range each. Counted grouped by inspection, the actions are
    # joined to their findings; listed (overdue, signed off), they are those of a list of findings,
    # which SQLite otherwise found among the overdue actions of the whole plan.
    chosen = list(by_pk)
    actions = Action.objects.filter(finding__in=Finding.objects.filter(inspection__in=chosen))
    counts = counts_by_inspection(Action.objects.filter(finding__inspection__in=chosen), today)
    for inspection in inspections:
        _with_counts(inspection, counts.get(inspection.pk, {}), today)
    for finding in finding_rows(chosen, today):
        by_pk[finding.inspection_id].findings_rows.append(finding)
    for action in red_actions(actions, today):
        by_pk[action.finding.inspection_id].red.append(action)
    for finding in _unallocated(chosen):
        by_pk[finding.inspection_id].unallocated.append(finding)
    for sign_off in _signed_off_since(actions, since):
        by_pk[sign_off.action.finding.inspection_id].signed_off.append(sign_off)
    for finding in _on_register(chosen):
        finding.register_label = RegisterStatus(finding.register_status).label if finding.register_status else ""
        by_pk[finding.inspection_id].register.append(finding)
    return inspections
