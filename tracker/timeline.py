"""One action's story, merged from its records and its history, oldest first.

Status moves, sign-offs, extensions and evidence each have a record of their
own that says who, when, from what to what, and why; history adds the
creation of the action and every other field change (title, description,
owner), which have no record but history. A fixed number of queries,
however long the story.
"""

from dataclasses import dataclass, field
from datetime import datetime

from .models import Action, ExtensionRequest, SignOff, User

DATE = "%-d %B %Y"
# Fields whose changes are told by their own records (progress notes, sign-offs,
# extension decisions), or that are bookkeeping: a history row that changes only
# these is the record's own entry already, so it gives no line of its own. The
# version is the edit counter that catches a stale form; nobody reads it.
TOLD_ELSEWHERE = {
    "version",
    "status",
    "submitted_by",
    "submitted_at",
    "due_date",
    "updated_at",
    "created_at",
    "last_progress_at",
    "drift",
}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    who: User | None
    kind: str  # created, changed, note, sign_off, return, extension_requested, extension_decided, evidence
    heading: str
    text: str = ""
    changes: list[Change] = field(default_factory=list)
    status_from: str = ""
    status_to: str = ""


def _display(action_field, value, users: dict[int, User]) -> str:
    if value in (None, ""):
        return "(blank)"
    if action_field.name == "owner":
        return str(users.get(value, f"user {value}"))
    if action_field.choices:
        return str(dict(action_field.flatchoices).get(value, value))
    if hasattr(value, "strftime"):
        return f"{value:{DATE}}"
    return str(value)


def _history_entries(action: Action) -> list[Entry]:
    rows = list(action.history.select_related("history_user").order_by("history_date", "history_id"))
    owner_ids = {row.owner_id for row in rows}
    users = {user.pk: user for user in User.objects.filter(pk__in=owner_ids)}
    entries = []
    for previous, row in zip([None, *rows], rows, strict=False):
        if previous is None:
            entries.append(
                Entry(
                    when=row.history_date,
                    who=row.history_user,
                    kind="created",
                    heading="Action created",
                    text=row.history_change_reason or "",
                )
            )
            continue
        changes = []
        for action_field in Action._meta.concrete_fields:
            name = action_field.attname
            if action_field.name in TOLD_ELSEWHERE:
                continue
            old, new = getattr(previous, name), getattr(row, name)
            if old != new:
                changes.append(
                    Change(
                        action_field.verbose_name,
                        _display(action_field, old, users),
                        _display(action_field, new, users),
                    )
                )
        if changes:
            reassigned = [change.field for change in changes] == [Action._meta.get_field("owner").verbose_name]
            entries.append(
                Entry(
                    when=row.history_date,
                    who=row.history_user,
                    kind="changed",
                    heading=f"Reassigned to {changes[0].new}" if reassigned else "Details changed",
                    text=row.history_change_reason or "",
                    changes=changes,
                )
            )
    return entries


def _status_label(value: str) -> str:
    return Action.Status(value).label if value else ""


def action_timeline(action: Action) -> list[Entry]:
    entries = _history_entries(action)
    # .all() so that Action.objects.for_detail()'s prefetches are used.
    for update in action.progress_updates.all():
        heading = "Progress note"
        if update.status_to:
            heading = f"{_status_label(update.status_from)} → {_status_label(update.status_to)}"
        entries.append(
            Entry(
                when=update.created_at,
                who=update.author,
                kind="note",
                heading=heading,
                text=update.note,
                status_from=update.status_from,
                status_to=update.status_to,
            )
        )
    for decision in action.sign_offs.all():
        approved = decision.decision == SignOff.Decision.APPROVE
        entries.append(
            Entry(
                when=decision.decided_at,
                who=decision.decided_by,
                kind="sign_off" if approved else "return",
                heading="Signed off by the PCC's office" if approved else "Returned by the PCC's office",
                text=decision.comment,
                status_from=Action.Status.SUBMITTED,
                status_to=Action.Status.SIGNED_OFF if approved else Action.Status.IN_PROGRESS,
            )
        )
    for request in action.extension_requests.all():
        entries.append(
            Entry(
                when=request.requested_at,
                who=request.requested_by,
                kind="extension_requested",
                heading=f"Extension requested: {request.previous_due_date:{DATE}} → {request.proposed_date:{DATE}}",
                text=request.reason,
            )
        )
        if request.status != ExtensionRequest.Status.PENDING:
            entries.append(
                Entry(
                    when=request.decided_at,
                    who=request.decided_by,
                    kind="extension_decided",
                    heading=f"Extension {request.get_status_display().lower()}",
                    text=request.decision_comment,
                )
            )
    for evidence in action.evidence.all():
        entries.append(
            Entry(
                when=evidence.added_at,
                who=evidence.added_by,
                kind="evidence",
                heading=f"Evidence added: {evidence.title}",
            )
        )
    entries.sort(key=lambda entry: entry.when)
    return entries
