"""send_notifications as separate processes and threads on one PostgreSQL database, as cron and --loop run it:
two at once send each email once; one killed (SIGKILL) mid-batch sends none twice and loses none; --loop picks
up new emails and stops cleanly on SIGTERM."""

import datetime
import os
import signal
import subprocess  # nosec B404: the tests start the site's own management command
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests import factories
from tests.smtp import smtp_server  # noqa: F401 (a fixture)
from tests.test_concurrency import race
from tracker import clock, notifications, services
from tracker.models import Notification

State = Notification.State
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="other processes can only reach a PostgreSQL test database"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def returned(count: int) -> tuple[object, list[Notification]]:
    owner, reviewer = factories.OwnerFactory(), factories.ReviewerFactory()
    for n in range(count):
        action = factories.ActionFactory(owner=owner, submitted=True, title=f"Returned action {n}")
        services.return_action(action, by=reviewer, comment=f"Reason {n}")
    return owner, list(Notification.objects.order_by("pk"))


def sender(smtp, *args: str) -> subprocess.Popen:
    """manage.py send_notifications in a process of its own, on this test's database and SMTP server."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
        "TRACKER_SITE_URL": "https://tracker.example.police.uk",
        "TRACKER_NOTIFY_POLL_SECONDS": "0.2",
    }
    command = [sys.executable, "manage.py", "send_notifications", "--skip-checks", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # nosec B603


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_senders_at_once_send_each_email_once(smtp_server):  # noqa: F811
    _, notices = returned(30)

    outcomes = race(*[lambda: notifications.deliver(batch_size=3)] * 2)

    assert [type(outcome) for outcome in outcomes] == [notifications.Run] * 2
    assert sum(outcome.sent for outcome in outcomes) == 30
    assert sorted(smtp_server.inbox.message_ids()) == sorted(n.message_id for n in notices)
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_sender_killed_mid_batch_sends_none_twice_and_loses_none(smtp_server):  # noqa: F811
    _, notices = returned(5)
    process = None

    def kill_at_the_third_email(received: int) -> None:
        if received == 2:
            process.send_signal(signal.SIGKILL)
            process.wait()

    smtp_server.inbox.on_mail = kill_at_the_third_email
    process = sender(smtp_server)
    assert process.wait(timeout=60) == -signal.SIGKILL
    smtp_server.inbox.on_mail = None
    assert len(smtp_server.inbox.messages) == 2
    states = list(Notification.objects.order_by("pk").values_list("state", flat=True))
    assert states == [State.SENT] * 2 + [State.SENDING] * 3

    assert notifications.deliver().sent == 0  # still claimed by the run that died
    later = clock.now() + notifications.LEASE + datetime.timedelta(seconds=1)
    with clock.held_at(later):
        assert notifications.deliver().sent == 3

    assert sorted(smtp_server.inbox.message_ids()) == sorted(n.message_id for n in notices)
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}


def test_loop_sends_new_emails_as_they_come_and_stops_cleanly_on_sigterm(smtp_server):  # noqa: F811
    process = sender(smtp_server, "--loop")
    try:
        time.sleep(1)
        _, [notice] = returned(1)
        wait_for(lambda: smtp_server.inbox.messages)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert smtp_server.inbox.message_ids() == [notice.message_id]
    notice.refresh_from_db()
    assert notice.state == State.SENT
    assert b"1 notification email(s) sent" in process.stdout.read()
