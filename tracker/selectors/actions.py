"""The action pages: a page of the action list, and what one action's page shows of it."""

import datetime

from django.core.paginator import Page, Paginator

from ..models import Action, SignOff
from ..timeline import action_timeline

PAGE_SIZE = 50


def list_page(actions, page_number) -> Page:
    """One page of the filtered actions, with their RAG ratings (filters.filter_actions)."""
    # The page is found from ids alone (an index walk), and only its rows are then read in full,
    # so the sort never handles whole joined rows of every match.
    page = Paginator(actions.values_list("pk", flat=True), PAGE_SIZE).get_page(page_number)
    page.object_list = list(actions.filter(pk__in=page.object_list))
    return page


def action_page(action: Action, today: datetime.date) -> dict:
    """The action with its finding, rating, evidence, waiting extension and timeline; needs for_detail()."""
    evidence = list(action.evidence.all())
    returns = [decision for decision in action.sign_offs.all() if decision.decision == SignOff.Decision.RETURN]
    return {
        "action": action,
        "finding": action.finding,
        "inspection": action.finding.inspection,
        "rag": action.rag(today),
        "is_overdue": action.is_overdue(today),
        "drift": action.drift,
        "pending_extension": action.pending_extension(),
        "latest_return": returns[-1] if returns else None,
        "evidence": evidence,
        "has_evidence": bool(evidence),
        "timeline": action_timeline(action),
        "public_summaries": list(action.public_summaries.select_related("written_by").order_by("-written_at", "-pk")),
    }
