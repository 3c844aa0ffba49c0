"""The site's views, a module per area, and the few helpers they share."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from .. import permissions
from ..models import Finding, ResponseClock
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


def breadcrumbs_to(*pages) -> list[tuple[str, str]]:
    """The trail of links to these pages, each "inspections" (the list) or an inspection, finding or action."""
    trail = []
    for page in pages:
        if page == "inspections":
            trail.append((reverse("tracker:inspection-list"), "Inspections"))
        else:
            trail.append((page.get_absolute_url(), page.display_name if isinstance(page, Finding) else page.title))
    return trail


def form_page(
    request,
    form,
    *,
    heading: str,
    button: str,
    cancel_url: str,
    breadcrumbs: list[tuple[str, str]],
    caption: str = "",
    warning: str = "",
    intro: str = "",
    hint: str = "",
    button_variant: str = "",
    clock: ResponseClock | None = None,
    nav: str = "inspections",
):
    """The page of one form of its own, the same for every form view: a 400 when a posted form has errors.

    `breadcrumbs` are (url, label) pairs (see breadcrumbs_to); `caption` names what the form is about,
    above the heading; `warning`, `hint` and `intro` are sentences shown under it; `button_variant` is
    "warning" for a button that cannot be taken back; `clock` shows an inspection's section 55 clock;
    `nav` marks the menu item the page belongs to.
    """
    context = {
        "form": form,
        "heading": heading,
        "button": button,
        "cancel_url": cancel_url,
        "breadcrumbs": breadcrumbs,
        "caption": caption,
        "warning": warning,
        "intro": intro,
        "hint": hint,
        "button_variant": button_variant,
        "clock": clock,
        "nav": nav,
    }
    return render(request, "tracker/form_page.html", context, status=400 if form.is_bound and form.errors else 200)
