"""The site's views, a module per area, and the few helpers they share."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from .. import permissions
from ..services import ActionRefused


def posted(request):
    """A form's data: bound on any POST, even an empty one (so it shows its errors), unbound on GET."""
    return request.POST if request.method == "POST" else None


def forbid_unless(allowed: bool, reason: str) -> None:
    if not allowed:
        raise PermissionDenied(reason)


def require_plan_access(request) -> None:
    """Whole-plan pages look, to an account with no role, like pages that do not exist."""
    if not permissions.can_view_plan(request.user):
        raise Http404("No role")


def show_refusal(form, error: ActionRefused | ValidationError) -> None:
    """A service's refusal, on the form, in the service's own words."""
    form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
