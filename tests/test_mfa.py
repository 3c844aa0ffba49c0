"""Multi-factor sign-in, through the pages, as a person goes through it: set up, codes, recovery codes."""

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tracker import mfa

PASSWORD = "correct horse battery staple"  # the factories' password
HOME = "/"
VERIFY = "/account/second-factor/"
RECOVERY = "/account/second-factor/recovery/"
SET_UP = "/account/second-factor/set-up/"
SECURITY = "/account/security/"


@pytest.fixture(autouse=True)
def second_factor_on(settings):
    settings.TRACKER_MFA = "powers"  # production's default (tests/conftest.py turns it off for the rest)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the person's authenticator app shows now (or that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def sign_in(client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step"


def with_app(user) -> TOTPDevice:
    """A person who set up their authenticator app (and recovery codes) at an earlier sign-in."""
    device = TOTPDevice.objects.create(user=user, name=mfa.APP_NAME, confirmed=True)
    mfa.make_recovery_codes(user)
    return device


def recovery_codes(user) -> list[str]:
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def is_asked_again(client) -> bool:
    response = client.get(HOME)
    return response.status_code == 302 and response.url.startswith(VERIFY)


@pytest.mark.django_db
def test_a_reviewer_sets_up_an_app_at_first_sign_in_then_gets_recovery_codes(client, reviewer):
    sign_in(client, reviewer)

    sent = client.get("/review/")
    assert sent.status_code == 302 and sent.url == "/account/second-factor/?next=%2Freview%2F"
    assert client.get(sent.url).url == "/account/second-factor/set-up/?next=%2Freview%2F"
    page = client.get("/account/second-factor/set-up/?next=%2Freview%2F")
    content = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', content)
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    key = re.search(r'<p class="secret" id="secret-key">([A-Z2-7 ]+)</p>', content).group(1)
    assert len(key.split()) == 8, "32 base32 characters in groups of four"
    assert client.get(SET_UP).content.decode().count(key) == 1, "the same key until it is confirmed"

    done = client.post(SET_UP, {"code": code_for(device), "next": "/review/"})

    assert done.status_code == 200
    shown = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(shown) == 10 and sorted(shown) == sorted(recovery_codes(reviewer))
    assert 'href="/review/"' in done.content.decode()
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert client.get("/review/").status_code == 200
    assert not re.findall(r"<li>([a-z2-7]{8})</li>", client.get(SECURITY).content.decode()), "shown only once"


@pytest.mark.django_db
def test_a_wrong_code_at_set_up_keeps_the_same_key_and_asks_again(client, lead):
    sign_in(client, lead)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=lead)

    response = client.post(SET_UP, {"code": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert mfa_key_on(response) == mfa_key_on(client.get(SET_UP))
    device.refresh_from_db()
    assert not device.confirmed and not recovery_codes(lead)


def mfa_key_on(response) -> str:
    return re.search(r'id="secret-key">([A-Z2-7 ]+)<', response.content.decode()).group(1)


@pytest.mark.django_db
def test_a_code_from_the_app_lets_them_in_and_back_to_where_they_were_going(client, reviewer):
    device = with_app(reviewer)
    sign_in(client, reviewer)
    assert client.get(SET_UP).url.startswith(VERIFY), "an app once set up is not replaced with a password alone"

    response = client.post(VERIFY, {"code": code_for(device), "next": "/review/"})

    assert response.status_code == 302 and response.url == "/review/"
    assert client.get("/review/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_with_a_reason_and_guessing_is_slowed_down(client, reviewer):
    device = with_app(reviewer)
    sign_in(client, reviewer)

    wrong = client.post(VERIFY, {"code": wrong_code(device), "next": "/review/"})

    assert wrong.status_code == 400
    content = wrong.content.decode()
    assert "That code is not right" in content
    assert 'action="/account/second-factor/?next=%2Freview%2F"' in content, "where they were going is not lost"
    assert is_asked_again(client)
    throttled = client.post(VERIFY, {"code": code_for(device), "next": "/review/"})
    assert throttled.status_code == 400
    assert "Too many wrong codes: wait 1 second and try again." in throttled.content.decode()
    assert is_asked_again(client)

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(seconds=2)
    )
    assert client.post(VERIFY, {"code": code_for(device), "next": "/review/"}).url == "/review/"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "12345", "abcdef", "1234567"])
