"""Emails about what has just happened to an action, through an outbox.

The services write a Notification in the same transaction as the event they
tell of (the notify_* functions below), so an email exists exactly when its
event does: a move that is refused or rolled back leaves none, and one that is
saved cannot lose its email to a mail server that was down at the time.

send_notifications delivers them (deliver() below), for the people who want
each email straight away; send_reminders folds the rest into the next
morning's reminder (tracker/reminders.py).

Delivery, and why no email goes out twice:
1. A run claims a batch: in one short transaction it marks the due rows
   "sending" under its own claim token, with a lease (LEASE). The UPDATE
   re-checks each row's state, so two runs at once never claim the same row
   (PostgreSQL also skips rows another run has locked; SQLite serialises
   writers).
2. For each row it renews the lease, still under its token, and only then
   talks to the mail server; once the server has accepted the message, the
   row is marked sent in its own transaction.
3. A run that dies leaves its rows "sending" until the lease lapses, then the
   next run sends them. The only email that can go out twice is one the
   server accepted in the moment before the run died, before its row was
   marked sent (milliseconds); it carries the same Message-ID both times, so
   the copy is recognisably the same message. Every other row is either sent
   and marked, or not sent and taken back: none is lost.
4. A refused message, or a server that cannot be reached, puts the row back
   with exponential back-off (BACKOFF_FIRST doubling to BACKOFF_CAP); after
   TRACKER_NOTIFY_MAX_ATTEMPTS attempts it is given up as failed and logged
   as an error for the operator.
"""

import datetime
import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse

from . import clock, permissions
from .models import Action, ExtensionRequest, Notification, User

log = logging.getLogger("tracker")

Kind = Notification.Kind
State = Notification.State

# A row claimed by a run that then died is sent by a later run once this has passed. Each row's lease
# is renewed just before its message is sent, so it only has to outlast one message's SMTP exchange.
LEASE = datetime.timedelta(minutes=10)
BACKOFF_FIRST = datetime.timedelta(minutes=1)
BACKOFF_CAP = datetime.timedelta(hours=1)
BATCH_SIZE = 50
# How long to wait for the mail server at each step, when EMAIL_TIMEOUT does not say.
SMTP_TIMEOUT = 30

SUBJECTS = {
    Kind.ASSIGNED: "Action assigned to you: {title}",
    Kind.RETURNED: "Action returned to you: {title}",
    Kind.EXTENSION_DECIDED: "Extension request {verdict}: {title}",
    Kind.SUBMITTED: "Action waiting for sign-off: {title}",
    Kind.SIGNED_OFF: "Action signed off: {title}",
}


def site_link(path: str) -> str:
    return f"{settings.TRACKER_SITE_URL.rstrip('/')}{path}"


def _message_id() -> str:
    host = urlsplit(settings.TRACKER_SITE_URL).hostname or "improvement-plan.invalid"
    return f"<notification.{uuid.uuid4().hex}@{host}>"


def _write(kind: str, action: Action, people: Iterable[User], *, by: User, **context) -> list[Notification]:
    """One email to each person who can read it, except the person who did it. Call inside the service's transaction."""
    people = [person for person in people if person.pk != by.pk and permissions.may_be_reminded(person)]
    if not people:
        return []
    now = clock.now()
    subject = " ".join(SUBJECTS[kind].format(title=action.title, **context).split())
    context.update(
        action=action,
        by=by,
        link=site_link(action.get_absolute_url()),
        settings_link=site_link(reverse("tracker:account-email")),
    )
    notifications = [
        Notification(
            recipient=person,
            action=action,
            kind=kind,
            subject=subject[:255],
            summary=f"{subject}, by {by} on {now:%-d %B %Y}"[:500],
            body=render_to_string(f"tracker/email/{kind}.txt", {**context, "name": str(person)}),
            message_id=_message_id(),
            created_at=now,
            next_attempt_at=now,
        )
        for person in people
    ]
    return Notification.objects.bulk_create(notifications)


def notify_assigned(action: Action, *, by: User) -> list[Notification]:
    return _write(Kind.ASSIGNED, action, [action.owner], by=by)


def notify_returned(action: Action, *, by: User, comment: str) -> list[Notification]:
    return _write(Kind.RETURNED, action, [action.owner], by=by, comment=comment)


def notify_extension_decided(request: ExtensionRequest, *, by: User) -> list[Notification]:
    verdict = request.get_status_display().lower()
    return _write(
        Kind.EXTENSION_DECIDED, request.action, [request.requested_by], by=by, verdict=verdict, request=request
    )


def notify_submitted(action: Action, *, by: User) -> list[Notification]:
    """The reviewers who may decide it: not its owner or submitter (permissions.deciders)."""
    return _write(Kind.SUBMITTED, action, permissions.deciders(action), by=by)


def notify_signed_off(action: Action, *, by: User, comment: str) -> list[Notification]:
    return _write(Kind.SIGNED_OFF, action, [action.owner], by=by, comment=comment)


# Delivery -------------------------------------------------------------------------------


@dataclass
class Run:
    """What one run of send_notifications did."""

    sent: int = 0
    retrying: int = 0  # could not be sent now; put back to try later
    failed: int = 0  # given up after TRACKER_NOTIFY_MAX_ATTEMPTS attempts
    unreachable: int = 0  # the person has no email address or has left

    @property
    def undelivered(self) -> int:
        return self.retrying + self.failed


def _claimable(now: datetime.datetime) -> Q:
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(state=State.SENDING, claimed_until__lt=now)


