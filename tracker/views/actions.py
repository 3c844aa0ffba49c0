"""The action pages: the list, one action with its timeline, and a view per workflow form.

Each form view answers GET with the form on a page of its own (bookmarkable,
usable without the action page) and POST by calling one service; a refused
or invalid POST shows the form again with what was typed and why.
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import permissions, services
from ..exports import export_response
from ..filters import active_extra_filters, filter_actions, filters_chosen
from ..forms import (
    ActionEditForm,
    ActionFilterForm,
    EvidenceForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressForm,
    PublicSummaryForm,
    SignOffDecisionForm,
    SubmitForm,
    WithdrawForm,
)
from ..models import Action, Evidence, ExtensionRequest
from ..selectors import actions as selected
from . import breadcrumbs_to, form_page, posted, require_plan_access, run_form, show_refusal
from .confirm import Answer, answers_key, ask, check_answers, kept_answers, refusal_with_answers

NOTES_ARE_INTERNAL = (
    "Progress notes are internal: they are never published. The panel's public report shows only the public "
    "summaries an improvement lead or the PCC's office writes."
)
SUMMARY_INTRO = (
    "The panel's public report shows the latest public summary of each finding, or of one of its actions, "
    "as written here: writing it approves it for publishing."
)


def get_action(request, pk: int) -> Action:
    """The action if this person may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(Action.objects.visible_to(request.user).for_list(), pk=pk)


# Lists ------------------------------------------------------------------------------------


def _list_page(request, queryset, *, heading: str, nav: str):
    require_plan_access(request)
    today = timezone.localdate()
    form = ActionFilterForm(request.GET or None)
    actions = filter_actions(queryset, form, today)
    if (export := request.GET.get("format")) in ("csv", "xlsx"):
        return export_response(actions, export, today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"heading": heading, "nav": nav, "form": form, "query": query.urlencode(), "today": today}
    page = selected.list_page(actions, request.GET.get("page"))
    return render(
        request,
        "tracker/action_list.html",
        {**context, "page": page, "extra_filters": active_extra_filters(form), "filters_open": filters_chosen(form)},
    )


@require_safe
def action_list(request):
    return _list_page(request, Action.objects.visible_to(request.user), heading="Actions", nav="actions")


@require_safe
def action_mine(request):
    mine = Action.objects.visible_to(request.user).owned_by(request.user)
    return _list_page(request, mine, heading="My actions", nav="mine")


# One action -------------------------------------------------------------------------------


def _forms_for(user, action: Action) -> dict:
    """The forms on the action page this person may use.

    The page holds several forms whose fields share names (comment, note,
    reason), so each gets ids of its own: a label must name its own field.
    """
    forms = {}
    if permissions.can_update_action(user, action):
        forms["progress_form"] = ProgressForm(action=action, auto_id="progress-%s")
    if permissions.can_add_evidence(user, action):
        forms["evidence_form"] = EvidenceForm(auto_id="evidence-%s")
    if permissions.can_submit(user, action):
        forms["submit_form"] = SubmitForm(auto_id="submit-%s")
    if permissions.can_request_extension(user, action):
        forms["extension_form"] = ExtensionRequestForm(action=action, auto_id="extension-%s")
    pending = action.pending_extension()
    if pending and permissions.can_decide_extension(user, pending):
        forms["decision_form"] = ExtensionDecisionForm(auto_id="decision-%s")
    version = {"version": action.version}
    if permissions.can_decide_sign_off(user, action):
        forms["sign_off_form"] = SignOffDecisionForm(initial=version, auto_id="sign-off-%s")
    if permissions.can_publish_summary(user, action.finding):
        forms["summary_form"] = PublicSummaryForm(auto_id="summary-%s")
    if permissions.can_withdraw(user, action):
        forms["withdraw_form"] = WithdrawForm(initial=version, auto_id="withdraw-%s")
    return forms


@require_safe
def action_detail(request, pk: int):
    user = request.user
    action = get_object_or_404(Action.objects.visible_to(user).for_detail(), pk=pk)
    return render(
        request,
        "tracker/action_detail.html",
        {
            **selected.action_page(action, timezone.localdate()),
            **_forms_for(user, action),
            "can_edit": permissions.can_edit_action(user, action),
            "is_conflicted": permissions.is_reviewer(user) and permissions.is_conflicted(user, action),
            "nav": "actions",
        },
    )


def about(action: Action) -> dict:
    """What every form page of an action shows: the action, where it sits, and the way back to it."""
    return {
        "caption": action.title,
        "hint": f"Status: {action.get_status_display()}. Owner: {action.owner}. Due {action.due_date:%-d %B %Y}.",
        "cancel_url": action.get_absolute_url(),
        "breadcrumbs": breadcrumbs_to(action.finding.inspection, action.finding, action),
        "nav": "actions",
    }


