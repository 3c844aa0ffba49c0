"""The people pages (/people/): administrators keep people and their roles; auditors read (issue 14, point 2).

Each attack posts the real form an attacker would post, and checks nothing changed.
"""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tracker import permissions
from tracker.models import User

pytestmark = pytest.mark.django_db


def role(name):
    return Group.objects.get(name=name)


def url(name, person=None):
    return reverse(f"tracker:{name}", args=[person.pk] if person else [])


def roles_of(person) -> set[str]:
    return set(person.groups.values_list("name", flat=True))


# The list ---------------------------------------------------------------------------------------


def test_the_list_shows_roles_job_titles_sign_in_method_and_last_sign_in(client, administrator):
    factories.OwnerFactory(first_name="Ada", last_name="Lovelace", job_title="Head of Control Room")
    factories.ReviewerFactory(first_name="Sam", last_name="Scrutiny", sso_subject="sub-1")
    client.force_login(administrator)

    page = client.get(url("people-list")).content.decode()

    assert "Ada Lovelace" in page and "Head of Control Room" in page and "Action owner" in page
    assert "Single sign-on" in page and "Password" in page
    assert "Never" in page  # nobody but the administrator has signed in
    assert 'href="/people/"' in page and ">People</a>" in page  # the header's link


def test_the_list_filters_by_role_and_shows_deactivated_people_only_when_asked(client, administrator):
    factories.OwnerFactory(first_name="Olive", last_name="Owner")
    factories.LeadFactory(first_name="Leo", last_name="Lead")
    factories.OwnerFactory(first_name="Gone", last_name="Away", is_active=False)
    client.force_login(administrator)

    leads = client.get(url("people-list"), {"role": permissions.LEAD}).content.decode()
    active = client.get(url("people-list")).content.decode()
    gone = client.get(url("people-list"), {"active": "no"}).content.decode()

    assert "Leo Lead" in leads and "Olive Owner" not in leads
    assert "Gone Away" not in active
    assert "Gone Away" in gone and "Olive Owner" not in gone


def test_the_lists_query_count_does_not_grow_with_people(client, administrator):
    client.force_login(administrator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("people-list")).status_code == 200
        return len(captured)

    factories.OwnerFactory.create_batch(3)
    few = queries()
    factories.LeadFactory.create_batch(30)
    # The session; the administrator; their permissions given directly, then by their roles; the count; the page
    # of people; their roles, in one query for the page; the roles for the filter; and saving the session (a
    # savepoint, the update, its release): the same however many people there are.
    assert queries() == few == 11


def test_an_auditor_reads_the_list_and_a_persons_page_but_is_offered_no_change(client, auditor, owner):
    client.force_login(auditor)

    listing = client.get(url("people-list")).content.decode()
    page = client.get(url("person-detail", owner)).content.decode()

    assert str(owner) in listing and "Add a person" not in listing
    assert "Change roles" not in page and "Deactivate" not in page
    assert client.post(url("person-roles", owner), {"roles": [permissions.LEAD], "reason": "x"}).status_code == 403
    assert roles_of(owner) == {permissions.OWNER}


@pytest.mark.parametrize("who", ["owner", "lead", "reviewer", "nobody"])
def test_nobody_else_sees_the_people_pages(client, request, who, owner):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url("people-list")).status_code == 403
    assert client.get(url("person-detail", owner)).status_code == 403
    assert ">People</a>" not in client.get("/").content.decode()


# Adding a person ------------------------------------------------------------------------------------


NEW_PERSON = {
    "username": "jsmith",
    "first_name": "Jo",
    "last_name": "Smith",
    "email": "jo.smith@herts.police.uk",
    "job_title": "Detective Superintendent",
}


def test_adding_a_person_gives_their_roles_and_emails_a_link_to_set_their_password(
    client, administrator, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_SITE_URL = "https://tracker.herts.example"
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("person-create"), {**NEW_PERSON, "roles": [permissions.OWNER]})

    person = User.objects.get(username="jsmith")
    assert response.status_code == 302 and response.url == url("person-detail", person)
    assert roles_of(person) == {permissions.OWNER} and person.job_title == "Detective Superintendent"
    assert not person.has_usable_password()
    [email] = mail.outbox
    assert email.to == ["jo.smith@herts.police.uk"]
    assert "https://tracker.herts.example/accounts/reset/" in email.body
    assert person.history.first().history_change_reason.startswith("Added on the People page")


