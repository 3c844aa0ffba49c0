"""A script failing with many usernames from one address is slowed there, and no account is locked.

TRACKER_SIGN_IN_THROTTLE_FAILURES failures from one address within TRACKER_SIGN_IN_THROTTLE_MINUTES
pause both sign-in forms for that address (429, saying why and for how long), counted in the database
so that every worker process sees the same failures.
"""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse

from tests import factories
from tests.test_logs import events, log_output  # noqa: F401 (log_output is a fixture)
from tests.test_sign_in_proxy import ELSEWHERE, HOME, NGINX, PASSWORD, through_nginx
from tracker import clock

pytestmark = pytest.mark.django_db

SCRIPT = "192.0.2.66"
PAUSED = "Signing in from here is paused"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.TRACKER_SIGN_IN_THROTTLE_FAILURES = 20
    settings.TRACKER_SIGN_IN_THROTTLE_MINUTES = 15


def sign_in(client, username, password, address, url_name="login"):
    return client.post(reverse(url_name), {"username": username, "password": password}, **through_nginx(address))


def script_fails(client, times, address=SCRIPT):
    """A script trying one password for each of many usernames, none twice."""
    for number in range(times):
        response = sign_in(client, f"guess-{number}", "Password1", address)
        assert response.status_code == 200  # a form error: not yet paused


def test_many_usernames_failing_from_one_address_pause_signing_in_there_and_lock_no_account(client):
    factories.ReviewerFactory(username="reviewer")
    script_fails(client, 20)

    paused = sign_in(client, "reviewer", PASSWORD, SCRIPT)

    assert paused.status_code == 429
    page = paused.content.decode()
    assert PAUSED in page
    assert "too many failed attempts to sign in from your network in the last 15 minutes" in page
    assert "Try again in 15 minutes." in page
    assert int(paused["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.count() == 20  # the refused attempt was not tried, so not counted
    assert not AccessAttempt.objects.filter(failures_since_start__gte=2).exists()  # no account near a lockout
    # The same person, elsewhere, signs in as usual.
    assert sign_in(client, "reviewer", PASSWORD, ELSEWHERE).status_code == 302


def test_the_pause_covers_the_admins_sign_in_and_the_form_itself(client):
    factories.AuditorFactory(username="auditor")
    script_fails(client, 20)

    assert sign_in(client, "auditor", PASSWORD, SCRIPT, url_name="admin:login").status_code == 429
    shown = client.get(reverse("login"), **through_nginx(SCRIPT))
    assert shown.status_code == 429 and PAUSED in shown.content.decode()
    assert client.get(reverse("login"), **through_nginx(ELSEWHERE)).status_code == 200


def test_failures_at_the_admins_form_count_too(client):
    for number in range(20):
        sign_in(client, f"guess-{number}", "Password1", SCRIPT, url_name="admin:login")

    assert sign_in(client, "anyone", "Password1", SCRIPT).status_code == 429


def test_one_failure_fewer_does_not_pause(client):
    factories.ReviewerFactory(username="reviewer")
    script_fails(client, 19)

    assert sign_in(client, "reviewer", PASSWORD, SCRIPT).status_code == 302


def test_the_pause_ends_as_the_failures_leave_the_window_and_says_how_long_is_left(client):
    script_fails(client, 20)
    AccessFailureLog.objects.update(attempt_time=clock.now() - datetime.timedelta(minutes=11))

    paused = sign_in(client, "anyone", "Password1", SCRIPT)
    assert "Try again in 4 minutes." in paused.content.decode()

    AccessFailureLog.objects.update(attempt_time=clock.now() - datetime.timedelta(minutes=15, seconds=1))
    assert sign_in(client, "anyone", "Password1", SCRIPT).status_code == 200


def test_failures_written_by_another_worker_count(client):
    """The count is the database's, not one process's memory: rows any worker wrote are counted."""
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username=f"guess-{n}", ip_address=SCRIPT, user_agent="script", path_info="/accounts/login/")
        for n in range(20)
    )

    assert sign_in(client, "anyone", "Password1", SCRIPT).status_code == 429
    assert sign_in(client, "anyone", "Password1", HOME).status_code == 200


def test_the_address_counted_is_the_clients_not_the_proxys(client):
    script_fails(client, 20)

    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {SCRIPT}
    response = client.post(reverse("login"), {"username": "x", "password": "y"}, REMOTE_ADDR=NGINX)
    assert response.status_code == 200  # nginx's own address is not paused by the script's failures


def test_a_limit_of_0_turns_the_pause_off(client, settings):
    settings.TRACKER_SIGN_IN_THROTTLE_FAILURES = 0
    script_fails(client, 21)


def test_the_pause_is_logged_with_the_address(client, log_output):  # noqa: F811
    script_fails(client, 20)

    sign_in(client, "anyone", "Password1", SCRIPT)

    lines = log_output()
    [throttled] = events(lines, "sign_in_throttled")
    assert throttled["client_address"] == SCRIPT and throttled["level"] == "WARNING"
    assert events(lines, "request")[-1]["reason"] == "Too many failed sign-ins from this address"
