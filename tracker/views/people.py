"""The people pages (/people/): the Administrator role keeps people's accounts and roles; auditors read them.

Each form view checks the rule before showing its form and calls one service of tracker/people.py,
which checks it again after locking the person.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from .. import mfa, people, permissions, sso
from ..forms import (
    ConfirmForm,
    DeactivateForm,
    PeopleFilterForm,
    PersonCreateForm,
    RolesForm,
    StaffFileForm,
    UnlinkSignOnForm,
)
from ..models import User
from ..people_csv import InvalidStaffFile, read_staff
from ..selectors import people as selected
from . import form_page, posted, run_form, show_refusal


def people_url() -> str:
    return reverse("tracker:people-list")


def get_person(request, pk: int) -> User:
    permissions.require_see_people(request.user)
    return get_object_or_404(User, pk=pk)


def about(person: User) -> dict:
    """What every form page of a person shows: who, and the way back to their page."""
    url = reverse("tracker:person-detail", args=[person.pk])
    return {
        "caption": str(person),
        "cancel_url": url,
        "breadcrumbs": [(people_url(), "People"), (url, str(person))],
        "nav": "people",
    }


@require_safe
def people_list(request):
    permissions.require_see_people(request.user)
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": selected.list_page(filters, request.GET.get("page")),
        "query": query.urlencode(),
        "can_manage": permissions.can_manage_people(request.user),
        "nav": "people",
    }
    return render(request, "tracker/people_list.html", context)


@require_safe
def person_detail(request, pk: int):
    person = get_person(request, pk)
    by = request.user
    may = {
        "change_roles": permissions.can_change_roles(by, person, []),
        "send_reset_link": permissions.can_send_reset_link(by, person) and permissions.can_sign_in_with_password(),
        "reset_second_factor": permissions.can_reset_second_factor(by, person),
        "unlink_sign_on": permissions.can_unlink_sign_on(by, person),
        "deactivate": permissions.can_deactivate_account(by, person),
    }
    context = {**selected.person_page(person), "may_change": may, "breadcrumbs": [(people_url(), "People")]}
    return render(request, "tracker/person_detail.html", {**context, "nav": "people"})


@require_http_methods(["GET", "POST"])
def person_create(request):
    permissions.require_manage_people(request.user)
    offer_sign_on = sso.enabled() and permissions.can_sign_in_with_password()

    def run(data):
        sign_on = data.get("sign_in") == "sso" or not permissions.can_sign_in_with_password()
        fields = {name: data[name] for name in ("username", "first_name", "last_name", "email", "job_title")}
        person = people.add_person(by=request.user, roles=list(data["roles"]), single_sign_on=sign_on, **fields)
        then = "they link their account at their first single sign-on" if sign_on else "we have emailed them a link"
        return f"{person} added: {then}", reverse("tracker:person-detail", args=[person.pk])

    form = PersonCreateForm(posted(request), offer_sign_on=offer_sign_on)
    return run_form(request, form, run) or form_page(
        request, form, heading="Add a person", button="Add person", cancel_url=people_url(),
        breadcrumbs=[(people_url(), "People")], nav="people",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def person_roles(request, pk: int):
    person = get_person(request, pk)
    permissions.require_change_roles(request.user, person, [])

    def run(data):
        people.change_roles(person, by=request.user, roles=list(data["roles"]), reason=data["reason"])
        return f"Roles changed for {person}", reverse("tracker:person-detail", args=[person.pk])

    form = RolesForm(posted(request), initial={"roles": list(person.groups.all())})
    return run_form(request, form, run) or form_page(
        request, form, heading="Change roles", button="Change roles", **about(person)
    )


@require_http_methods(["GET", "POST"])
def person_deactivate(request, pk: int):
    """Their open actions come first: listed, each linked to its page, where a lead gives it to someone else."""
    person = get_person(request, pk)
    permissions.require_change_person(request.user, person)
    open_actions = list(permissions.open_actions_of(person).order_by("due_date", "pk"))

    def run(data):
        people.deactivate(person, by=request.user, reason=data["reason"])
        return f"{person} is deactivated: they can no longer sign in", reverse(
            "tracker:person-detail", args=[person.pk]
        )

    form = DeactivateForm(posted(request))
    if response := run_form(request, form, run):
        return response
    refusal = "" if form.errors else permissions.refusal(permissions.require_deactivate, request.user, person)
    context = {**about(person), "form": form, "open_actions": open_actions, "person": person, "refusal": refusal}
    return render(request, "tracker/person_deactivate.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def person_reset_link(request, pk: int):
    person = get_person(request, pk)
    permissions.require_password_sign_in()
    permissions.require_send_reset_link(request.user, person)

    def run(data):
        people.send_password_link(person, by=request.user)
        return f"Password reset link sent to {person.email}", reverse("tracker:person-detail", args=[person.pk])

    form = ConfirmForm(posted(request))
    return run_form(request, form, run) or form_page(
        request, form, heading="Send a password reset link", button="Send the link", **about(person),
        intro=f"{person} gets an email at {person.email} with a link to choose a new password. "
        "Their current password keeps working until they do.",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def person_reset_second_factor(request, pk: int):
    person = get_person(request, pk)
    permissions.require_reset_second_factor(request.user, person)

    def run(data):
        mfa.reset_second_factor(person, by=request.user)
        return f"Second factor reset for {person}", reverse("tracker:person-detail", args=[person.pk])

    form = ConfirmForm(posted(request))
    return run_form(request, form, run) or form_page(
        request, form, heading="Reset their second factor", button="Reset second factor", **about(person),
        intro="Their authenticator app and recovery codes stop working; they set up their app again at their "
        "next sign-in. Do this only when you are sure who asked: a lost or replaced phone.",
        button_variant="warning",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def person_unlink_sign_on(request, pk: int):
    person = get_person(request, pk)
    permissions.require_unlink_sign_on(request.user, person)

    def run(data):
        people.unlink_sign_on(person, by=request.user, reason=data["reason"])
        return f"Single sign-on unlinked for {person}", reverse("tracker:person-detail", args=[person.pk])

    form = UnlinkSignOnForm(posted(request))
    return run_form(request, form, run) or form_page(
        request, form, heading="Unlink single sign-on", button="Unlink", **about(person), button_variant="warning",
        intro="The next single sign-on with their user name links to this account afresh. "
        "If the name now belongs to someone else, rename or deactivate this account first.",
    )  # fmt: skip


IMPORT_KEY = "staff_import"


@require_http_methods(["GET", "POST"])
def people_import(request):
    """Upload, see every row (or every error, by line), then confirm: the file waits in the session between
    the two, and is checked again on confirming, as people may have been added since."""
    permissions.require_import_people(request.user)
    context = {"nav": "people", "breadcrumbs": [(people_url(), "People")], "people_url": people_url(), "errors": []}
    context["send_links"] = permissions.can_sign_in_with_password()
    form, confirm = StaffFileForm(posted(request), request.FILES or None), ConfirmForm()
    if "confirm" in request.POST:
        text = request.session.pop(IMPORT_KEY, None)
        form = StaffFileForm({}, {})  # the confirmation has no file: what to do next is to choose one
        form.is_valid()
        if text is None:
            form.add_error(None, "Upload the file again: it was not kept, or it has been imported already.")
        else:
            response = _import(request, text, form, context)
            if response:
                return response
    elif form.is_valid():
        request.session.pop(IMPORT_KEY, None)  # only the file just checked can be confirmed
        text = form.cleaned_data["file"].read()
        try:
            context["rows"] = read_staff(text, by=request.user)
            request.session[IMPORT_KEY] = text.decode("utf-8-sig")
        except InvalidStaffFile as invalid:
            context["errors"] = invalid.errors
    bad = bool(form.errors or context["errors"])
    context.update(form=form, confirm=confirm)
    return render(request, "tracker/people_import.html", context, status=400 if bad else 200)


def _import(request, text: str, form, context):
    try:
        added = people.add_people(read_staff(text.encode(), by=request.user), by=request.user)
    except InvalidStaffFile as invalid:
        context["errors"] = invalid.errors
        return None
    except permissions.ActionRefused as refused:
        show_refusal(form, refused)
        return None
    messages.success(request, f"{len(added)} {'person' if len(added) == 1 else 'people'} imported")
    return redirect(people_url())
