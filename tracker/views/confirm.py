"""Decisions that cannot be undone, made the GOV.UK way: a question page, a page to check the answers that
says what will happen, then the decision (signing off or returning an action, withdrawing an action,
discharging a finding).

The answers go from the question to the check page in the person's session, one set per decision and
object, so nothing typed is lost on the way or when the decision is refused: the check page shows the
refusal above the answers, and "Change" opens the question with them filled in. The decision re-validates
the answers with the question's own form and calls the service, which checks every rule again.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form, RadioSelect
from django.shortcuts import redirect, render

from ..permissions import ActionRefused
from ..services import EditConflict
from . import form_page, show_refusal


def answers_key(decision: str, pk: int) -> str:
    return f"answers:{decision}:{pk}"


def kept_answers(request, key: str) -> dict:
    """The answers this person gave to the question, or nothing."""
    return request.session.get(key) or {}


def ask(request, form, *, key: str, check_url: str, version: int | None = None, **page):
    """The question page: a valid answer is kept and the check page follows; otherwise the form's page.

    `version` is the action's version now, kept with the answers when the form carried none (a post from
    a page without the hidden field): the decision is then on the action as it was when answered.
    """
    if form.is_valid():
        answers = form.cleaned_data
        if "version" in answers and answers["version"] is None:
            answers = {**answers, "version": version}
        request.session[key] = answers
        return redirect(check_url)
    return form_page(request, form, **page)


def refusal_with_answers(request, key: str, require, *args) -> ActionRefused | None:
    """The rule's refusal, for a check page: shown there if this person has answers to keep; otherwise raised,
    as on any page they may not use."""
    try:
        require(request.user, *args)
    except ActionRefused as refused:
        if not kept_answers(request, key):
            raise
        return refused
    return None


@dataclass
class Answer:
    question: str
    answer: str
    field: str  # the question's field, which "Change" opens the question at


def _field_id(form, name: str) -> str:
    """The id of the field's input, or of its first radio, on the question page."""
    field = form[name]
    return f"{field.auto_id}_0" if isinstance(field.field.widget, RadioSelect) else field.auto_id


def check_answers(
    request,
    form,
    *,
    key: str,
    question_url: str,
    run,
    answers: list[Answer],
    consequence: str,
    button: str,
    refusal: ActionRefused | None = None,
    button_variant: str = "",
    **page,
):
    """The check page. `form` is the question's form bound to the kept answers; with none, or none valid
    (the question changed since), the person goes back to the question.

    A POST runs run(cleaned_data), which calls one service and returns what to tell the person and where
    they go next; a refusal (or `refusal`, the rule's answer before any POST) shows on this page and the
    answers stay. After an EditConflict, the answers are kept with the action's new version, so a second
    confirmation, made knowing the change, goes through.
    """
    if not form.is_bound or not form.is_valid():
        return redirect(question_url)
    if refusal is not None:
        show_refusal(form, refusal)
    elif request.method == "POST":
        try:
            message, then = run(form.cleaned_data)
        except EditConflict as conflict:
            request.session[key] = {**form.cleaned_data, "version": conflict.action.version}
            show_refusal(form, conflict)
        except (ActionRefused, ValidationError) as error:
            show_refusal(form, error)
        else:
            request.session.pop(key, None)
            messages.success(request, message)
            return redirect(then)
    context = {
        "form": form,
        "answers": [(answer, _field_id(form, answer.field)) for answer in answers],
        "question_url": question_url,
        "consequence": consequence,
        "button": button,
        "button_variant": button_variant,
        "can_confirm": refusal is None,
        "confirmation": Form(),  # the decision is the answers kept: its form is a button
        **page,
    }
    return render(request, "tracker/check_answers.html", context, status=400 if form.errors else 200)
