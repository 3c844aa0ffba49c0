"""The inspections: the list, one inspection with its findings tree, burn-up and section 55 clock, and its forms.

Each form view answers GET with the form on a page of its own and POST by
calling one service; a refused or invalid POST shows the form again with
what was typed and why.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import charts, permissions, services
from ..forms import InspectionForm, PccResponseForm
from ..models import Action, Finding, Inspection
from . import forbid_unless, posted, require_plan_access

# The findings tree: causes of concern (with their recommendations) first, then
# recommendations standing alone, then areas for improvement.
KIND_HEADINGS = {
    Finding.Kind.CAUSE_OF_CONCERN: "Causes of concern",
    Finding.Kind.RECOMMENDATION: "Recommendations",
    Finding.Kind.AREA_FOR_IMPROVEMENT: "Areas for improvement",
}


def get_inspection(request, slug: str) -> Inspection:
    """The inspection if this person may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(Inspection.objects.visible_to(request.user), slug=slug)


def show_refusal(form, error: services.ActionRefused | ValidationError) -> None:
    """A service's refusal, on the form, in the service's own words."""
    form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


def plan_form_page(request, form, *, heading: str, button: str, cancel_url: str, breadcrumbs=(), **extra):
    return render(
        request,
        "tracker/plan_form.html",
        {
            "form": form,
            "heading": heading,
            "button": button,
            "cancel_url": cancel_url,
            "breadcrumbs": breadcrumbs,
            "nav": "inspections",
            **extra,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# The section 55 clock ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseClock:
    """Where the PCC's section 55 response stands today."""

    deadline: datetime.date | None
    published: datetime.date | None
    days_left: int | None  # negative once overdue; None with no deadline

    @property
    def state(self) -> str:
        if self.published:
            return "published"
        if self.deadline is None:
            return "no_deadline"
        return "overdue" if self.days_left < 0 else "due"

    @property
    def days_late(self) -> int | None:
        """How late the response was published, if it was."""
        if self.published and self.deadline and self.published > self.deadline:
            return (self.published - self.deadline).days
        return None

    @property
    def days_overdue(self) -> int | None:
        return -self.days_left if self.state == "overdue" else None


def response_clock(inspection: Inspection, today: datetime.date) -> ResponseClock:
    deadline = inspection.response_deadline
    days_left = (deadline - today).days if deadline else None
    return ResponseClock(deadline=deadline, published=inspection.response_published, days_left=days_left)


# Pages ------------------------------------------------------------------------------------


@require_safe
def inspection_list(request):
    require_plan_access(request)
    today = timezone.localdate()
    closed = Q(findings__actions__status__in=Action.FINAL_STATUSES)
    inspections = list(
        Inspection.objects.visible_to(request.user).annotate(
            finding_count=Count("findings", distinct=True),
            action_count=Count("findings__actions", distinct=True),
            done_count=Count("findings__actions", filter=closed, distinct=True),
        )
    )
    for inspection in inspections:
        inspection.clock = response_clock(inspection, today)
    return render(
        request,
        "tracker/inspection_list.html",
        {"inspections": inspections, "can_manage": permissions.can_manage_plan(request.user), "nav": "inspections"},
    )


def findings_tree(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Top-level findings grouped by kind (causes of concern first), each with .nested: its recommendations."""
    nested: dict[int, list[Finding]] = {}
    for finding in findings:
        finding.done_count = finding.signed_off_count + finding.withdrawn_count
        if finding.parent_id:
            nested.setdefault(finding.parent_id, []).append(finding)
    groups = []
    for kind, heading in KIND_HEADINGS.items():
        roots = [f for f in findings if f.kind == kind and f.parent_id is None]
        for finding in roots:
            finding.nested = nested.get(finding.pk, [])
        if roots:
            groups.append((heading, roots))
    return groups


@require_safe
def inspection_detail(request, slug: str):
    inspection = get_inspection(request, slug)
    today = timezone.localdate()
    findings = list(inspection.findings.with_progress().select_related("theme").order_by("pk"))
    points = charts.burn_up(charts.burn_up_history(inspection))
    user = request.user
    return render(
        request,
        "tracker/inspection_detail.html",
        {
            "inspection": inspection,
            "judgements": list(inspection.judgements.all()),
            "finding_groups": findings_tree(findings),
            "finding_count": len(findings),
            "clock": response_clock(inspection, today),
            "burn_up_points": points,
            "burn_up_svg": charts.burn_up_svg(points, today=today, title=f"Progress over time: {inspection.title}"),
            "can_manage": permissions.can_manage_plan(user),
            "can_record_response": permissions.can_record_pcc_response(user),
            "nav": "inspections",
        },
    )


# Forms ------------------------------------------------------------------------------------

LEAD_ONLY = "Only an improvement lead can add or edit inspections."


@require_http_methods(["GET", "POST"])
def inspection_create(request):
    forbid_unless(permissions.can_manage_plan(request.user), LEAD_ONLY)
    form = InspectionForm(posted(request))
    if form.is_valid():
        try:
            inspection = services.create_inspection(by=request.user, **form.cleaned_data)
        except (services.ActionRefused, ValidationError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Inspection added")
            return redirect("tracker:inspection-detail", slug=inspection.slug)
    return plan_form_page(
        request,
        form,
        heading="Add an inspection",
        button="Add inspection",
        cancel_url=reverse("tracker:inspection-list"),
        breadcrumbs=[(reverse("tracker:inspection-list"), "Inspections")],
    )


@require_http_methods(["GET", "POST"])
def inspection_edit(request, slug: str):
    inspection = get_inspection(request, slug)
    forbid_unless(permissions.can_manage_plan(request.user), LEAD_ONLY)
    form = InspectionForm(posted(request), instance=inspection)
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                inspection = services.update_inspection(inspection, by=request.user, **changes)
        except (services.ActionRefused, ValidationError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Inspection updated" if changes else "Nothing was changed")
            return redirect("tracker:inspection-detail", slug=inspection.slug)
    # The form has written what was typed onto the instance; the page's links need the saved slug.
    saved = Inspection.objects.get(pk=inspection.pk) if form.is_bound else inspection
    return plan_form_page(
        request,
        form,
        heading="Edit this inspection",
        button="Save changes",
        caption=saved.title,
        cancel_url=reverse("tracker:inspection-detail", args=[saved.slug]),
        breadcrumbs=[(reverse("tracker:inspection-detail", args=[saved.slug]), saved.title)],
    )


@require_http_methods(["GET", "POST"])
def inspection_response(request, slug: str):
    inspection = get_inspection(request, slug)
    forbid_unless(
        permissions.can_record_pcc_response(request.user), "Only the PCC's office can record the PCC's response."
    )
    initial = {
        "comments_invited": inspection.comments_invited,
        "comments_received": inspection.comments_received,
        "response_published": inspection.response_published,
        "response_link": inspection.response_link,
    }
    form = PccResponseForm(posted(request), initial=initial)
    if form.is_valid():
        try:
            services.record_pcc_response(inspection, by=request.user, **form.cleaned_data)
        except (services.ActionRefused, ValidationError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, "PCC response recorded")
            return redirect("tracker:inspection-detail", slug=inspection.slug)
    return plan_form_page(
        request,
        form,
        heading="Record the PCC response",
        button="Save response",
        caption=inspection.title,
        clock=response_clock(inspection, timezone.localdate()),
        cancel_url=reverse("tracker:inspection-detail", args=[inspection.slug]),
        breadcrumbs=[(reverse("tracker:inspection-detail", args=[inspection.slug]), inspection.title)],
    )
