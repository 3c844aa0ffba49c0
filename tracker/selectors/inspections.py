"""The inspections list, one inspection's page (findings tree, burn-up, clock) and one finding's page, as plain data."""

import datetime

from django.db.models import Count

from .. import charts
from ..models import Finding, Inspection, outcome_counts

# The findings tree: causes of concern (with their recommendations) first, then
# recommendations standing alone, then areas for improvement.
KIND_HEADINGS = {
    Finding.Kind.CAUSE_OF_CONCERN: "Causes of concern",
    Finding.Kind.RECOMMENDATION: "Recommendations",
    Finding.Kind.AREA_FOR_IMPROVEMENT: "Areas for improvement",
}


def inspection_list(user, today: datetime.date) -> list[Inspection]:
    """Every inspection this person may see, its findings and actions (done, withdrawn) counted, and its clock."""
    inspections = list(
        Inspection.objects.visible_to(user).annotate(
            finding_count=Count("findings", distinct=True), **outcome_counts("findings__actions", distinct=True)
        )
    )
    for inspection in inspections:
        inspection.clock = inspection.response_clock(today)
    return inspections


def findings_tree(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Top-level findings grouped by kind (causes of concern first), each with .nested: its recommendations."""
    nested: dict[int, list[Finding]] = {}
    for finding in findings:
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


def inspection_page(inspection: Inspection, today: datetime.date) -> dict:
    """What an inspection's page shows of it: judgements, findings tree, section 55 clock and burn-up."""
    findings = list(inspection.findings.with_progress().select_related("theme").order_by("pk"))
    points = charts.burn_up(charts.burn_up_history(inspection))
    return {
        "judgements": list(inspection.judgements.all()),
        "finding_groups": findings_tree(findings),
        "finding_count": len(findings),
        "clock": inspection.response_clock(today),
        "burn_up_points": points,
        "burn_up_svg": charts.burn_up_svg(points, today=today, title=f"Progress over time: {inspection.title}"),
    }


def finding_page(finding: Finding, today: datetime.date) -> dict:
    """What a finding's page shows of it (it needs with_progress()): status, actions with RAG, children, register."""
    return {
        "status": finding.derived_status,
        "done_count": finding.signed_off_count,
        "withdrawn_count": finding.withdrawn_count,
        "children": list(finding.children.with_progress().order_by("pk")),
        "actions": list(finding.actions.with_rag(today).select_related("owner")),
        "register_entries": list(finding.register_entries.all()),
        "discharge": finding.sign_offs.select_related("decided_by").first() if finding.is_discharged else None,
        "suggestion": finding.suggested_due,
        "public_summaries": list(
            finding.public_summaries.select_related("written_by", "action").order_by("-written_at", "-pk")
        ),
    }