@require_http_methods(["GET", "POST"])
def action_progress(request, pk: int):
    action = get_action(request, pk)
    permissions.require_update_action(request.user, action)

    def run(data):
        services.record_progress(action, by=request.user, note=data["note"], move_to=data.get("move_to", ""))
        return "Progress note added", action

    form = ProgressForm(posted(request), action=action)
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Add a progress note",
        button="Add progress note",
        intro=NOTES_ARE_INTERNAL,
        **about(action),
    )


@require_http_methods(["GET", "POST"])
def action_public_summary(request, pk: int):
    action = get_action(request, pk)
    permissions.require_publish_summary(request.user, action.finding)

    def run(data):
        services.write_public_summary(action.finding, action=action, by=request.user, text=data["text"])
        return "Public summary published in the panel's public report", action

    form = PublicSummaryForm(posted(request))
    return run_form(request, form, run) or form_page(
        request, form, heading="Write a public summary", button="Publish summary", intro=SUMMARY_INTRO, **about(action)
    )


@require_http_methods(["GET", "POST"])
def action_evidence(request, pk: int):
    action = get_action(request, pk)
    permissions.require_add_evidence(request.user, action)

    def run(data):
        services.add_evidence(action, by=request.user, title=data["title"], file=data["file"], url=data["url"])
        return "Evidence added", action

    form = EvidenceForm(posted(request), request.FILES or None)
    return run_form(request, form, run) or form_page(
        request, form, heading="Add evidence", button="Add evidence", **about(action)
    )


@require_safe
def evidence_download(request, pk: int, evidence_pk: int):
    """Evidence files never sit in a public folder: they are served here, to people who may see the action."""
    action = get_action(request, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, action=action)
    if not evidence.file:
        raise Http404("This evidence is a link, not a file.")
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.file.name.rsplit("/", 1)[-1]
    )
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def action_submit(request, pk: int):
    action = get_action(request, pk)
    permissions.require_submit(request.user, action)

    def run(data):
        services.submit_for_sign_off(action, by=request.user, note=data["note"])
        return "Submitted for sign-off: the PCC's office will review it", action

    form = SubmitForm(posted(request))
    return run_form(request, form, run) or form_page(
        request, form, heading="Submit for sign-off", button="Submit for sign-off", **about(action)
    )


# Decisions that cannot be undone: a question, a check of the answers, then the decision (see .confirm).

SIGN_OFF_CONSEQUENCES = {
    SignOffDecisionForm.SIGN_OFF: (
        "Sign off this action",
        "Signing off records that the PCC's office is satisfied the action is done. It is final: the action "
        "cannot be changed or reopened afterwards.",
    ),
    SignOffDecisionForm.RETURN: (
        "Return to the owner",
        "The action goes back to its owner as in progress, with your comment at the top of its page; they "
        "answer it and submit it again.",
    ),
}


def _decision_question(request, pk: int, preselect: str = ""):
    action = get_action(request, pk)
    permissions.require_decide_sign_off(request.user, action)
    key = answers_key("sign-off", action.pk)
    initial = {"decision": preselect, **kept_answers(request, key), "version": action.version}
    form = SignOffDecisionForm(posted(request), initial=initial)
    check_url = reverse("tracker:action-sign-off-check", args=[action.pk])
    page = {"heading": "Decide this action", "button": "Continue", **about(action)}
    return ask(request, form, key=key, check_url=check_url, version=action.version, **page)


@require_http_methods(["GET", "POST"])
def action_sign_off(request, pk: int):
    return _decision_question(request, pk)


@require_http_methods(["GET", "POST"])
def action_return(request, pk: int):
    """The decision's question, with "Return to the owner" chosen: the page this address has always shown."""
    return _decision_question(request, pk, preselect=SignOffDecisionForm.RETURN)


def _decision_check(form) -> dict:
    """What the check page of a sign-off decision says, from the answers kept."""
    decision = form.data.get("decision")
    button, consequence = SIGN_OFF_CONSEQUENCES.get(decision, SIGN_OFF_CONSEQUENCES[SignOffDecisionForm.SIGN_OFF])
    answers = [
        Answer("Decision", dict(form.fields["decision"].choices).get(decision, ""), "decision"),
        Answer("Comment", form.data.get("comment", ""), "comment"),
    ]
    return {"button": button, "consequence": consequence, "answers": answers, "heading": "Check your decision"}


