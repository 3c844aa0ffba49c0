"""People in the admin: nobody raises their own power (issue 12, point 1).

Each test posts what an attacker would post to the admin's own forms, not only
checks that a field is hidden.
"""

import re

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tracker import permissions
from tracker.models import User

PASSWORD = "correct horse battery staple"


def change_url(person):
    return reverse("admin:tracker_user_change", args=[person.pk])


def role(name):
    return Group.objects.get(name=name)


def form_data(client, person, **changes):
    """The person's change form as the admin shows it to the signed-in user, filled in, with `changes`."""
    page = client.get(change_url(person))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value in (None, ""):
            continue
        if isinstance(field, forms.SplitDateTimeField):
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.time().strftime("%H:%M:%S")
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(getattr(item, "pk", item)) for item in value]
        else:
            data[name] = value
    data.update(changes)
    return data


def errors(response) -> str:
    return str(response.context["adminform"].form.errors) if response.status_code == 200 else ""


# Powers: superuser, staff and permissions given one by one -----------------------------------


@pytest.mark.django_db
def test_an_administrator_neither_sees_nor_sets_superuser_staff_or_raw_permissions(client, administrator):
    colleague = factories.OwnerFactory()
    sign_off = Permission.objects.get(codename=permissions.SIGN_OFF)
    client.force_login(administrator)

    for person in (administrator, colleague):
        page = client.get(change_url(person)).content.decode()
        for field in ("is_superuser", "is_staff", "user_permissions"):
            assert f'name="{field}"' not in page
        attack = form_data(
            client, person, is_superuser="on", is_staff="on", user_permissions=[str(sign_off.pk)], first_name="Chris"
        )
        response = client.post(change_url(person), attack)
        assert response.status_code == 302, errors(response)

        person.refresh_from_db()
        assert person.first_name == "Chris"  # the rest of the form saved
        assert (person.is_superuser, person.is_staff, person.user_permissions.count()) == (False, False, 0)
    assert not permissions.is_reviewer(User.objects.get(pk=administrator.pk))


@pytest.mark.django_db
def test_a_superuser_still_sees_and_sets_them(client):
    superuser = factories.UserFactory(is_superuser=True)
    person = factories.AuditorFactory()
    client.force_login(superuser)

    response = client.post(change_url(person), form_data(client, person, is_staff="on"))

    assert response.status_code == 302, errors(response)
    person.refresh_from_db()
    assert person.is_staff


@pytest.mark.django_db
def test_an_administrator_cannot_change_a_superusers_account(client, administrator):
    superuser = factories.UserFactory(is_superuser=True, email="setup@example.police.uk")
    client.force_login(administrator)

    assert client.get(change_url(superuser)).status_code == 200  # readable
    response = client.post(change_url(superuser), {"username": superuser.username, "email": "me@elsewhere.example"})

    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "setup@example.police.uk"


@pytest.mark.django_db
def test_an_administrator_cannot_add_a_power_to_a_role(client, administrator):
    client.force_login(administrator)
    own_role = role(permissions.ADMINISTRATOR)
    sign_off = Permission.objects.get(codename=permissions.SIGN_OFF)
    before = set(own_role.permissions.values_list("pk", flat=True))

    response = client.post(
        reverse("admin:auth_group_change", args=[own_role.pk]),
        {"name": own_role.name, "permissions": [str(pk) for pk in before | {sign_off.pk}]},
    )

    assert response.status_code == 403
    signers = client.post(reverse("admin:auth_group_add"), {"name": "Signers", "permissions": [sign_off.pk]})
    assert signers.status_code == 403
    assert not Group.objects.filter(name="Signers").exists()
    assert set(own_role.permissions.values_list("pk", flat=True)) == before


