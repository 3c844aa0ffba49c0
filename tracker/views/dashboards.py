"""The dashboard: a section for each role the signed-in person holds (worked out in tracker/selectors/dashboards.py)."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import permissions
from ..selectors import dashboards


def _no_role(request):
    administrators = permissions.administrators()
    return render(request, "tracker/dashboard_no_role.html", {"administrators": administrators, "nav": "home"})


@require_safe
def home(request):
    user = request.user
    if not permissions.can_view_plan(user):
        return _no_role(request)
    today = timezone.localdate()
    context = {"nav": "home", "today": today}
    if permissions.owns_actions_by_role(user):
        context["owner"] = dashboards.owner_section(user, today)
    if permissions.is_lead(user):
        context["lead"] = dashboards.lead_section(today)
    if permissions.is_reviewer(user):
        context["reviewer"] = dashboards.reviewer_section(today)
    if permissions.is_read_only(user):
        context["auditor"] = dashboards.auditor_section()
    return render(request, "tracker/dashboard_home.html", context)


@login_not_required
@require_safe
def favicon(request):
    """/favicon.ico, where browsers and bookmarks look for the icon without reading a page: the static file."""
    return redirect(static("tracker/favicon.ico"), permanent=True)


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
