"""Reminder emails: one per person per run, listing what needs them.

Owners hear about their actions that are due within TRACKER_DUE_SOON_DAYS,
overdue, or inactive (no progress note for TRACKER_INACTIVITY_DAYS); leads
about extension requests waiting for a decision; PCC reviewers about the
submitted actions they may decide. An item is never sent to the same person
twice on one day: ReminderSent remembers what went out.
"""

import datetime
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from . import clock, permissions
from .models import Action, ExtensionRequest, ReminderSent, User, due_soon_q, inactive_q, overdue_q


@dataclass
class Item:
    key: str  # what ReminderSent records: action:12, extension:3, review:12
    text: str
    path: str


@dataclass
class Digest:
    recipient: User
    items: list[Item] = field(default_factory=list)

    @property
    def subject(self) -> str:
        count = len(self.items)
        return f"Improvement plan: {count} item{'s' if count != 1 else ''} need{'s' if count == 1 else ''} you"

    @property
    def body(self) -> str:
        lines = [f"Dear {self.recipient.get_full_name() or self.recipient.username},", ""]
        lines.append("These improvement plan items need your attention:")
        lines.append("")
        for item in self.items:
            lines.append(f"- {item.text}")
            lines.append(f"  {settings.TRACKER_SITE_URL.rstrip('/')}{item.path}")
        lines += ["", "You get at most one reminder a day about each item.", "Improvement Plan Tracker"]
        return "\n".join(lines)


def _date(day: datetime.date) -> str:
    return f"{day:%-d %B %Y}"


def _owner_items(today: datetime.date, now: datetime.datetime) -> dict[User, list[Item]]:
    actions = (
        Action.objects.needing_owner()
        .filter(overdue_q(today) | due_soon_q(today) | inactive_q(now))
        .select_related("owner", "finding")
        .order_by("owner", "due_date", "pk")
    )
    items = defaultdict(list)
    for action in actions:
        reasons = []
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
    already = set(ReminderSent.objects.filter(sent_on=today).values_list("recipient_id", "item"))
    result = []
    for digest in digests.values():
        digest.items = [item for item in digest.items if (digest.recipient.pk, item.key) not in already]
        if digest.items and permissions.may_be_reminded(digest.recipient):
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
        sent += 1
    if failures:
        raise RemindersNotSent(sent, failures)
    return sent
