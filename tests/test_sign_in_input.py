"""Whatever is typed into a sign-in form gets an answer, never a server error."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LONG = "a" * 5000


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_an_over_long_username_is_a_form_error_not_a_500(client, url_name):
    response = client.post(reverse(url_name), {"username": LONG, "password": "anything"})

    assert response.status_code == 200
    assert "Enter a username of 150 characters or fewer" in response.content.decode()


def test_a_real_username_still_signs_in_and_a_wrong_password_is_still_refused(client):
    factories.OwnerFactory(username="owner", password="correct horse battery staple")

    refused = client.post(reverse("login"), {"username": "owner", "password": "wrong"})

    assert refused.status_code == 200
    assert "Enter a correct username and password" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    signed_in = client.post(reverse("login"), {"username": "owner", "password": "correct horse battery staple"})
    assert signed_in.status_code == 302
    assert "_auth_user_id" in client.session
