"""Behind the proxy the README recommends, the lockout is on the real client's address (issue 12, point 3).

Our nginx (docs/deploy.md) connects from its own address and sends the client's address as the single
X-Forwarded-For entry, replacing whatever the client sent. With TRUSTED_PROXIES=1 that entry is the
address; with 0 (no proxy) the connection's own. No header a client writes chooses the address a
lockout is kept at, so nobody elsewhere can lock a named person out.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.test import RequestFactory
from django.urls import reverse

from tests import factories
from tests.test_logs import events, log_output  # noqa: F401 (log_output is a fixture)
from tracker.client_address import client_address

PASSWORD = "correct horse battery staple"
NGINX = "127.0.0.1"  # where the proxy connects from, on the same machine
HOME = "203.0.113.10"  # the reviewer's own address
ELSEWHERE = "198.51.100.20"
STRANGER = "192.0.2.66"


def through_nginx(address: str) -> dict:
    """A request as our nginx passes it on: from its own address, the client's as the one X-Forwarded-For entry."""
    return {"REMOTE_ADDR": NGINX, "headers": {"X-Forwarded-For": address}}


def address_of(remote_addr: str, forwarded_for: str | None = None) -> str | None:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote_addr, headers=headers))


# The address: which entry is read ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded_for", "address"),
    [
        # No proxy: the connection's address, whatever the client writes in the header.
        (0, HOME, None, HOME),
        (0, STRANGER, HOME, STRANGER),
        (0, STRANGER, f"{HOME}, {ELSEWHERE}", STRANGER),
        # One nginx, sending exactly one entry: that entry, not nginx's own address.
        (1, NGINX, HOME, HOME),
        (1, NGINX, "10.1.2.3", "10.1.2.3"),  # a client on the force's own network
        (1, NGINX, "2001:db8::7", "2001:db8::7"),
        # One proxy that appends instead: the client's forged entry is to the left and never read.
        (1, NGINX, f"{HOME}, {STRANGER}", STRANGER),
        # No header, or nothing usable in it: the request did not come through the proxy.
        (1, STRANGER, None, STRANGER),
        (1, STRANGER, "unknown", STRANGER),
        # Two proxies, each appending: the second entry from the right.
        (2, "10.0.0.2", f"{HOME}, {STRANGER}, 10.0.0.9", STRANGER),
        (2, "10.0.0.2", STRANGER, "10.0.0.2"),
    ],
)
def test_the_client_address_is_the_entry_the_trusted_proxies_wrote(
    settings, proxies, remote_addr, forwarded_for, address
):
    settings.TRUSTED_PROXIES = proxies

    assert address_of(remote_addr, forwarded_for) == address


def test_a_request_with_no_usable_address_has_none(settings):
    settings.TRUSTED_PROXIES = 0

    assert address_of("") is None
    assert address_of("not-an-address") is None


def test_axes_asks_the_same_function():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "tracker.client_address.client_address"


def settings_with(environment: dict) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if key not in {"TRUSTED_PROXIES", "AXES_PROXY_COUNT"}}
    environ |= {"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "test-only-not-a-secret", **environment}
    program = "import django; django.setup(); from django.conf import settings; print(settings.TRUSTED_PROXIES)"
    return subprocess.run(
        [sys.executable, "-c", program], env=environ, cwd=Path(__file__).parents[1], capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("environment", "proxies"),
    [
        ({}, "0"),
        ({"TRUSTED_PROXIES": "1"}, "1"),
        ({"AXES_PROXY_COUNT": "1"}, "1"),
        ({"TRUSTED_PROXIES": "2", "AXES_PROXY_COUNT": "1"}, "2"),
    ],
)
def test_trusted_proxies_is_read_from_the_environment_with_the_old_name_as_a_fallback(environment, proxies):
    assert settings_with(environment).stdout.strip() == proxies


def test_a_negative_number_of_proxies_is_refused_with_a_sentence():
    run = settings_with({"TRUSTED_PROXIES": "-1"})

    assert run.returncode != 0
    assert "TRUSTED_PROXIES is the number of proxies in front of the app" in run.stderr


@pytest.mark.parametrize(("debug", "proxies", "warned"), [(False, 0, True), (False, 1, False), (True, 0, False)])
def test_the_deploy_gate_warns_when_no_proxy_is_trusted(settings, debug, proxies, warned):
    settings.DEBUG, settings.TRUSTED_PROXIES = debug, proxies

    found = [message.id for message in run_checks(include_deployment_checks=True)]

    assert ("tracker.W001" in found) is warned
    assert "tracker.W001" not in [message.id for message in run_checks()]  # gunicorn still starts


# The lockout, through the real sign-in form -----------------------------------------------------------


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 5


def sign_in(client, username: str, password: str, *, REMOTE_ADDR: str, headers: dict | None = None):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=REMOTE_ADDR, headers=headers or {})


def signed_in(response, client) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_five_failures_lock_a_person_out_from_that_address_only(client, behind_nginx):
    factories.ReviewerFactory(username="reviewer")

    for _ in range(5):
        sign_in(client, "reviewer", "wrong", **through_nginx(HOME))

    locked = sign_in(client, "reviewer", PASSWORD, **through_nginx(HOME))
    assert locked.status_code == 429 and "Signing in is paused for this account" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    [attempt] = AccessAttempt.objects.all()
    assert attempt.ip_address == HOME  # the client's, not nginx's

    assert signed_in(sign_in(client, "reviewer", PASSWORD, **through_nginx(ELSEWHERE)), client)


@pytest.mark.django_db
def test_a_stranger_failing_with_someones_username_does_not_lock_them_out(client, behind_nginx):
    factories.ReviewerFactory(username="reviewer")

    for _ in range(6):
        sign_in(client, "reviewer", "wrong", **through_nginx(STRANGER))

    assert signed_in(sign_in(client, "reviewer", PASSWORD, **through_nginx(HOME)), client)


@pytest.mark.django_db
def test_a_forged_entry_in_front_of_the_real_one_does_not_choose_the_address(client, behind_nginx):
    factories.ReviewerFactory(username="reviewer")
    forged = {"REMOTE_ADDR": NGINX, "headers": {"X-Forwarded-For": f"{HOME}, {STRANGER}"}}

    for _ in range(6):
        sign_in(client, "reviewer", "wrong", **forged)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert signed_in(sign_in(client, "reviewer", PASSWORD, **through_nginx(HOME)), client)


@pytest.mark.django_db
def test_with_no_proxy_trusted_a_header_sent_straight_to_the_app_is_ignored(client, settings):
    settings.TRUSTED_PROXIES = 0
    factories.ReviewerFactory(username="reviewer")

    for _ in range(6):
        sign_in(client, "reviewer", "wrong", REMOTE_ADDR=STRANGER, headers={"X-Forwarded-For": HOME})

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert signed_in(sign_in(client, "reviewer", PASSWORD, REMOTE_ADDR=HOME), client)


@pytest.mark.django_db
def test_the_sign_in_log_names_the_clients_address(client, behind_nginx, log_output):  # noqa: F811
    factories.ReviewerFactory(username="reviewer")

    sign_in(client, "reviewer", "wrong", **through_nginx(HOME))
    sign_in(client, "reviewer", PASSWORD, **through_nginx(HOME))

    lines = log_output()
    [failed] = events(lines, "sign_in_failed")
    [succeeded] = events(lines, "sign_in")
    assert failed["client_address"] == HOME and succeeded["client_address"] == HOME
