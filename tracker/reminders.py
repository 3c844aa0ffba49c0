"""Reminder emails: one per person per run, listing what needs them.

Owners hear about their actions that are due within TRACKER_DUE_SOON_DAYS,
overdue, or inactive (no progress note for TRACKER_INACTIVITY_DAYS); leads
about extension requests waiting for a decision; PCC reviewers about the
submitted actions they may decide. An item is never sent to the same person
twice on one day: ReminderSent remembers what went out. An action returned to
its owner in the day before the run is mentioned, with the reviewer's comment.

People who chose a daily email (User.email_preference) get the emails about
what happened to their actions (tracker/notifications.py) here too, as a list
at the top of the same email; each is then marked sent.
"""

import datetime
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import clock, notifications, permissions
from .models import (
    Action,
    ExtensionRequest,
    Notification,
    ReminderSent,
    SignOff,
    User,
    due_soon_q,
    inactive_q,
    overdue_q,
)

# A return this recent is mentioned in the owner's reminder: a day, so a daily run misses none.
RETURNED_WITHIN = datetime.timedelta(days=1)


@dataclass
class Item:
    key: str  # what ReminderSent records: action:12, extension:3, review:12
    text: str
    path: str


@dataclass
class Digest:
    recipient: User
    items: list[Item] = field(default_factory=list)
    notices: list[Notification] = field(default_factory=list)  # for people who chose a daily email

    @property
    def subject(self) -> str:
        count = len(self.items)
        if not count:
            count = len(self.notices)
            return f"Improvement plan: {count} update{'s' if count != 1 else ''} on your actions"
        return f"Improvement plan: {count} item{'s' if count != 1 else ''} need{'s' if count == 1 else ''} you"

    @property
    def body(self) -> str:
        lines = [f"Dear {self.recipient.get_full_name() or self.recipient.username},", ""]
        if self.notices:
            lines += ["What has happened since your last email:", ""]
            for notice in self.notices:
                lines.append(f"- {notice.summary}")
                lines.append(f"  {notifications.site_link(notice.action.get_absolute_url())}")
            lines.append("")
        if self.items:
            lines += ["These improvement plan items need your attention:", ""]
            for item in self.items:
                lines.append(f"- {item.text}")
                lines.append(f"  {notifications.site_link(item.path)}")
            lines += ["", "You get at most one reminder a day about each item."]
        return "\n".join([*lines, "Improvement Plan Tracker"])


def _date(day: datetime.date) -> str:
    return f"{day:%-d %B %Y}"


def _recent_returns(now: datetime.datetime) -> dict[int, SignOff]:
    """The latest return of each action in its owner's hands, made within RETURNED_WITHIN."""
    returns = (
        SignOff.objects.filter(
            decision=SignOff.Decision.RETURN,
            decided_at__gte=now - RETURNED_WITHIN,
            action__status__in=Action.OWNERS_STATUSES,
        )
        .select_related("decided_by")
        .order_by("decided_at", "pk")
    )
    return {sign_off.action_id: sign_off for sign_off in returns}


def _owner_items(today: datetime.date, now: datetime.datetime) -> dict[User, list[Item]]:
    returns = _recent_returns(now)
    actions = (
        Action.objects.needing_owner()
        .filter(overdue_q(today) | due_soon_q(today) | inactive_q(now) | Q(pk__in=returns))
        .select_related("owner", "finding")
        .order_by("owner", "due_date", "pk")
    )
    items = defaultdict(list)
    for action in actions:
        reasons = []
        if returned := returns.get(action.pk):
            reasons.append(
                f"returned to you by {returned.decided_by} on {_date(timezone.localdate(returned.decided_at))}: "
                f"{returned.comment}"
            )
        if action.is_overdue(today):
            reasons.append(f"overdue since {_date(action.due_date)}")
        elif action.is_due_soon(today):
            reasons.append(f"due {_date(action.due_date)}")
        if action.is_inactive(now):
            reasons.append(f"no progress note for over {clock.counted(settings.TRACKER_INACTIVITY_DAYS, 'day')}")
        text = f"{action.title} ({action.finding.reference}): {', '.join(reasons)}"
        items[action.owner].append(Item(f"action:{action.pk}", text, action_path(action.pk)))
    return items