def test_a_code_that_is_not_six_digits_is_a_form_error(client, reviewer, typed):
    with_app(reviewer)
    sign_in(client, reviewer)

    response = client.post(VERIFY, {"code": typed})

    assert response.status_code == 400
    assert "Enter the 6-digit code from your authenticator app" in response.content.decode()
    assert TOTPDevice.objects.get(user=reviewer).throttling_failure_count == 0, "not a guess"


@pytest.mark.django_db
def test_a_code_used_once_is_refused_the_second_time(client, reviewer):
    device = with_app(reviewer)
    code = code_for(device)
    sign_in(client, reviewer)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/accounts/logout/")

    sign_in(client, reviewer)
    again = client.post(VERIFY, {"code": code})

    assert again.status_code == 400
    assert "A code that has been used once is not accepted again" in again.content.decode()
    assert is_asked_again(client)


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, reviewer):
    with_app(reviewer)
    code = recovery_codes(reviewer)[0]
    sign_in(client, reviewer)
    assert client.get(VERIFY).content.decode().count('href="/account/second-factor/recovery/?next=') == 1

    used = client.post(RECOVERY, {"code": f" {code[:4].upper()} {code[4:]} ", "next": "/review/"}, follow=True)

    assert used.redirect_chain == [("/review/", 302)]
    assert "you have 9 left" in used.content.decode()
    assert code not in recovery_codes(reviewer)
    client.post("/accounts/logout/")
    sign_in(client, reviewer)
    again = client.post(RECOVERY, {"code": code})
    assert again.status_code == 400
    assert "has been used already" in again.content.decode()
    assert is_asked_again(client)


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(client, reviewer):
    device = with_app(reviewer)
    old = recovery_codes(reviewer)
    sign_in(client, reviewer)
    client.post(VERIFY, {"code": code_for(device)})
    page = client.get(SECURITY).content.decode()
    assert re.search(r"<dt>Recovery codes left</dt><dd>10</dd>", page)

    made = client.post(SECURITY)

    new = re.findall(r"<li>([a-z2-7]{8})</li>", made.content.decode())
    assert len(new) == 10 and sorted(new) == sorted(recovery_codes(reviewer))
    assert not set(old) & set(new)
    client.post("/accounts/logout/")
    sign_in(client, reviewer)
    assert client.post(RECOVERY, {"code": new[0]}).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, reviewer)
    assert client.post(RECOVERY, {"code": old[0]}).status_code == 400


@pytest.mark.django_db
def test_someone_still_owing_the_second_factor_can_sign_out_and_reach_nothing_else(client, administrator):
    sign_in(client, administrator)

    for path in ["/", "/actions/", "/admin/", "/admin/tracker/user/", SECURITY]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(VERIFY), path
    assert client.post("/actions/").url.startswith(VERIFY)
    assert client.get("/healthz").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "9999", ""])
def test_after_the_code_they_go_only_to_a_page_of_this_site(client, reviewer, elsewhere):
    device = with_app(reviewer)
    sign_in(client, reviewer)

    response = client.post(VERIFY, {"code": code_for(device), "next": elsewhere})

    assert response.url == "/"


@pytest.mark.django_db
def test_an_owner_is_not_asked_and_their_security_page_says_so(client, owner):
    sign_in(client, owner)

    assert client.get("/").status_code == 200
    assert client.get(VERIFY).url == "/"
    assert "Not needed for your account" in client.get(SECURITY).content.decode()
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_a_force_login_session_has_not_given_the_second_factor(client, lead):
    client.force_login(lead)  # as the rest of the suite signs people in: a password session, no second factor

    assert is_asked_again(client)


@pytest.mark.django_db
def test_a_superuser_is_asked_too(client):
    superuser = factories.UserFactory(username="root", is_superuser=True)
    sign_in(client, superuser)

    assert client.get("/admin/").url.startswith(VERIFY)


@pytest.mark.django_db
def test_a_page_costs_one_query_more_with_the_second_factor_given(settings, client, reviewer):
    """Which device the session passed with is read once a request (django-otp's middleware); nothing else."""
    device = with_app(reviewer)
    sign_in(client, reviewer)
    client.post(VERIFY, {"code": code_for(device)})
    settings.TRACKER_MFA = "off"
    password_only = Client()
    password_only.force_login(reviewer)
    counts = []
    for mode, session in [("powers", client), ("off", password_only)]:
        settings.TRACKER_MFA = mode
        session.get("/review/")
        with CaptureQueriesContext(connection) as queries:
            assert session.get("/review/").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] + 1
