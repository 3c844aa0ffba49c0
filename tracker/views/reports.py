"""The PCC office's pages: the sign-off queue, and the Police and Crime Panel report (staff and public versions)."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import permissions
from ..filters import RAGS, rag_q
from ..forms import PanelReportForm
from ..models import (
    Action,
    Finding,
    Inspection,
    ProgressUpdate,
    RegisterEntry,
    RegisterStatus,
    SignOff,
)
from . import require_plan_access

S = Action.Status
# The panel meets every two or three months: "recently" means since about the last meeting.
PANEL_RECENT_DAYS = 90
QUEUE_PAGE_SIZE = 50


@require_safe
def review_queue(request):
    user = request.user
    permissions.require_review_queue(user)
    queue = (
        Action.objects.visible_to(user)
        .filter(status=S.SUBMITTED)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )
    # A page at a time, as the action list: a backlog of hundreds must not make one enormous page.
    # The page is sorted from the (status, submitted_at) index alone; only its own rows are then
    # read in full, joined and counted.
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    actions = list(
        Action.objects.filter(pk__in=page.object_list)
        .for_list()
        .select_related("submitted_by")
        .annotate(evidence_count=Count("evidence"))
        .order_by("submitted_at", "pk")
    )
    for action in actions:
        action.is_conflicted = permissions.is_conflicted(user, action)
    return render(request, "tracker/review_queue.html", {"actions": actions, "page": page, "nav": "review"})


def counts_by_inspection(actions, today: datetime.date) -> dict[int, dict[str, int]]:
    """Each inspection's actions counted by status and by RAG, in one query."""
    rows = (
        actions.order_by()
        .values("finding__inspection")
        .annotate(
            total=Count("pk"),
            **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in S.values},
            **{f"rag_{rag}": Count("pk", filter=rag_q(rag, today)) for rag in RAGS},
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


def panel_inspections(chosen, today: datetime.date, since: datetime.date) -> list:
    """The chosen inspections, each with what the panel report says of it."""
    inspections = list(
        chosen.annotate(drift=Coalesce(Sum("findings__actions__drift"), 0)).order_by("-published", "title", "pk")
    )
    actions = Action.objects.filter(finding__inspection__in=chosen)
    since_start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    counts = counts_by_inspection(actions, today)
    unallocated = Finding.objects.filter(
        ~Exists(Action.objects.filter(finding=OuterRef("pk"))), inspection__in=chosen
    ).order_by("pk")
    signed_off = (
        # Since the start of that day, not decided_at__date: a plain range, with no date() worked out for every row.
        SignOff.objects.filter(action__in=actions, decision=SignOff.Decision.APPROVE, decided_at__gte=since_start)
        .select_related("action__finding", "decided_by")
        .order_by("decided_at", "pk")
    )

    latest_entry = RegisterEntry.objects.filter(finding=OuterRef("pk")).order_by("-date", "-pk")
    on_register = (
        Finding.objects.filter(inspection__in=chosen)
        .exclude(register_id="")
        .with_progress()
        .annotate(
            register_status=Subquery(latest_entry.values("status")[:1]),
            register_date=Subquery(latest_entry.values("date")[:1]),
        )
        .order_by("pk")
    )

    by_pk = {inspection.pk: inspection for inspection in inspections}
    for inspection in inspections:
        row = counts.get(inspection.pk, {})
        inspection.total = row.get("total", 0)
        inspection.by_status = [(label, row.get(f"status_{value}", 0)) for value, label in S.choices]
        inspection.by_rag = [(rag, row.get(f"rag_{rag}", 0)) for rag in RAGS]
        inspection.clock = inspection.response_clock(today)
        inspection.red, inspection.unallocated, inspection.signed_off, inspection.register = [], [], [], []
    for action in red_actions(actions, today):
        by_pk[action.finding.inspection_id].red.append(action)
    for finding in unallocated:
        by_pk[finding.inspection_id].unallocated.append(finding)
    for sign_off in signed_off:
        by_pk[sign_off.action.finding.inspection_id].signed_off.append(sign_off)
    for finding in on_register:
        finding.register_label = RegisterStatus(finding.register_status).label if finding.register_status else ""
        by_pk[finding.inspection_id].register.append(finding)
    return inspections


@require_safe
def panel_report(request):
    """For the Police and Crime Panel, on one inspection or every one; ?public=1 leaves out staff names."""
    require_plan_access(request)
    today = timezone.localdate()
    since = today - datetime.timedelta(days=PANEL_RECENT_DAYS)
    visible = Inspection.objects.visible_to(request.user)
    offered = list(visible.order_by("-published", "title", "pk").values_list("slug", "title"))
    # With nothing asked, the report is on the latest inspection, and says how to choose another.
    asked = (
        request.GET
        if "inspection" in request.GET
        else {"inspection": offered[0][0] if offered else PanelReportForm.EVERY}
    )
    form = PanelReportForm(asked, inspections=offered)
    inspections = panel_inspections(form.chosen(visible), today, since) if form.is_valid() else []
    public = request.GET.get("public") == "1"
    return render(
        request,
        "tracker/panel_report.html",
        {
            "form": form,
            "inspections": inspections,
            "offered_count": len(offered),
            "scope": urlencode({"inspection": form.data.get("inspection", "")}),
            "public": public,
            "generated": timezone.localtime(),
            "since": since,
            "recent_days": PANEL_RECENT_DAYS,
            "due_soon_days": settings.TRACKER_DUE_SOON_DAYS,
            "nav": "panel",
        },
        status=200 if form.is_valid() else 400,
    )
