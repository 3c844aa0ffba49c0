"""The site's views, a module per area, and the few helpers they share."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect

from .. import permissions
from ..permissions import ActionRefused


def posted(request):
    """A form's data: bound on any POST, even an empty one (so it shows its errors), unbound on GET."""
    return request.POST if request.method == "POST" else None


def require_plan_access(request) -> None:
    """Whole-plan pages look, to an account with no role, like pages that do not exist."""
    if not permissions.can_view_plan(request.user):
        raise Http404("No role")


def show_refusal(form, error: ActionRefused | ValidationError) -> None:
    """A service's refusal, on the form, in the service's own words."""
    form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


def run_form(request, form, run):
    """What every form view does with its form; the view then shows the form's page if this is None.

    On a valid POST, run(cleaned_data) calls one service and returns what to tell the person
    and the object whose page they go to next: the answer is that redirect. A GET, an invalid
    form, or a refusal (put on the form in the service's own words) give None.
    """
    if not form.is_valid():
        return None
    try:
        message, then = run(form.cleaned_data)
    except (ActionRefused, ValidationError) as error:
        show_refusal(form, error)
        return None
    messages.success(request, message)
    return redirect(then)