def action_path(pk: int) -> str:
    return reverse("tracker:action-detail", args=[pk])


def _lead_items() -> dict[User, list[Item]]:
    waiting = list(
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("action", "requested_by")
        .order_by("requested_at", "pk")
    )
    items = defaultdict(list)
    if not waiting:
        return items
    for lead in permissions.leads():
        for request in waiting:
            if not permissions.can_decide_extension(lead, request):
                continue  # their own request: another lead decides it
            text = (
                f"Extension request for {request.action.title}: {request.requested_by} asks to move the due date "
                f"from {_date(request.previous_due_date)} to {_date(request.proposed_date)}"
            )
            items[lead].append(Item(f"extension:{request.pk}", text, action_path(request.action_id)))
    return items


def _reviewer_items() -> dict[User, list[Item]]:
    queue = list(Action.objects.filter(status=Action.Status.SUBMITTED).select_related("finding").order_by("updated_at"))
    items = defaultdict(list)
    if not queue:
        return items
    for reviewer in permissions.reviewers():
        for action in queue:
            if not permissions.can_decide_sign_off(reviewer, action):
                continue  # separation of duties: another reviewer decides it
            text = f"Waiting for sign-off: {action.title} ({action.finding.reference})"
            items[reviewer].append(Item(f"review:{action.pk}", text, action_path(action.pk)))
    return items


def build_digests(today: datetime.date | None = None, now: datetime.datetime | None = None) -> list[Digest]:
    """Everyone's reminders for today, less what they have already been sent today."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    digests: dict[User, Digest] = {}
    for source in (_owner_items(today, now), _lead_items(), _reviewer_items()):
        for person, items in source.items():
            digests.setdefault(person, Digest(person)).items.extend(items)
    for notice in notifications.for_digests().select_related("action"):
        digests.setdefault(notice.recipient, Digest(notice.recipient)).notices.append(notice)
    already = set(ReminderSent.objects.filter(sent_on=today).values_list("recipient_id", "item"))
    result = []
    for digest in digests.values():
        digest.items = [item for item in digest.items if (digest.recipient.pk, item.key) not in already]
        if (digest.items or digest.notices) and permissions.may_be_reminded(digest.recipient):
            result.append(digest)
    return sorted(result, key=lambda d: d.recipient.username)


class RemindersNotSent(Exception):
    """Some emails could not be handed to the mail server; nothing was recorded for them, so the next run retries."""

    def __init__(self, sent: int, failures: list[tuple["Digest", Exception]]):
        self.sent, self.failures = sent, failures
        _, first = failures[0]
        super().__init__(
            f"{len(failures)} reminder email(s) could not be sent ({type(first).__name__}: {first}); "
            "nothing was recorded for them, so the next run tries again. Check the mail server settings (EMAIL_HOST)."
        )


def send_digests(digests: list[Digest], today: datetime.date) -> int:
    """Send each email, then remember its items; a failed send is not remembered, so it is retried.

    One person's failure does not stop the others'; RemindersNotSent says how many failed, after the rest are sent.
    """
    sent, failures = 0, []
    for digest in digests:
        try:
            send_mail(digest.subject, digest.body, None, [digest.recipient.email])
        except (smtplib.SMTPException, OSError) as error:  # refused, unreachable, timed out
            failures.append((digest, error))
            continue
        ReminderSent.objects.bulk_create(
            [ReminderSent(recipient=digest.recipient, item=item.key, sent_on=today) for item in digest.items],
            ignore_conflicts=True,
        )
        notifications.mark_sent_in_digest(digest.notices)
        sent += 1
    if failures:
        raise RemindersNotSent(sent, failures)
    return sent
