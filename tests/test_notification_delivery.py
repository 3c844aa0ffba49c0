"""send_notifications against a real SMTP server (tests/smtp.py): delivered once, with the action's link;
kept and retried with back-off while the server is down; given up and logged after the last attempt;
nothing sent twice or lost when a run dies halfway through a batch."""

import datetime
import io
import logging

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests import factories
from tests.smtp import smtp_server  # noqa: F401 (a fixture)
from tracker import clock, notifications, services
from tracker.models import Notification

State = Notification.State
START = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 0))


def send() -> str:
    out = io.StringIO()
    call_command("send_notifications", stdout=out)
    return out.getvalue()


def returned_to(owner, count: int = 1, reviewer=None) -> list[Notification]:
    """Actions returned to `owner`, each telling them so: `count` emails in the outbox."""
    reviewer = reviewer or factories.ReviewerFactory()
    for n in range(count):
        action = factories.ActionFactory(owner=owner, submitted=True, title=f"Returned action {n}")
        services.return_action(action, by=reviewer, comment=f"Reason {n}")
    return list(Notification.objects.filter(recipient=owner).order_by("pk"))


@pytest.mark.django_db
def test_each_email_is_delivered_once_with_the_link_to_its_action(smtp_server, owner):  # noqa: F811
    [notice] = returned_to(owner)

    output = send()

    [message] = smtp_server.inbox.messages
    assert message["To"] == owner.email
    assert message["Subject"] == "Action returned to you: Returned action 0"
    assert smtp_server.inbox.message_ids() == [notice.message_id]
    assert f"https://tracker.example.police.uk/actions/{notice.action_id}/" in message.get_content()
    assert "Reason 0" in message.get_content()
    notice.refresh_from_db()
    assert (notice.state, notice.attempts, notice.claim) == (State.SENT, 1, "")
    assert notice.sent_at is not None
    assert "1 notification email(s) sent" in output

    assert "0 notification email(s) sent" in send()
    assert len(smtp_server.inbox.messages) == 1


@pytest.mark.django_db
def test_while_the_server_is_down_nothing_is_marked_sent_and_it_is_retried_with_back_off(
    smtp_server,  # noqa: F811
    owner,
):
    with clock.held_at(START) as held:
        [notice] = returned_to(owner)
        smtp_server.stop()

        with pytest.raises(CommandError, match=r"1 notification email\(s\) could not be delivered"):
            send()
        notice.refresh_from_db()
        assert (notice.state, notice.attempts, notice.sent_at) == (State.PENDING, 1, None)
        assert notice.next_attempt_at == START + datetime.timedelta(minutes=1)
        assert "ConnectionRefusedError" in notice.last_error

        held.advance(datetime.timedelta(seconds=30))
        send()  # not due yet: nothing is tried
        notice.refresh_from_db()
        assert notice.attempts == 1

        held.advance(datetime.timedelta(seconds=31))
        with pytest.raises(CommandError):
            send()
        notice.refresh_from_db()
        assert notice.attempts == 2
        assert notice.next_attempt_at == held.moment + datetime.timedelta(minutes=2)  # twice as long

        smtp_server.start()
        held.advance(datetime.timedelta(minutes=2))
        send()
        send()

    assert smtp_server.inbox.message_ids() == [notice.message_id]
    notice.refresh_from_db()
    assert (notice.state, notice.attempts) == (State.SENT, 3)