# Passwords ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nobody_but_a_superuser_sets_a_password_in_the_admin(client, administrator):
    colleague = factories.ReviewerFactory()
    new = {"password1": "a-new-long-password-9", "password2": "a-new-long-password-9"}
    client.force_login(administrator)

    for person in (colleague, administrator):
        url = reverse("admin:auth_user_password_change", args=[person.pk])
        assert client.get(url).status_code == 403
        refused = client.post(url, new)
        assert refused.status_code == 403
        person.refresh_from_db()
        assert person.check_password(PASSWORD)
    assert "your current one" in refused.content.decode()  # the last was their own: the reason is on the page

    superuser = factories.UserFactory(is_superuser=True)
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[colleague.pk])
    assert client.post(url, {**new, "usable_password": "true"}).status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("a-new-long-password-9")


@pytest.mark.django_db
def test_the_refusal_to_set_a_password_says_why(administrator, owner):
    with pytest.raises(permissions.ActionRefused, match="send them a password reset link instead"):
        permissions.require_set_password(administrator, owner)
    with pytest.raises(permissions.ActionRefused, match="asks for your current one"):
        permissions.require_set_password(administrator, administrator)


@pytest.mark.django_db
def test_a_new_account_gets_no_password_from_an_administrator_only_a_reset_link(
    client, administrator, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_SITE_URL = "https://tracker.example.police.uk"
    client.force_login(administrator)
    # What Django's own add form takes, posted anyway: none of the password is used.
    response = client.post(
        reverse("admin:tracker_user_add"),
        {
            "username": "sam.new",
            "email": "sam.new@example.police.uk",
            "first_name": "Sam",
            "last_name": "New",
            "usable_password": "true",
            "password1": "chosen-by-the-administrator-1",
            "password2": "chosen-by-the-administrator-1",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="sam.new")
    assert not person.has_usable_password()

    changelist = reverse("admin:tracker_user_changelist")
    with django_capture_on_commit_callbacks(execute=True):  # the email goes once the transaction commits
        client.post(changelist, {"action": "send_password_reset_link", "_selected_action": [person.pk]})

    assert [message.to for message in mail.outbox] == [["sam.new@example.police.uk"]]
    link = re.search(r"https://tracker\.example\.police\.uk(/accounts/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # The person follows it, signed out, and chooses their own password.
    client.logout()
    set_password = client.get(link.group(1), follow=True)
    assert set_password.context["validlink"]
    chosen = {"new_password1": "my-own-long-password-7", "new_password2": "my-own-long-password-7"}
    assert client.post(set_password.redirect_chain[-1][0], chosen).status_code == 302
    person.refresh_from_db()
    assert person.check_password("my-own-long-password-7")


@pytest.mark.django_db
def test_no_reset_link_for_a_superuser_from_an_administrator(client, administrator):
    superuser = factories.UserFactory(is_superuser=True)
    client.force_login(administrator)

    client.post(
        reverse("admin:tracker_user_changelist"),
        {"action": "send_password_reset_link", "_selected_action": [superuser.pk]},
    )

    assert mail.outbox == []


# Roles ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["administrator", "superuser"])
def test_nobody_changes_their_own_roles(client, administrator, who):
    person = administrator if who == "administrator" else factories.UserFactory(is_superuser=True)
    held = list(person.groups.values_list("pk", flat=True))
    client.force_login(person)

    attack = form_data(
        client, person, groups=[str(pk) for pk in [*held, role(permissions.REVIEWER).pk]], change_reason="Cover"
    )
    response = client.post(change_url(person), attack)

    assert response.status_code == 200
    assert "Nobody changes their own roles: another administrator must." in errors(response)
    assert list(person.groups.values_list("pk", flat=True)) == held


@pytest.mark.django_db
def test_a_role_change_needs_a_reason_and_keeps_it_in_history(client, administrator, owner):
    client.force_login(administrator)
    to_lead = [str(role(permissions.LEAD).pk)]

    without = client.post(change_url(owner), form_data(client, owner, groups=to_lead))
    assert without.status_code == 200
    assert "Give the reason for the role change" in errors(without)
    assert list(owner.groups.values_list("name", flat=True)) == [permissions.OWNER]

    reason = "Took over as HMICFRS liaison from Helen Marsh"
    response = client.post(change_url(owner), form_data(client, owner, groups=to_lead, change_reason=reason))

    assert response.status_code == 302, errors(response)
    assert list(owner.groups.values_list("name", flat=True)) == [permissions.LEAD]
    latest = owner.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user) == (reason, administrator)
    assert [row.group.name for row in latest.groups.all()] == [permissions.LEAD]


@pytest.mark.django_db
def test_a_role_that_signs_off_is_not_given_by_someone_who_holds_it(client, administrator, owner):
    reviewer_role = role(permissions.REVIEWER)
    administrator.groups.add(reviewer_role)  # a PCC reviewer who is also an administrator
    client.force_login(administrator)
    to_reviewer = [str(reviewer_role.pk)]

    response = client.post(change_url(owner), form_data(client, owner, groups=to_reviewer, change_reason="Cover"))

    assert response.status_code == 200
    assert "You hold the PCC reviewer role yourself, so you cannot give it" in errors(response)
    assert not permissions.is_reviewer(User.objects.get(pk=owner.pk))

    # Another administrator, who does not sign off, may.
    client.force_login(factories.AdministratorFactory())
    response = client.post(change_url(owner), form_data(client, owner, groups=to_reviewer, change_reason="Cover"))
    assert response.status_code == 302, errors(response)
    assert permissions.is_reviewer(User.objects.get(pk=owner.pk))


@pytest.mark.django_db
def test_the_role_rules_read_the_same_as_booleans(administrator, owner):
    reviewer_role = role(permissions.REVIEWER)
    assert permissions.can_change_roles(administrator, owner, [reviewer_role])
    assert not permissions.can_change_roles(administrator, administrator, [reviewer_role])
    assert not permissions.can_change_roles(owner, administrator, [])
    administrator.groups.add(reviewer_role)
    assert not permissions.can_change_roles(administrator, owner, [reviewer_role])
    assert permissions.can_change_roles(administrator, owner, [role(permissions.LEAD)])


# The admin shows each person's roles ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_of_people_shows_their_roles_in_a_fixed_number_of_queries(client, administrator):
    client.force_login(administrator)
    changelist = reverse("admin:tracker_user_changelist")
    factories.ReviewerFactory(last_name="Okafor")
    client.get(changelist)  # the session and content types, once

    with CaptureQueriesContext(connection) as few:
        page = client.get(changelist)
    for _ in range(5):
        factories.LeadFactory()
    with CaptureQueriesContext(connection) as many:
        client.get(changelist)

    assert page.context["cl"].list_display[-2:] == ["roles", "is_active"]
    assert ">Roles<" in page.content.decode()
    assert f'<td class="field-roles">{permissions.REVIEWER}</td>' in page.content.decode()
    assert len(many) == len(few)


@pytest.mark.django_db
def test_an_auditor_reads_a_persons_roles_on_their_page(client, auditor):
    person = factories.LeadFactory()
    client.force_login(auditor)

    page = client.get(change_url(person))

    assert page.status_code == 200
    assert permissions.LEAD in page.content.decode()
    assert b'name="_save"' not in page.content


@pytest.mark.django_db
def test_an_administrator_cannot_move_an_account_in_use_to_their_own_address(client, administrator):
    colleague = factories.ReviewerFactory(email="reviewer@example.police.uk")
    client.force_login(administrator)

    page = client.get(change_url(colleague)).content.decode()
    response = client.post(
        change_url(colleague), {**form_data(client, colleague), "email": "administrator@example.police.uk"}
    )

    assert 'name="email"' not in page  # shown, not offered
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.email == "reviewer@example.police.uk"
    assert not permissions.can_change_address(administrator, colleague)


@pytest.mark.django_db
def test_an_invited_account_without_a_password_can_have_its_address_corrected(client, administrator):
    invited = factories.UserFactory(email="typo@example.police.uk")
    invited.set_unusable_password()
    invited.save()
    client.force_login(administrator)

    response = client.post(change_url(invited), {**form_data(client, invited), "email": "right@example.police.uk"})

    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.email == "right@example.police.uk"
