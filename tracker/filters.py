"""The action list's filters, as SQL.

The derived states (open, overdue, due soon, inactive, drifting, done, RAG)
are defined once, in tracker/models.py; the list, the exports and the
dashboards all filter and count with those conditions, so a count on the
dashboard links to a filter that lists exactly the actions it counted. The
few conditions here are the list's own.
"""

import datetime

from django.db.models import OuterRef, Q, Subquery
from django.db.models.lookups import Exact

from . import clock
from .models import Action, ExtensionRequest, Rag, SignOff, drifting_q, inactive_q, overdue_q, rag_q

# The action list's status filter takes values: the open statuses, for links to open actions.
OPEN_STATUSES = [status.value for status in Action.OPEN_STATUSES]


def returned_q() -> Q:
    """In progress because the PCC's office returned it: the latest sign-off decision is a return."""
    latest_decision = SignOff.objects.filter(action=OuterRef("pk")).order_by("-decided_at", "-pk").values("decision")
    return Q(status=Action.Status.IN_PROGRESS) & Q(Exact(Subquery(latest_decision[:1]), SignOff.Decision.RETURN))


def pending_extension_q() -> Q:
    # "pk in (the few actions waiting)", not a correlated EXISTS: the waiting requests are read
    # once, where EXISTS is asked again for every action the count or the list considers.
    return Q(pk__in=ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).values("action"))


def inactive_now_q() -> Q:
    return inactive_q(clock.now())


# Filters the form does not carry: the dashboards link to them, and the list keeps
# them as hidden fields. Each is on when its GET parameter is "1".
EXTRA_FILTERS = {
    "returned": ("returned by the PCC's office and not yet resubmitted", returned_q),
    "drifting": ("open, with a due date moved by at least one approved extension", drifting_q),
    "pending_extension": ("waiting for a decision on an extension request", pending_extension_q),
    "inactive": ("in the owner's hands with no recent progress note", inactive_now_q),
}


def active_extra_filters(form) -> list[tuple[str, str]]:
    """(name, description) of each extra filter the request turns on."""
    data = form.data if form.is_bound else {}
    return [(name, description) for name, (description, _) in EXTRA_FILTERS.items() if data.get(name) == "1"]


def filters_chosen(form) -> bool:
    """Whether the address sets any filter, or one the form refuses: the list then shows its filters unfolded."""
    if not form.is_bound:
        return False
    chosen = (value.strip() for name, values in form.data.lists() if name not in ("page", "format") for value in values)
    return any(chosen) or bool(form.errors)


def search_q(text: str) -> Q:
    """Every word must appear somewhere: "smith stalking" finds Smith's action on stalking."""
    fields = [
        "title",
        "description",
        "finding__reference",
        "finding__title",
        "finding__text",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
    ]
    condition = Q()
    for word in text.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def _valid_data(form) -> dict:
    """The values of the fields that validated; an unbound form filters nothing."""
    if not form.is_bound:
        return {}
    form.is_valid()  # fills cleaned_data with the good fields and form.errors with the bad
    return form.cleaned_data


def filter_actions(queryset, form, today: datetime.date):
    """The actions an ActionFilterForm asks for; a bad field is ignored (the form shows its error)."""
    data = _valid_data(form)
    condition = Q()
    if data.get("q", "").strip():
        condition &= search_q(data["q"])
    if data.get("status"):
        condition &= Q(status__in=data["status"])
    if data.get("rag") in Rag.values:
        condition &= rag_q(data["rag"], today)
    if data.get("owner"):
        condition &= Q(owner=data["owner"])
    if data.get("inspection"):
        condition &= Q(finding__inspection=data["inspection"])
    if data.get("theme"):
        condition &= Q(finding__theme=data["theme"])
    if data.get("kind"):
        condition &= Q(finding__kind=data["kind"])
    if data.get("due_from"):
        condition &= Q(due_date__gte=data["due_from"])
    if data.get("due_to"):
        condition &= Q(due_date__lte=data["due_to"])
    if data.get("overdue"):
        condition &= overdue_q(today)

    for name, _ in active_extra_filters(form):
        condition &= EXTRA_FILTERS[name][1]()
    return queryset.filter(condition).for_list().with_rag(today).order_by("due_date", "pk")