def due(now: datetime.datetime):
    """What send_notifications sends now: those for people who want them straight away, and any whose claim lapsed."""
    return Notification.objects.filter(
        Q(state=State.PENDING, next_attempt_at__lte=now, recipient__email_preference=User.EmailPreference.IMMEDIATE)
        | Q(state=State.SENDING, claimed_until__lt=now)
    )


def claim(limit: int = BATCH_SIZE) -> tuple[str, list[Notification]]:
    """Mark a batch of due rows as this run's ("sending", under a new token and lease); return the token and rows."""
    token = uuid.uuid4().hex
    now = clock.now()
    with transaction.atomic():
        candidates = due(now).select_for_update(skip_locked=True, of=("self",)).order_by("next_attempt_at", "pk")
        pks = list(candidates.values_list("pk", flat=True)[:limit])
        if not pks:
            return token, []
        # The state is checked again as each row is updated: a row another run took first is left to it.
        Notification.objects.filter(_claimable(now), pk__in=pks).update(
            state=State.SENDING, claim=token, claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
    batch = Notification.objects.filter(claim=token, state=State.SENDING).select_related("recipient")
    return token, list(batch.order_by("next_attempt_at", "pk"))


def _ours(notification: Notification, token: str):
    return Notification.objects.filter(pk=notification.pk, claim=token, state=State.SENDING)


def _release(notifications: list[Notification], token: str) -> None:
    """Put back rows claimed but not tried (the run is stopping): as they were, not counted as an attempt."""
    Notification.objects.filter(pk__in=[n.pk for n in notifications], claim=token, state=State.SENDING).update(
        state=State.PENDING, claim="", claimed_until=None, attempts=F("attempts") - 1
    )


def backoff(attempts: int) -> datetime.timedelta:
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(attempts - 1, 0))


def _retry_or_give_up(notification: Notification, token: str, error: Exception, run: Run) -> None:
    reason = f"{type(error).__name__}: {error}"[:1000]
    if notification.attempts >= settings.TRACKER_NOTIFY_MAX_ATTEMPTS:
        _ours(notification, token).update(state=State.FAILED, claim="", claimed_until=None, last_error=reason)
        run.failed += 1
        log.error(
            f"Notification {notification.pk} (to person {notification.recipient_id}) given up after "
            f"{notification.attempts} attempts: see it in the admin's outbox",
            extra={"event": "notification_failed", "reason": reason},
        )
        return
    _ours(notification, token).update(
        state=State.PENDING,
        claim="",
        claimed_until=None,
        last_error=reason,
        next_attempt_at=clock.now() + backoff(notification.attempts),
    )
    run.retrying += 1
    log.warning(
        f"Notification {notification.pk} not sent (attempt {notification.attempts}); will try again",
        extra={"event": "notification_retry", "reason": reason},
    )


def _email(notification: Notification, connection) -> EmailMessage:
    return EmailMessage(
        notification.subject,
        notification.body,
        None,
        [notification.recipient.email],
        connection=connection,
        headers={"Message-ID": notification.message_id},
    )


# Refusals of one message (a bad address, say); anything else means the server is not there to talk to.
MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def send_batch(token: str, batch: list[Notification], run: Run, stop: Callable[[], bool] = lambda: False) -> bool:
    """Send a claimed batch, each row marked as it goes; False if the mail server could not be reached."""
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT)
    try:
        for index, notification in enumerate(batch):
            if stop():
                _release(batch[index:], token)
                return True
            if not permissions.may_be_reminded(notification.recipient):
                _ours(notification, token).update(
                    state=State.FAILED, claim="", claimed_until=None, last_error="No email address, or has left"
                )
                run.unreachable += 1
                continue
            # Renewed before the server is spoken to: if another run took the row back meanwhile, it is theirs.
            if not _ours(notification, token).update(claimed_until=clock.now() + LEASE):
                continue
            try:
                connection.open()  # once for the batch: send_messages would open and close one per message
                connection.send_messages([_email(notification, connection)])
            except MESSAGE_REFUSED as error:
                connection.close()
                _retry_or_give_up(notification, token, error, run)
                continue
            except (smtplib.SMTPException, OSError) as error:  # unreachable, refused the connection, timed out
                for unsent in batch[index:]:
                    _retry_or_give_up(unsent, token, error, run)
                return False
            _ours(notification, token).update(state=State.SENT, sent_at=clock.now(), claim="", claimed_until=None)
            run.sent += 1
    finally:
        connection.close()
    return True


def deliver(*, stop: Callable[[], bool] = lambda: False, batch_size: int = BATCH_SIZE) -> Run:
    """Send everything due, a batch at a time, until nothing is due, the server is down, or stop() says so."""
    run = Run()
    while not stop():
        token, batch = claim(batch_size)
        if not batch or not send_batch(token, batch, run, stop):
            break
    return run


def mark_sent_in_digest(notifications: list[Notification]) -> None:
    """send_reminders has sent these in a person's daily email."""
    Notification.objects.filter(pk__in=[n.pk for n in notifications], state=State.PENDING).update(
        state=State.SENT, sent_at=clock.now(), in_digest=True
    )


def for_digests():
    """The emails waiting for people who chose a daily email: send_reminders sends them, summarised."""
    return (
        Notification.objects.filter(state=State.PENDING, recipient__email_preference=User.EmailPreference.DAILY)
        .select_related("recipient")
        .order_by("created_at", "pk")
    )