@require_http_methods(["GET", "POST"])
def action_sign_off_check(request, pk: int):
    action = get_action(request, pk)
    key = answers_key("sign-off", action.pk)
    refusal = refusal_with_answers(request, key, permissions.require_decide_sign_off, action)
    form = SignOffDecisionForm(kept_answers(request, key) or None)

    def run(data):
        decided = {"by": request.user, "comment": data["comment"], "based_on_version": data["version"]}
        if data["decision"] == SignOffDecisionForm.RETURN:
            services.return_action(action, **decided)
            return "Action returned to its owner", action
        services.sign_off_action(action, **decided)
        return "Action signed off", action

    question_url = reverse("tracker:action-sign-off", args=[action.pk])
    return check_answers(
        request,
        form,
        key=key,
        question_url=question_url,
        run=run,
        refusal=refusal,
        **_decision_check(form),
        **about(action),
    )


@require_http_methods(["GET", "POST"])
def action_withdraw(request, pk: int):
    action = get_action(request, pk)
    permissions.require_withdraw(request.user, action)
    key = answers_key("withdraw", action.pk)
    form = WithdrawForm(posted(request), initial={**kept_answers(request, key), "version": action.version})
    check_url = reverse("tracker:action-withdraw-check", args=[action.pk])
    page = {"heading": "Withdraw this action", "button": "Continue", **about(action)}
    return ask(request, form, key=key, check_url=check_url, version=action.version, **page)


@require_http_methods(["GET", "POST"])
def action_withdraw_check(request, pk: int):
    action = get_action(request, pk)
    key = answers_key("withdraw", action.pk)
    refusal = refusal_with_answers(request, key, permissions.require_withdraw, action)
    form = WithdrawForm(kept_answers(request, key) or None)

    def run(data):
        services.withdraw_action(action, by=request.user, reason=data["reason"], based_on_version=data["version"])
        return "Action withdrawn", action

    return check_answers(
        request,
        form,
        key=key,
        question_url=reverse("tracker:action-withdraw", args=[action.pk]),
        run=run,
        answers=[Answer("Reason", form.data.get("reason", ""), "reason")],
        consequence="Withdrawing closes the action for good: it cannot be reopened, and an extension request "
        "waiting for a decision is refused with it. The reason is kept in its history.",
        button="Withdraw this action",
        button_variant="warning",
        refusal=refusal,
        heading="Check before you withdraw this action",
        **about(action),
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    action = get_action(request, pk)
    permissions.require_edit_action(request.user, action)
    initial = {"title": action.title, "description": action.description, "owner": action.owner}
    form = ActionEditForm(posted(request), initial={**initial, "version": action.version})
    if form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in initial if data[name] != initial[name]}
        try:
            if changes or data["version"] != action.version:
                services.edit_action(
                    action, by=request.user, reason=data["reason"], based_on_version=data["version"], **changes
                )
        except services.EditConflict as conflict:
            # Keep what they typed, and let a second save (made knowing the change) go through.
            form = ActionEditForm({**request.POST.dict(), "version": conflict.action.version}, initial=initial)
            show_refusal(form, conflict)
        except services.ActionRefused as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Action updated" if changes else "Nothing was changed")
            return redirect("tracker:action-detail", pk=action.pk)
    return form_page(request, form, heading="Edit this action", button="Save changes", **about(action))


@require_http_methods(["GET", "POST"])
def extension_request(request, pk: int):
    action = get_action(request, pk)
    permissions.require_request_extension(request.user, action)

    def run(data):
        services.request_extension(action, by=request.user, **data)
        return "Extension requested: an improvement lead will decide it", action

    form = ExtensionRequestForm(posted(request), action=action)
    return run_form(request, form, run) or form_page(
        request, form, heading="Ask for more time", button="Request extension", **about(action)
    )


@require_http_methods(["GET", "POST"])
def extension_decide(request, pk: int):
    extension = get_object_or_404(
        ExtensionRequest.objects.select_related("action", "requested_by"),
        pk=pk,
        action__in=Action.objects.visible_to(request.user),
    )
    action = get_action(request, extension.action_id)
    permissions.require_decide_extension(request.user, extension)

    def run(data):
        approve = data["decision"] == "approve"
        services.decide_extension(extension, by=request.user, approve=approve, comment=data["comment"])
        return ("Extension approved: the due date has moved" if approve else "Extension refused"), action

    form = ExtensionDecisionForm(posted(request))
    heading = f"Decide the extension to {extension.proposed_date:%-d %B %Y}"
    asked = f"{extension.requested_by} asked for more time, because: {extension.reason}"
    return run_form(request, form, run) or form_page(
        request, form, heading=heading, button="Save decision", intro=asked, **about(action)
    )
