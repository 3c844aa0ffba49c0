"""Accounts single sign-on made or linked stay their owners': nobody redirects their address, sends them a
password, deactivates past the rules or keeps a session once they are switched off."""

import pytest
from django.urls import reverse

from tests import factories
from tests.test_people_admin import change_url, form_data
from tracker import permissions, sso
from tracker.models import User


def without_password(person: User) -> User:
    person.set_unusable_password()
    person.save(update_fields=["password"])
    return person


def signed_on_reviewer() -> User:
    """A PCC reviewer whose account single sign-on made: it has no password, and it is in use."""
    return without_password(factories.ReviewerFactory(username="rita.reviewer", sso_subject="rita-oid"))


@pytest.mark.django_db
def test_an_administrator_can_neither_redirect_nor_reset_a_single_sign_on_account(client, administrator):
    reviewer = signed_on_reviewer()
    assert not reviewer.has_usable_password()

    assert not permissions.can_change_address(administrator, reviewer)
    assert not permissions.can_send_reset_link(administrator, reviewer)
    client.force_login(administrator)
    client.post(change_url(reviewer), form_data(client, reviewer, email="attacker@example.org"))
    client.post(
        reverse("admin:tracker_user_changelist"),
        {"action": "send_password_reset_link", "_selected_action": [reviewer.pk]},
    )

    reviewer.refresh_from_db()
    assert reviewer.email == "rita.reviewer@example.police.uk"
    assert not reviewer.has_usable_password()
    with pytest.raises(permissions.ActionRefused, match="signs in with single sign-on"):
        permissions.require_send_reset_link(administrator, reviewer)


@pytest.mark.django_db
def test_an_account_made_without_a_password_and_never_used_may_still_get_its_address(administrator):
    newcomer = without_password(factories.OwnerFactory())

    assert permissions.can_change_address(administrator, newcomer)


@pytest.mark.django_db
@pytest.mark.parametrize("whom", ["themself", "an owner of open actions"])
def test_the_admin_does_not_deactivate_past_the_people_pages_rules(client, administrator, whom):
    person = administrator if whom == "themself" else factories.ActionFactory().owner
    client.force_login(administrator)
    data = form_data(client, person)
    data.pop("is_active", None)  # the box unticked

    client.post(change_url(person), data)

    person.refresh_from_db()
    assert person.is_active, "deactivating is done at /people/<id>/deactivate/, with its rules"


@pytest.mark.django_db
def test_a_switched_off_single_sign_on_session_ends_at_its_next_request(client, settings):
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, sso.BACKEND]
    reviewer = signed_on_reviewer()
    client.force_login(reviewer, backend=sso.BACKEND)
    assert client.get("/account/email/").status_code == 200

    User.objects.filter(pk=reviewer.pk).update(is_active=False)

    response = client.get("/account/email/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_email_claim_alone_never_links_an_existing_account():
    person = factories.OwnerFactory(username="rita@example.org")
    identity = sso.Identity("guest-oid", "rita@example.org", "Rita", "Guest", "rita@example.org")

    with pytest.raises(sso.SignOnRefused, match="already exists and cannot be linked"):
        sso.find_or_make_account(identity)

    person.refresh_from_db()
    assert not person.sso_subject


@pytest.mark.django_db
def test_a_switched_off_account_is_not_linked_by_a_first_sign_on():
    person = factories.OwnerFactory(username="rita.reviewer", is_active=False)
    identity = sso.Identity("rita-oid", "rita.reviewer", "", "", "", username_from_directory=True)

    with pytest.raises(sso.SignOnRefused):
        sso.find_or_make_account(identity)

    person.refresh_from_db()
    assert not person.sso_subject
