"""The people pages: a page of the list of people, and what one person's page shows."""

from django.core.paginator import Page, Paginator
from django.db.models import Q

from .. import permissions
from ..models import User

PAGE_SIZE = 50


def sign_in_method(person: User) -> str:
    """How this person signs in, in words for the list."""
    if person.sso_subject:
        return "Single sign-on"
    if person.has_usable_password():
        return "Password"
    return "Single sign-on (not yet used)" if not permissions.can_sign_in_with_password() else "Not set up yet"


def list_page(filters: dict, page_number) -> Page:
    """One page of people, filtered by role, active or not, and words in their names, with their roles."""
    people = User.objects.prefetch_related("groups")
    if role := filters.get("role"):
        people = people.filter(groups=role)
    if (active := filters.get("active", "")) != "all":
        people = people.filter(is_active=active != "no")
    if words := filters.get("q"):
        for word in words.split():
            people = people.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(job_title__icontains=word)
            )
    page = Paginator(people, PAGE_SIZE).get_page(page_number)
    for person in page.object_list:
        person.sign_in_method = sign_in_method(person)
    return page


def person_page(person: User) -> dict:
    """The person, their roles, their open actions and the history of their account (who changed what, why)."""
    history = person.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    return {
        "person": person,
        "roles": list(person.groups.all()),
        "sign_in_method": sign_in_method(person),
        "open_actions": list(
            permissions.open_actions_of(person).select_related("finding__inspection").order_by("due_date", "pk")
        ),
        "history": _one_row_per_change(history),
    }


def _one_row_per_change(history) -> list:
    """A change of roles writes a history row for each step of it (roles taken away, roles given), all with
    the same moment, person and reason: the page shows it once."""
    rows = []
    for row in history:
        key = (row.history_date, row.history_user_id, row.history_change_reason)
        if not rows or key != rows[-1][0]:
            rows.append((key, row))
    return [row for _, row in rows]