def test_back_off_doubles_up_to_an_hour():
    waits = [notifications.backoff(attempt) for attempt in range(1, 10)]
    assert [wait.total_seconds() / 60 for wait in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.django_db
def test_after_the_last_attempt_an_email_is_given_up_and_logged_for_the_operator(
    smtp_server,  # noqa: F811
    owner,
    settings,
    caplog,
):
    settings.TRACKER_NOTIFY_MAX_ATTEMPTS = 2
    with clock.held_at(START) as held:
        [notice] = returned_to(owner)
        smtp_server.stop()
        for _ in range(2):
            with pytest.raises(CommandError), caplog.at_level(logging.WARNING, logger="tracker"):
                send()
            held.advance(datetime.timedelta(hours=2))
        smtp_server.start()
        send()

    notice.refresh_from_db()
    assert (notice.state, notice.attempts) == (State.FAILED, 2)
    assert smtp_server.inbox.messages == []
    [given_up] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert f"Notification {notice.pk} (to person {owner.pk}) given up after 2 attempts" in given_up.getMessage()
    assert given_up.event == "notification_failed"


@pytest.mark.django_db
def test_a_refused_address_does_not_hold_up_the_others(smtp_server, owner, other_owner):  # noqa: F811
    returned_to(owner)
    [theirs] = returned_to(other_owner)
    smtp_server.inbox.refuse = {owner.email}

    with pytest.raises(CommandError, match="1 notification email"):
        send()

    assert smtp_server.inbox.message_ids() == [theirs.message_id]
    mine = Notification.objects.get(recipient=owner)
    assert (mine.state, mine.attempts) == (State.PENDING, 1)
    assert "550" in mine.last_error


@pytest.mark.django_db
def test_someone_without_an_email_address_is_not_a_delivery_failure(smtp_server, owner):  # noqa: F811
    [notice] = returned_to(owner)
    owner.email = ""
    owner.save()

    output = send()  # no CommandError: there is nothing to retry

    notice.refresh_from_db()
    assert notice.state == State.FAILED
    assert "1 to people with no email address" in output


@pytest.mark.django_db
def test_a_run_killed_halfway_through_a_batch_sends_none_twice_and_loses_none(smtp_server, owner):  # noqa: F811
    def killed_after_the_first_email() -> bool:
        if smtp_server.inbox.messages:
            raise KeyboardInterrupt  # as a person at the terminal, or the process dying, would
        return False

    with clock.held_at(START) as held:
        notices = returned_to(owner, 3)
        with pytest.raises(KeyboardInterrupt):
            notifications.deliver(stop=killed_after_the_first_email)
        states = list(Notification.objects.order_by("pk").values_list("state", flat=True))
        assert states == [State.SENT, State.SENDING, State.SENDING]

        send()  # a run straight after leaves them to the run that claimed them
        assert len(smtp_server.inbox.messages) == 1

        held.advance(notifications.LEASE + datetime.timedelta(seconds=1))
        send()  # the claim has lapsed: the next run sends them
        send()

    assert sorted(smtp_server.inbox.message_ids()) == sorted(n.message_id for n in notices)
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}


@pytest.mark.django_db
def test_a_run_stopped_between_emails_puts_back_what_it_did_not_try(smtp_server, owner):  # noqa: F811
    notices = returned_to(owner, 3)

    run = notifications.deliver(stop=lambda: bool(smtp_server.inbox.messages))

    assert run.sent == 1
    rest = Notification.objects.filter(pk__in=[n.pk for n in notices[1:]])
    assert list(rest.values_list("state", "attempts", "claim")) == [(State.PENDING, 0, "")] * 2
    send()
    assert len(smtp_server.inbox.messages) == 3


@pytest.mark.django_db
def test_sending_takes_two_queries_an_email_and_no_more(smtp_server, owner, django_assert_num_queries):  # noqa: F811
    def queries_to_send(count: int) -> int:
        Notification.objects.update(state=State.SENT, sent_at=clock.now())
        returned_to(owner, count)
        with django_assert_num_queries(QUERIES_PER_BATCH + QUERIES_PER_EMAIL * count + QUERIES_TO_FIND_NONE):
            run = notifications.deliver()
        return run.sent

    assert queries_to_send(2) == 2
    assert queries_to_send(6) == 6


# Claiming a batch: SAVEPOINT, the due rows' ids (locked, skipping rows another run holds), marking them
# claimed, RELEASE SAVEPOINT; then reading the claimed rows with their recipients.
QUERIES_PER_BATCH = 5
# Renewing its claim before the server is spoken to, and marking it sent.
QUERIES_PER_EMAIL = 2
# The next claim, which finds nothing due: SAVEPOINT, the ids, RELEASE SAVEPOINT.
QUERIES_TO_FIND_NONE = 3