def test_with_passwords_off_a_new_person_gets_no_password_email(
    client, administrator, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_LOCAL_PASSWORDS = False
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("person-create"), {**NEW_PERSON, "roles": [permissions.OWNER]})

    assert response.status_code == 302 and "first single sign-on" in client.get(response.url).content.decode()
    assert mail.outbox == []


def test_the_add_form_names_what_is_missing_linked_from_the_summary(client, administrator):
    client.force_login(administrator)

    response = client.post(url("person-create"), {"username": "x"})
    page = response.content.decode()

    assert response.status_code == 400
    assert '<a href="#id_email">Enter an email address</a>' in page
    assert '<a href="#id_roles_0">Choose at least one role</a>' in page
    assert not User.objects.filter(username="x").exists()


def test_a_username_already_taken_in_other_letters_is_refused(client, administrator):
    factories.OwnerFactory(username="JSmith")
    client.force_login(administrator)

    response = client.post(url("person-create"), {**NEW_PERSON, "roles": [permissions.OWNER]})

    assert response.status_code == 400 and "Someone already has this username" in response.content.decode()


def test_an_administrator_who_signs_off_cannot_add_someone_who_signs_off(client, administrator):
    administrator.groups.add(role(permissions.REVIEWER))
    client.force_login(administrator)

    response = client.post(url("person-create"), {**NEW_PERSON, "roles": [permissions.REVIEWER]})

    assert response.status_code == 400 and "so you cannot give it" in response.content.decode()
    assert not User.objects.filter(username="jsmith").exists()


# Roles -------------------------------------------------------------------------------------------------


def test_a_role_change_needs_a_reason_kept_in_their_history(client, administrator, owner):
    client.force_login(administrator)
    lead = permissions.LEAD

    refused = client.post(url("person-roles", owner), {"roles": [lead], "reason": ""})
    done = client.post(url("person-roles", owner), {"roles": [lead], "reason": "Joined the planning team"})

    assert refused.status_code == 400 and "Give the reason" in refused.content.decode()
    assert done.status_code == 302
    assert roles_of(owner) == {permissions.LEAD}
    latest = owner.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user) == ("Joined the planning team", administrator)
    assert "Joined the planning team" in client.get(url("person-detail", owner)).content.decode()


def test_nobody_changes_their_own_roles(client, administrator):
    client.force_login(administrator)

    response = client.post(
        url("person-roles", administrator), {"roles": [permissions.REVIEWER], "reason": "Promote myself"}
    )

    assert response.status_code == 403 and "Nobody changes their own roles" in response.content.decode()
    assert roles_of(administrator) == {permissions.ADMINISTRATOR}


def test_a_reviewer_administrator_cannot_make_someone_else_a_reviewer(client, administrator, owner):
    administrator.groups.add(role(permissions.REVIEWER))
    client.force_login(administrator)

    response = client.post(
        url("person-roles", owner), {"roles": [permissions.REVIEWER], "reason": "Help with sign-offs"}
    )

    assert response.status_code == 400 and "so you cannot give it" in response.content.decode()
    assert roles_of(owner) == {permissions.OWNER}


def test_an_administrator_cannot_change_a_superusers_roles_nor_make_anyone_superuser(client, administrator, owner):
    boss = factories.UserFactory(is_superuser=True)
    client.force_login(administrator)

    refused = client.post(url("person-roles", boss), {"roles": [permissions.OWNER], "reason": "x"})
    sneaky = client.post(
        url("person-roles", owner), {"roles": [permissions.OWNER], "reason": "x", "is_superuser": "on"}
    )

    assert refused.status_code == 403 and roles_of(boss) == set()
    assert sneaky.status_code == 302
    owner.refresh_from_db()
    assert not owner.is_superuser and not owner.is_staff


