"""The inspections: the list, one inspection with its findings tree, burn-up and section 55 clock, and its forms.

Each form view answers GET with the form on a page of its own and POST by
calling one service; a refused or invalid POST shows the form again with
what was typed and why.
"""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import charts, permissions, services
from ..forms import InspectionForm, PccResponseForm
from ..models import Action, Finding, Inspection
from . import form_page, posted, require_plan_access, run_form

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
        inspection.clock = inspection.response_clock(today)
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
            "clock": inspection.response_clock(today),
            "burn_up_points": points,
            "burn_up_svg": charts.burn_up_svg(points, today=today, title=f"Progress over time: {inspection.title}"),
            "can_manage": permissions.can_manage_plan(user),
            "can_record_response": permissions.can_record_pcc_response(user),
            "nav": "inspections",
        },
    )


# Forms ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def inspection_create(request):
    permissions.require_manage_plan(request.user, "add or edit inspections")

    def run(data):
        return "Inspection added", services.create_inspection(by=request.user, **data)

    form = InspectionForm(posted(request))
    return run_form(request, form, run) or form_page(
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
    permissions.require_manage_plan(request.user, "add or edit inspections")

    def run(data):
        changes = {name: data[name] for name in form.changed_data}
        if not changes:
            return "Nothing was changed", inspection
        return "Inspection updated", services.update_inspection(inspection, by=request.user, **changes)

    form = InspectionForm(posted(request), instance=inspection)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Edit this inspection",
        button="Save changes",
        caption=inspection.title,
        cancel_url=reverse("tracker:inspection-detail", args=[inspection.slug]),
        breadcrumbs=[(reverse("tracker:inspection-detail", args=[inspection.slug]), inspection.title)],
    )


@require_http_methods(["GET", "POST"])
def inspection_response(request, slug: str):
    inspection = get_inspection(request, slug)
    permissions.require_record_pcc_response(request.user)
    initial = {
        "comments_invited": inspection.comments_invited,
        "comments_received": inspection.comments_received,
        "response_published": inspection.response_published,
        "response_link": inspection.response_link,
    }
    recommendations = inspection.findings.filter(kind=Finding.Kind.RECOMMENDATION).order_by("pk")

    def run(data):
        dates_and_link = {name: data[name] for name in initial}
        services.record_pcc_response(inspection, by=request.user, explanations=form.explanations, **dates_and_link)
        return "PCC response recorded", inspection

    form = PccResponseForm(posted(request), initial=initial, recommendations=recommendations)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Record the PCC response",
        button="Save response",
        caption=inspection.title,
        clock=inspection.response_clock(timezone.localdate()),
        cancel_url=reverse("tracker:inspection-detail", args=[inspection.slug]),
        breadcrumbs=[(reverse("tracker:inspection-detail", args=[inspection.slug]), inspection.title)],
    )
