"""The findings: one finding with its actions and register mirror, and its forms.

Each form view answers GET with the form on a page of its own and POST by
calling one service; a refused or invalid POST shows the form again with
what was typed and why.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import permissions, services
from ..forms import ActionCreateForm, DischargeForm, FindingForm, PublicSummaryForm, RegisterEntryForm
from ..models import Finding
from ..selectors import inspections as selected
from . import breadcrumbs_to, form_page, posted, run_form
from .actions import SUMMARY_INTRO
from .confirm import Answer, answers_key, ask, check_answers, kept_answers, refusal_with_answers
from .inspections import get_inspection

DISCHARGED = "This finding has been discharged: it cannot be changed any more."


def get_finding(request, pk: int) -> Finding:
    """The finding, with its progress, if this person may see it; otherwise 404, as if it did not exist."""
    findings = Finding.objects.visible_to(request.user).with_progress().select_related("inspection", "theme", "parent")
    return get_object_or_404(findings, pk=pk)


def finding_crumbs(finding: Finding) -> list[tuple[str, str]]:
    return breadcrumbs_to(finding.inspection, finding)


@require_safe
def finding_detail(request, pk: int):
    finding = get_finding(request, pk)
    user = request.user
    return render(
        request,
        "tracker/finding_detail.html",
        {
            "finding": finding,
            "inspection": finding.inspection,
            **selected.finding_page(finding, timezone.localdate()),
            "can_manage": permissions.can_change_finding(user, finding),
            "discharge_form": DischargeForm() if permissions.can_discharge(user, finding) else None,
            "immediate_days": settings.TRACKER_IMMEDIATE_DAYS,
            "can_record_response": permissions.can_record_pcc_response(user),
            "can_update_register": permissions.can_manage_plan(user),
            "summary_form": PublicSummaryForm(auto_id="summary-%s")
            if permissions.can_publish_summary(user, finding)
            else None,
            "nav": "inspections",
        },
    )


@require_http_methods(["GET", "POST"])
def finding_create(request, slug: str):
    inspection = get_inspection(request, slug)
    permissions.require_manage_plan(request.user, "add or edit findings")

    def run(data):
        return "Finding added", services.create_finding(by=request.user, inspection=inspection, **data)

    form = FindingForm(posted(request), inspection=inspection)
    inspection_url = reverse("tracker:inspection-detail", args=[inspection.slug])
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Add a finding",
        button="Add finding",
        caption=inspection.title,
        cancel_url=inspection_url,
        breadcrumbs=[(inspection_url, inspection.title)],
    )


@require_http_methods(["GET", "POST"])
def finding_edit(request, pk: int):
    finding = get_finding(request, pk)
    permissions.require_manage_plan(request.user, "add or edit findings")

    def run(data):
        changes = {name: data[name] for name in form.changed_data}
        if changes:
            services.update_finding(finding, by=request.user, **changes)
        return ("Finding updated" if changes else "Nothing was changed"), finding

    form = FindingForm(posted(request), instance=finding, inspection=finding.inspection)
    crumbs = finding_crumbs(finding)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Edit this finding",
        button="Save changes",
        caption=crumbs[-1][1],
        cancel_url=crumbs[-1][0],
        breadcrumbs=crumbs,
        warning=DISCHARGED if finding.is_discharged else "",
    )


def _first_action_defaults(finding: Finding) -> dict:
    """The first action's due date defaults to the deadline the finding's words set, if that is still ahead."""
    suggestion = finding.suggested_due
    if finding.action_count == 0 and suggestion and suggestion.date >= timezone.localdate():
        return {"due_date": suggestion.date}
    return {}


@require_http_methods(["GET", "POST"])
def finding_register(request, pk: int):
    finding = get_finding(request, pk)
    permissions.require_manage_plan(request.user, "update the HMICFRS register mirror")

    def run(data):
        services.add_register_entry(finding, by=request.user, **data)
        return "HMICFRS register update recorded", finding

    form = RegisterEntryForm(posted(request))
    crumbs = finding_crumbs(finding)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Record an HMICFRS register update",
        button="Save update",
        caption=crumbs[-1][1],
        cancel_url=crumbs[-1][0],
        breadcrumbs=crumbs,
    )


@require_http_methods(["GET", "POST"])
def action_create(request, pk: int):
    finding = get_finding(request, pk)
    permissions.require_manage_plan(request.user, "create actions")

    def run(data):
        action = services.create_action(finding, by=request.user, **data)
        return f"Action created and assigned to {action.owner}", action

    form = ActionCreateForm(posted(request), initial=_first_action_defaults(finding))
    crumbs = finding_crumbs(finding)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Create an action",
        button="Create action",
        caption=crumbs[-1][1],
        cancel_url=crumbs[-1][0],
        breadcrumbs=crumbs,
        warning="This finding has been discharged: no more actions can be added to it."
        if finding.is_discharged
        else "",
    )


DISCHARGE_INTRO = (
    "Every action on this finding is signed off or withdrawn. Discharging it records that the PCC's office is "
    "satisfied the finding has been put right; it cannot be undone."
)


def _discharge_page(finding: Finding) -> dict:
    crumbs = finding_crumbs(finding)
    return {"caption": crumbs[-1][1], "cancel_url": crumbs[-1][0], "breadcrumbs": crumbs}


@require_http_methods(["GET", "POST"])
def finding_discharge(request, pk: int):
    finding = get_finding(request, pk)
    permissions.require_discharge(request.user, finding)
    key = answers_key("discharge", finding.pk)
    form = DischargeForm(posted(request), initial=kept_answers(request, key))
    check_url = reverse("tracker:finding-discharge-check", args=[finding.pk])
    return ask(
        request,
        form,
        key=key,
        check_url=check_url,
        heading="Discharge this finding",
        button="Continue",
        intro=DISCHARGE_INTRO,
        **_discharge_page(finding),
    )


@require_http_methods(["GET", "POST"])
def finding_discharge_check(request, pk: int):
    finding = get_finding(request, pk)
    key = answers_key("discharge", finding.pk)
    refusal = refusal_with_answers(request, key, permissions.require_discharge, finding)
    form = DischargeForm(kept_answers(request, key) or None)

    def run(data):
        services.discharge_finding(finding, by=request.user, comment=data["comment"])
        return "Finding discharged", finding

    return check_answers(
        request,
        form,
        key=key,
        question_url=reverse("tracker:finding-discharge", args=[finding.pk]),
        run=run,
        answers=[Answer("Comment", form.data.get("comment", ""), "comment")],
        consequence="Discharging records that the PCC's office is satisfied the finding has been put right. "
        "It is final: no action can be added to it or reopened afterwards.",
        button="Discharge this finding",
        refusal=refusal,
        heading="Check before you discharge this finding",
        **_discharge_page(finding),
    )


@require_http_methods(["GET", "POST"])
def finding_public_summary(request, pk: int):
    finding = get_finding(request, pk)
    permissions.require_publish_summary(request.user, finding)

    def run(data):
        services.write_public_summary(finding, by=request.user, text=data["text"])
        return "Public summary published in the panel's public report", finding

    form = PublicSummaryForm(posted(request))
    crumbs = finding_crumbs(finding)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Write a public summary",
        button="Publish summary",
        caption=crumbs[-1][1],
        cancel_url=crumbs[-1][0],
        breadcrumbs=crumbs,
        intro=SUMMARY_INTRO,
    )
