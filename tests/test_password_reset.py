"""A forgotten password, reset by email through Django's views in the site's own pages (issue 14, point 2)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 2026"


def link_in(email) -> str:
    return re.search(r"https?://\S+", email.body).group(0)


def test_the_sign_in_page_offers_a_forgotten_password_link(client):
    page = client.get(reverse("login")).content.decode()

    assert f'<a href="{reverse("password_reset")}">Forgotten your password?</a>' in page


def test_the_whole_flow_in_the_sites_pages(client, settings):
    settings.TRACKER_SITE_URL = "https://tracker.herts.example"
    person = factories.OwnerFactory(username="jo", email="jo@herts.police.uk")

    request_page = client.get(reverse("password_reset")).content.decode()
    sent = client.post(reverse("password_reset"), {"email": "JO@herts.police.uk"}, follow=True)
    [email] = mail.outbox
    link = link_in(email)
    path = link.removeprefix("https://tracker.herts.example")
    form_page = client.get(path, follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert "Improvement Plan Tracker" in request_page and "Forgotten your password?" in request_page
    assert "Check your email" in sent.content.decode()
    assert (
        email.to == ["jo@herts.police.uk"] and email.subject == "Reset your password for the Improvement Plan Tracker"
    )
    assert link.startswith("https://tracker.herts.example/accounts/reset/")
    assert "Someone asked to reset the password" in email.body
    assert "Choose a new password" in form_page.content.decode()
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "Your password is set" in client.get(done.url).content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    # The link worked once.
    again = client.get(path, follow=True).content.decode()
    assert "This link no longer works" in again


def test_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@herts.police.uk"}, follow=True)

    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_an_account_that_signs_in_by_single_sign_on_gets_no_link(client):
    person = factories.OwnerFactory(email="sso@herts.police.uk", sso_subject="sub-9")
    person.set_unusable_password()
    person.save()

    client.post(reverse("password_reset"), {"email": "sso@herts.police.uk"})

    assert mail.outbox == []


def test_a_missing_or_bad_address_is_named_and_linked_from_the_summary(client):
    response = client.post(reverse("password_reset"), {"email": ""})

    assert '<a href="#id_email">Enter your email address</a>' in response.content.decode()


def test_a_new_password_must_pass_the_password_rules(client):
    factories.OwnerFactory(email="jo@herts.police.uk")
    client.post(reverse("password_reset"), {"email": "jo@herts.police.uk"})
    form_page = client.get(link_in(mail.outbox[0]), follow=True)

    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200 and "error-summary" in response.content.decode()


def test_the_link_goes_to_the_sites_own_address_not_the_requests_host(client, settings):
    settings.TRACKER_SITE_URL = "https://tracker.herts.example"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example"]
    factories.OwnerFactory(email="jo@herts.police.uk")

    client.post(reverse("password_reset"), {"email": "jo@herts.police.uk"}, HTTP_HOST="other.example")

    assert link_in(mail.outbox[0]).startswith("https://tracker.herts.example/")


def test_with_passwords_off_there_is_nothing_to_reset(client, settings):
    settings.TRACKER_LOCAL_PASSWORDS = False
    factories.OwnerFactory(email="jo@herts.police.uk")

    response = client.post(reverse("password_reset"), {"email": "jo@herts.police.uk"})

    assert response.status_code == 403 and "Password sign-in is switched off" in response.content.decode()
    assert mail.outbox == []
    assert "Forgotten your password?" not in client.get(reverse("login")).content.decode()
