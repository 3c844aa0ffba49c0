"""The action list's filters, as SQL.

RAG and the other derived states are written here as Q objects so that the
list, the exports and the dashboards count with one definition: a count on
the dashboard links to a filter that lists exactly the actions it counted.
Each must agree with its Python twin on the model (Action.rag, is_overdue).
"""

import datetime

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone

from .models import Action, ExtensionRequest, SignOff, inactive_condition

RAGS = ("red", "amber", "green", "complete")
OPEN_STATUSES = [status.value for status in Action.OPEN_STATUSES]


def open_q() -> Q:
    return Q(status__in=Action.OPEN_STATUSES)


def overdue_q(today: datetime.date) -> Q:
    return open_q() & Q(due_date__lt=today)


def due_soon_date(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.TRACKER_DUE_SOON_DAYS)


def rag_q(rag: str, today: datetime.date) -> Q:
    """The actions whose Action.rag(today) is `rag`."""
    soon = due_soon_date(today)
    if rag == "complete":
        return Q(status=Action.Status.SIGNED_OFF)
    if rag == "red":
        return overdue_q(today)
    if rag == "amber":
        return open_q() & Q(due_date__gte=today) & (Q(status=Action.Status.BLOCKED) | Q(due_date__lte=soon))
    if rag == "green":
        return open_q() & Q(due_date__gt=soon) & ~Q(status=Action.Status.BLOCKED)
    raise ValueError(f"Unknown RAG {rag!r}")


def returned_q() -> Q:
    """In progress because the PCC's office returned it: the latest sign-off decision is a return."""
    latest_decision = SignOff.objects.filter(action=OuterRef("pk")).order_by("-decided_at", "-pk").values("decision")
    return Q(status=Action.Status.IN_PROGRESS) & Q(Exact(Subquery(latest_decision[:1]), SignOff.Decision.RETURN))


def drifting_q() -> Q:
    """Open, and the due date has moved at least once (drift >= 1)."""
    return open_q() & Q(drift__gt=0)


def pending_extension_q() -> Q:
    # "pk in (the few actions waiting)", not a correlated EXISTS: the waiting requests are read
    # once, where EXISTS was asked again for each of 20,000 actions on the lead's dashboard.
    return Q(pk__in=ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).values("action"))


def inactive_q() -> Q:
    return inactive_condition(timezone.now())


# Filters the form does not carry: the dashboards link to them, and the list keeps
# them as hidden fields. Each is on when its GET parameter is "1".
EXTRA_FILTERS = {
    "returned": ("returned by the PCC's office and not yet resubmitted", returned_q),
    "drifting": ("open, with a due date moved by at least one approved extension", drifting_q),
    "pending_extension": ("waiting for a decision on an extension request", pending_extension_q),
    "inactive": ("in the owner's hands with no recent progress note", inactive_q),
}


def active_extra_filters(form) -> list[tuple[str, str]]:
    """(name, description) of each extra filter the request turns on."""
    data = form.data if form.is_bound else {}
    return [(name, description) for name, (description, _) in EXTRA_FILTERS.items() if data.get(name) == "1"]


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
    if data.get("rag") in RAGS:
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
    return queryset.filter(condition).for_list().order_by("due_date", "pk")
