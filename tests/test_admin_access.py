"""Roles carry their access (issue 15, point 3).

The Auditor and Administrator roles let a person into the admin, however the
role was given, with no "Staff status" box; taking the role away takes the
access away. A superuser sets things up: it uses the admin and reads the plan,
but does no plan work unless it also holds that role.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests import factories
from tracker import permissions, services
from tracker.models import Action, ExtensionRequest, Finding, User

PASSWORD = "correct horse battery staple"
ADMIN = reverse("admin:index")


def fresh(user):
    """The person as the next request sees them (permissions are cached on a user object)."""
    return User.objects.get(pk=user.pk)


def admin_status(client, user) -> int:
    client.force_login(user)
    return client.get(ADMIN).status_code


# Roles carry their access -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [permissions.AUDITOR, permissions.ADMINISTRATOR])
def test_a_role_given_straight_into_the_groups_table_opens_the_admin_and_taking_it_away_closes_it(client, role):
    person = factories.UserFactory()
    assert not person.is_staff
    assert admin_status(client, person) == 302  # to the admin's sign-in

    # A data fix, not the admin or a service: no signal, no form, no staff box.
    membership = User.groups.through.objects.create(user=person, group=Group.objects.get(name=role))
    assert admin_status(client, fresh(person)) == 200

    membership.delete()
    assert admin_status(client, fresh(person)) == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", [permissions.OWNER, permissions.LEAD, permissions.REVIEWER, None])
def test_the_other_roles_and_a_staff_box_alone_do_not_open_the_admin(client, role):
    person = factories.UserFactory(is_staff=True)
    if role:
        person.groups.add(Group.objects.get(name=role))

    assert admin_status(client, person) == 302


@pytest.mark.django_db
def test_an_inactive_auditor_does_not_get_in(client):
    assert admin_status(client, factories.AuditorFactory(is_active=False)) == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", [permissions.AUDITOR, permissions.ADMINISTRATOR])
def test_the_admins_own_sign_in_lets_the_role_in(client, role):
    person = factories.UserFactory()
    person.groups.add(Group.objects.get(name=role))

    response = client.post(reverse("admin:login"), {"username": person.username, "password": PASSWORD, "next": ADMIN})

    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


@pytest.mark.django_db
def test_the_admins_own_sign_in_refuses_someone_without_the_role(client, owner):
    response = client.post(reverse("admin:login"), {"username": owner.username, "password": PASSWORD, "next": ADMIN})

    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.django_db
def test_each_role_has_exactly_its_own_rights_there(client, auditor, administrator):
    theme = factories.ThemeFactory(name="Old name")
    rename = {"name": "New name", "description": ""}
    url = reverse("admin:tracker_theme_change", args=[theme.pk])

    client.force_login(auditor)
    assert client.get(url).status_code == 200
    assert client.post(url, rename).status_code == 403
    assert client.get(reverse("admin:tracker_user_add")).status_code == 403

    client.force_login(administrator)
    assert client.post(url, rename).status_code == 302
    theme.refresh_from_db()
    assert theme.name == "New name"


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "shown"), [("auditor", True), ("administrator", True), ("owner", False)])
def test_the_sites_menu_offers_the_admin_to_the_roles_it_opens_for(client, request, who, shown):
    client.force_login(request.getfixturevalue(who))

    page = client.get(reverse("tracker:home")).content.decode()

    assert (f'href="{ADMIN}"' in page) is shown


# A superuser is for setting up ---------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="setup", is_superuser=True)


@pytest.mark.django_db
def test_a_superuser_uses_the_admin_and_reads_the_plan(client, superuser):
    action = factories.ActionFactory(in_progress=True)
    client.force_login(superuser)

    assert client.get(ADMIN).status_code == 200
    assert client.get(reverse("tracker:action-detail", args=[action.pk])).status_code == 200
    assert client.get(reverse("tracker:action-list")).status_code == 200


@pytest.mark.django_db
def test_a_superuser_does_no_plan_work_by_being_one(client, superuser, owner, lead):
    submitted = factories.ActionFactory(owner=owner, submitted=True)
    extension = factories.ExtensionRequestFactory(
        action=factories.ActionFactory(owner=owner, in_progress=True), requested_by=owner
    )
    client.force_login(superuser)

    refusals = [
        (lambda: services.sign_off_action(submitted, by=superuser), "Only a PCC reviewer"),
        (lambda: services.return_action(submitted, by=superuser, comment="No"), "Only a PCC reviewer"),
        (lambda: services.decide_extension(extension, by=superuser, approve=True), "Only an improvement lead"),
        (lambda: services.withdraw_action(submitted, by=superuser, reason="No"), "Only an improvement lead"),
    ]
    for call, reason in refusals:
        with pytest.raises(permissions.ActionRefused, match=reason):
            call()
    page = client.post(reverse("tracker:action-sign-off", args=[submitted.pk]))
    assert page.status_code == 403
    assert "Only a PCC reviewer can sign off or return an action." in page.content.decode()
    queue = client.get(reverse("tracker:review-queue"))  # read-only, as an auditor sees it
    assert queue.status_code == 200 and "Review and decide" not in queue.content.decode()

    submitted.refresh_from_db()
    extension.refresh_from_db()
    assert (submitted.status, extension.status) == (Action.Status.SUBMITTED, ExtensionRequest.Status.PENDING)
    assert superuser not in permissions.reviewers()
    assert superuser not in permissions.leads()
    assert superuser not in permissions.possible_owners()
    assert not permissions.can_own_actions(superuser)


@pytest.mark.django_db
def test_a_superuser_does_not_discharge_a_finding(superuser, owner):
    finding = factories.FindingFactory()
    factories.ActionFactory(finding=finding, owner=owner, signed_off=True)
    ready = Finding.objects.with_progress().get(pk=finding.pk)

    with pytest.raises(permissions.ActionRefused, match="Only a PCC reviewer can discharge a finding"):
        services.discharge_finding(ready, by=superuser)


@pytest.mark.django_db
def test_a_superuser_who_also_holds_the_role_does_that_work(superuser, owner):
    superuser.groups.add(Group.objects.get(name=permissions.REVIEWER))
    superuser = fresh(superuser)
    submitted = factories.ActionFactory(owner=owner, submitted=True)

    services.sign_off_action(submitted, by=superuser)

    submitted.refresh_from_db()
    assert submitted.status == Action.Status.SIGNED_OFF
    assert superuser in permissions.reviewers()
    assert not permissions.is_lead(superuser)
