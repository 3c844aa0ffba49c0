"""The inspections: the list, one inspection with its findings tree, burn-up and section 55 clock, and its forms.

What the list and the inspection's page show is worked out in tracker/selectors/inspections.py.

Each form view answers GET with the form on a page of its own and POST by
calling one service; a refused or invalid POST shows the form again with
what was typed and why.
"""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import permissions, services
from ..forms import InspectionForm, PccResponseForm
from ..models import Finding, Inspection
from ..selectors import inspections as selected
from . import form_page, posted, require_plan_access, run_form


def get_inspection(request, slug: str) -> Inspection:
    """The inspection if this person may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(Inspection.objects.visible_to(request.user), slug=slug)


# Pages ------------------------------------------------------------------------------------


@require_safe
def inspection_list(request):
    require_plan_access(request)
    inspections = selected.inspection_list(request.user, timezone.localdate())
    return render(
        request,
        "tracker/inspection_list.html",
        {"inspections": inspections, "can_manage": permissions.can_manage_plan(request.user), "nav": "inspections"},
    )


@require_safe
def inspection_detail(request, slug: str):
    inspection = get_inspection(request, slug)
    user = request.user
    return render(
        request,
        "tracker/inspection_detail.html",
        {
            "inspection": inspection,
            **selected.inspection_page(inspection, timezone.localdate()),
            "can_manage": permissions.can_manage_plan(user),
            "can_import": permissions.can_import_findings(user, inspection),
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
