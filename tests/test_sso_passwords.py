"""TRACKER_LOCAL_PASSWORDS off: single sign-on only, on the site's sign-in page and the admin's."""

import pytest

from tests import factories
from tests.test_sso import configure
from tracker.checks import check_single_sign_on

PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture
def passwords_off(settings):
    configure(settings, "https://127.0.0.1:9")  # the provider is not asked: the pages only show its button
    settings.TRACKER_LOCAL_PASSWORDS = False
    return settings


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/accounts/login/", "/admin/login/"])
def test_the_sign_in_pages_show_only_the_button(client, passwords_off, page):
    text = client.get(page).text

    assert 'id="sso-sign-in"' in text and "Sign in with Hertfordshire Constabulary account" in text
    assert 'type="password"' not in text and 'name="username"' not in text


@pytest.mark.django_db
def test_a_password_posted_to_the_site_is_refused_with_a_reason(client, passwords_off):
    factories.OwnerFactory(username="dsupt")

    response = client.post("/accounts/login/", {"username": "dsupt", "password": PASSWORD})

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Password sign-in is switched off here: sign in with your force account instead." in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("is_superuser", [False, True])
def test_a_password_posted_to_the_admin_is_refused_a_superuser_too(client, passwords_off, is_superuser):
    factories.AdministratorFactory(username="boss", is_superuser=is_superuser)

    response = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": PASSWORD})

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Password sign-in is switched off here" in response.text


@pytest.mark.django_db
def test_passwords_work_again_when_switched_back_on(client, passwords_off):
    factories.OwnerFactory(username="dsupt")
    passwords_off.TRACKER_LOCAL_PASSWORDS = True

    response = client.post("/accounts/login/", {"username": "dsupt", "password": PASSWORD})

    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_passwords_off_without_single_sign_on_is_refused_by_the_system_check(settings):
    settings.TRACKER_LOCAL_PASSWORDS = False

    assert [error.id for error in check_single_sign_on()] == ["tracker.E012"]


def test_passwords_off_with_single_sign_on_passes_the_system_check(passwords_off):
    assert check_single_sign_on() == []
