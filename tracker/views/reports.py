"""The PCC office's pages: the sign-off queue, and the Police and Crime Panel report (staff and public versions).

What they show is worked out in tracker/selectors/review.py and tracker/selectors/panel.py.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import permissions
from ..forms import PanelReportForm
from ..models import Inspection
from ..selectors import panel, review
from . import require_plan_access

# The panel meets every two or three months: "recently" means since about the last meeting.
PANEL_RECENT_DAYS = 90
NO_PDF = (
    "This server cannot make PDFs: WeasyPrint needs the Pango library (see the README's deployment notes). "
    "Print the report from your browser instead."
)


@require_safe
def review_queue(request):
    user = request.user
    permissions.require_review_queue(user)
    page, actions = review.queue_page(user, request.GET.get("page"))
    context = {"actions": actions, "page": page, "decides": permissions.can_decide_from_queue(user), "nav": "review"}
    return render(request, "tracker/review_queue.html", context)


@require_safe
def panel_report(request):
    """For the Police and Crime Panel, on one inspection or every one: ?public=1 shows only counts and public
    summaries (no staff names, no progress notes); ?format=pdf gives the same report as a PDF."""
    require_plan_access(request)
    today = timezone.localdate()
    since = today - datetime.timedelta(days=PANEL_RECENT_DAYS)
    visible = Inspection.objects.visible_to(request.user)
    offered = panel.offered(visible)
    # With nothing asked, the report is on the latest inspection, and says how to choose another.
    asked = (
        request.GET
        if "inspection" in request.GET
        else {"inspection": offered[0][0] if offered else PanelReportForm.EVERY}
    )
    form = PanelReportForm(asked, inspections=offered)
    context = {
        "form": form,
        "inspections": panel.panel_inspections(form.chosen(visible), today, since) if form.is_valid() else [],
        "offered_count": len(offered),
        "scope": urlencode({"inspection": form.data.get("inspection", "")}),
        "public": request.GET.get("public") == "1",
        "generated": timezone.localtime(),
        "since": since,
        "recent_days": PANEL_RECENT_DAYS,
        "due_soon_days": settings.TRACKER_DUE_SOON_DAYS,
        "nav": "panel",
    }
    if request.GET.get("format") == "pdf" and form.is_valid():
        return _pdf_response(context, today)
    return render(request, "tracker/panel_report.html", context, status=200 if form.is_valid() else 400)


def _pdf_response(context: dict, today: datetime.date) -> HttpResponse:
    try:
        # WeasyPrint loads Pango as it is imported: a server without it still serves every page but this one.
        from .. import pdf
    except (OSError, ImportError):
        return HttpResponse(NO_PDF, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        pdf.render_pdf("tracker/panel_report_pdf.html", {**context, "pdf": True}), content_type="application/pdf"
    )
    version = "-public" if context["public"] else ""
    response["Content-Disposition"] = f'attachment; filename="panel-report-{today:%Y-%m-%d}{version}.pdf"'
    return response