# Deactivating --------------------------------------------------------------------------------------------


def test_deactivating_lists_their_open_actions_and_waits_until_they_have_new_owners(client, administrator, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Review call handling")
    client.force_login(administrator)

    page = client.get(url("person-deactivate", owner)).content.decode()
    refused = client.post(url("person-deactivate", owner), {"reason": "Retired"})

    assert "Review call handling" in page and reverse("tracker:action-edit", args=[action.pk]) in page
    assert "still owns 1 open action" in page
    assert refused.status_code == 400 and "still owns 1 open action" in refused.content.decode()
    owner.refresh_from_db()
    assert owner.is_active


def test_a_deactivated_person_cannot_sign_in_and_their_history_stays_named(client, administrator, owner):
    factories.ActionFactory(owner=owner, signed_off=True)
    client.force_login(administrator)

    response = client.post(url("person-deactivate", owner), {"reason": "Retired"})

    owner.refresh_from_db()
    assert response.status_code == 302 and not owner.is_active
    assert owner.history.order_by("-history_id").first().history_change_reason == "Deactivated: Retired"
    client.logout()
    signing_in = client.post(reverse("login"), {"username": "owner", "password": "correct horse battery staple"})
    assert signing_in.status_code == 200 and "_auth_user_id" not in client.session


def test_nobody_deactivates_themselves(client, administrator):
    client.force_login(administrator)

    response = client.post(url("person-deactivate", administrator), {"reason": "Oops"})

    administrator.refresh_from_db()
    assert response.status_code == 400 and "Nobody deactivates their own account" in response.content.decode()
    assert administrator.is_active


# Reset link, second factor, single sign-on --------------------------------------------------------------------


def test_a_reset_link_is_emailed_on_the_sites_own_address(
    client, administrator, owner, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_SITE_URL = "https://tracker.herts.example"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example"]
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("person-reset-link", owner), HTTP_HOST="other.example")

    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [owner.email] and "https://tracker.herts.example/accounts/reset/" in email.body


def test_an_administrator_resets_someones_second_factor_but_not_their_own(client, administrator, lead):
    for person in (administrator, lead):
        TOTPDevice.objects.create(user=person, name="phone")
    client.force_login(administrator)

    done = client.post(url("person-reset-second-factor", lead))
    own = client.post(url("person-reset-second-factor", administrator))

    assert done.status_code == 302 and not TOTPDevice.objects.filter(user=lead).exists()
    assert own.status_code == 403 and TOTPDevice.objects.filter(user=administrator).exists()


def test_unlinking_single_sign_on_forgets_the_subject_with_the_reason_in_history(client, administrator):
    person = factories.OwnerFactory(sso_subject="old-subject")
    client.force_login(administrator)

    response = client.post(url("person-unlink-sign-on", person), {"reason": "User name reused"})

    person.refresh_from_db()
    assert response.status_code == 302 and person.sso_subject is None
    latest = person.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user) == (
        "Single sign-on unlinked: User name reused",
        administrator,
    )
    assert client.get(url("person-unlink-sign-on", person)).status_code == 403  # nothing left to unlink


def test_with_single_sign_on_set_up_the_administrator_chooses_how_a_new_person_signs_in(
    client, administrator, settings, django_capture_on_commit_callbacks
):
    settings.OIDC_RP_CLIENT_ID = "tracker"
    client.force_login(administrator)

    form = client.get(url("person-create")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("person-create"), {**NEW_PERSON, "roles": [permissions.OWNER], "sign_in": "sso"})

    assert "How will they sign in?" in form
    assert response.status_code == 302 and mail.outbox == []
    assert not User.objects.get(username="jsmith").has_usable_password()


def test_with_passwords_off_no_reset_link_is_offered_or_sent(client, administrator, owner, settings):
    settings.TRACKER_LOCAL_PASSWORDS = False
    client.force_login(administrator)

    page = client.get(url("person-detail", owner)).content.decode()
    response = client.post(url("person-reset-link", owner))

    assert "Send a password reset link" not in page
    assert response.status_code == 403 and mail.outbox == []
