"""Every write that matters: one function per move, each atomic and audited.

Each service re-checks permission (the view did too), locks and re-reads the
row, checks the move against the current state, saves with the acting user
and a reason for history, and writes its domain record in the same
transaction. A refused move raises ActionRefused with a message fit to show
the person who asked.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from . import permissions
from .models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    ProgressUpdate,
    RegisterEntry,
    SignOff,
    SignOffChain,
)

S = Action.Status

# The moves an owner or lead makes with a progress note. Submission, sign-off,
# return and withdrawal have services of their own.
PROGRESS_MOVES = {
    (S.NOT_STARTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.BLOCKED),
    (S.BLOCKED, S.IN_PROGRESS),
}


class ActionRefused(Exception):
    """A move the rules do not allow, for this person or in this state."""


class EditConflict(ActionRefused):
    """Someone else saved the action after the editor loaded it: nothing of the edit is saved."""

    def __init__(self, action: Action, changes: list[str]):
        self.action = action
        self.changes = changes
        latest = action.history.select_related("history_user").order_by("-history_id").first()
        who = f" by {latest.history_user}" if latest and latest.history_user else ""
        when = f" at {timezone.localtime(latest.history_date):%-d %B %Y %H:%M}" if latest else ""
        what = "; ".join(changes) if changes else "its status or records changed"
        super().__init__(
            f"Someone else changed this action while you were editing it (last{who}{when}): {what}. "
            "Your changes have not been saved: they are still in the form. Check them against the changes, "
            "then save again."
        )


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise ActionRefused(message)


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _save(obj, *, by, reason: str, update_fields: list[str] | None = None) -> None:
    obj._history_user = by
    obj._change_reason = reason
    if isinstance(obj, Action) and not obj._state.adding:
        obj.version += 1
        update_fields = update_fields and [*update_fields, "version"]
    if update_fields is not None and hasattr(obj, "updated_at"):
        update_fields = [*update_fields, "updated_at"]
    obj.save(update_fields=update_fields)


def _move(action: Action, to: str, *, by, reason: str, extra_fields: tuple[str, ...] = ()) -> str:
    old = action.status
    action.status = to
    _save(action, by=by, reason=reason, update_fields=["status", *extra_fields])
    return old


def _closed_message(action: Action) -> str:
    return f"This action is {action.get_status_display().lower()}: it cannot be changed any more."


def _refuse_update(action: Action, by) -> None:
    if not action.is_open:
        raise ActionRefused(_closed_message(action))
    _refuse_unless(
        permissions.can_update_action(by, action),
        "Only the action's owner or an improvement lead can update this action.",
    )


def _refuse_owner(owner) -> None:
    _refuse_unless(
        permissions.can_own_actions(owner),
        f"{owner} cannot own actions: an owner needs the Action owner or Improvement lead role.",
    )


# Plan: inspections, findings, actions -------------------------------------------------


def _refuse_unless_lead(by, message: str) -> None:
    # by=None is the operator at the server running a management command
    # (import_findings, seed_demo), who owns the database anyway; history
    # then records no user and the reason names the command.
    if by is not None:
        _refuse_unless(permissions.can_manage_plan(by), message)


@transaction.atomic
def create_inspection(*, by, reason: str = "Inspection created", **fields) -> Inspection:
    _refuse_unless_lead(by, "Only an improvement lead can create inspections.")
    inspection = Inspection(**fields)
    inspection.full_clean()
    _save(inspection, by=by, reason=reason)
    return inspection


@transaction.atomic
def update_inspection(inspection: Inspection, *, by, reason: str = "Inspection edited", **changes) -> Inspection:
    _refuse_unless(permissions.can_manage_plan(by), "Only an improvement lead can edit inspections.")
    inspection = _lock(Inspection, inspection.pk)
    for name, value in changes.items():
        setattr(inspection, name, value)
    inspection.full_clean()
    _save(inspection, by=by, reason=reason, update_fields=list(changes))
    return inspection


@transaction.atomic
def record_pcc_response(
    inspection: Inspection,
    *,
    by,
    comments_invited: datetime.date | None,
    comments_received: datetime.date | None,
    response_published: datetime.date | None,
    response_link: str = "",
    explanations: dict[int, str] | None = None,
) -> Inspection:
    """The response's dates and link, and for each recommendation (by pk) the PCC's explanation."""
    _refuse_unless(permissions.can_record_pcc_response(by), "Only the PCC's office can record the PCC's response.")
    inspection = _lock(Inspection, inspection.pk)
    if comments_received and comments_invited and comments_received < comments_invited:
        raise ActionRefused("The chief constable's comments cannot be received before they were invited.")
    inspection.comments_invited = comments_invited
    inspection.comments_received = comments_received
    inspection.response_published = response_published
    inspection.response_link = response_link
    inspection.full_clean()
    _save(
        inspection,
        by=by,
        reason="PCC response recorded",
        update_fields=["comments_invited", "comments_received", "response_published", "response_link"],
    )
    explanations = explanations or {}
    recommendations = inspection.findings.select_for_update().filter(
        pk__in=explanations, kind=Finding.Kind.RECOMMENDATION
    )
    if len(recommendations) != len(explanations):
        raise ActionRefused("Explanations can only be given for this inspection's recommendations.")
    for recommendation in recommendations:
        if recommendation.response_explanation != explanations[recommendation.pk]:
            recommendation.response_explanation = explanations[recommendation.pk]
            _save(
                recommendation,
                by=by,
                reason="PCC response explanation recorded",
                update_fields=["response_explanation"],
            )
    return inspection


@transaction.atomic
def add_judgement(
    inspection: Inspection, *, by, position: int, question: str, grade: str, summary: str = ""
) -> Judgement:
    _refuse_unless_lead(by, "Only an improvement lead can record graded judgements.")
    judgement = Judgement(inspection=inspection, position=position, question=question, grade=grade, summary=summary)
    judgement.full_clean()
    _save(judgement, by=by, reason="Graded judgement recorded")
    return judgement


def _check_parent(finding: Finding) -> None:
    parent = finding.parent
    if parent is None:
        return
    if parent.inspection_id != finding.inspection_id:
        raise ActionRefused("A finding's parent must belong to the same inspection.")
    if parent.kind != Finding.Kind.CAUSE_OF_CONCERN or finding.kind != Finding.Kind.RECOMMENDATION:
        raise ActionRefused("Only a recommendation can sit under a parent, and only under a cause of concern.")
    if finding.pk and parent.pk >= finding.pk:
        raise ActionRefused("A finding's parent must have been recorded before it.")


@transaction.atomic
def create_finding(*, by, reason: str = "Finding created", **fields) -> Finding:
    _refuse_unless_lead(by, "Only an improvement lead can add findings.")
    finding = Finding(**fields)
    _check_parent(finding)
    finding.full_clean()
    _save(finding, by=by, reason=reason)
    return finding


@transaction.atomic
def add_findings(inspection: Inspection, rows: list[dict], *, by, reason: str) -> list[Finding]:
    """Create findings in the order given, all or none.

    Each row holds Finding fields, with parent_reference naming a finding
    earlier in the rows or already in the inspection instead of parent.
    """
    _refuse_unless_lead(by, "Only an improvement lead can add findings.")
    by_reference = {f.reference: f for f in inspection.findings.all()}
    created = []
    for row in rows:
        fields = dict(row)
        parent_reference = fields.pop("parent_reference", "")
        if parent_reference and parent_reference not in by_reference:
            raise ActionRefused(f"Finding {fields['reference']}: no earlier finding has reference {parent_reference}.")
        finding = create_finding(
            by=by, reason=reason, inspection=inspection, parent=by_reference.get(parent_reference), **fields
        )
        by_reference[finding.reference] = finding
        created.append(finding)
    return created


@transaction.atomic
def update_finding(finding: Finding, *, by, reason: str = "Finding edited", **changes) -> Finding:
    _refuse_unless(permissions.can_manage_plan(by), "Only an improvement lead can edit findings.")
    finding = _lock(Finding, finding.pk)
    if finding.sign_offs.exists():
        raise ActionRefused("This finding has been discharged: it cannot be changed any more.")
    for name, value in changes.items():
        setattr(finding, name, value)
    _check_parent(finding)
    finding.full_clean()
    _save(finding, by=by, reason=reason, update_fields=list(changes))
    return finding


@transaction.atomic
def add_register_entry(finding: Finding, *, by, date: datetime.date, status: str, comment: str = "") -> RegisterEntry:
    _refuse_unless_lead(by, "Only an improvement lead can update the HMICFRS register mirror.")
    entry = RegisterEntry(finding=finding, date=date, status=status, comment=comment, recorded_by=by)
    entry.full_clean()
    _save(entry, by=by, reason="HMICFRS register entry recorded")
    return entry


@transaction.atomic
def create_action(finding: Finding, *, by, title: str, owner, due_date: datetime.date, description: str = "") -> Action:
    _refuse_unless(permissions.can_manage_plan(by), "Only an improvement lead can create actions.")
    finding = _lock(Finding, finding.pk)
    if finding.sign_offs.exists():
        raise ActionRefused("This finding has been discharged: no more actions can be added to it.")
    _refuse_owner(owner)
    action = Action(
        finding=finding,
        title=title,
        description=description,
        owner=owner,
        due_date=due_date,
        original_due_date=due_date,
        created_by=by,
    )
    action.full_clean()
    _save(action, by=by, reason=f"Action created and assigned to {owner}")
    return action


EDITABLE_FIELDS = ("title", "description", "owner")


def _changes_since(action: Action, version: int) -> list[str]:
    """What differs between the action as it was at `version` and as it is now, in words."""
    then = action.history.filter(version=version).order_by("-history_id").first()
    if then is None:
        return []
    changes = []
    for name in (*EDITABLE_FIELDS, "due_date", "status"):
        field = Action._meta.get_field(name)
        old, new = getattr(then, field.attname), getattr(action, field.attname)
        if old != new:
            if name == "owner":
                old, new = then.owner, action.owner
            elif field.choices:
                old, new = dict(field.flatchoices)[old], dict(field.flatchoices)[new]
            changes.append(f"{field.verbose_name} “{old}” → “{new}”")
    return changes


@transaction.atomic
def edit_action(action: Action, *, by, reason: str, based_on_version: int | None = None, **changes) -> Action:
    """Title, description and owner. Due dates move only through extensions, so none drifts unseen.

    based_on_version is the version the editor's form was made from: if the
    action has been saved since, the edit is refused with what changed.
    """
    if unknown := set(changes) - set(EDITABLE_FIELDS):
        raise ValueError(f"edit_action cannot change {', '.join(sorted(unknown))}")
    action = _lock(Action, action.pk)
    if based_on_version is not None and action.version != based_on_version:
        raise EditConflict(action, _changes_since(action, based_on_version))
    if not action.is_open:
        raise ActionRefused(_closed_message(action))
    _refuse_unless(permissions.can_edit_action(by, action), "Only an improvement lead can edit an action.")
    if "owner" in changes:
        _refuse_owner(changes["owner"])
    for name, value in changes.items():
        setattr(action, name, value)
    action.full_clean()
    _save(action, by=by, reason=reason or "Action edited", update_fields=list(changes))
    return action


# The action workflow ------------------------------------------------------------------


@transaction.atomic
def record_progress(action: Action, *, by, note: str, move_to: str = "") -> ProgressUpdate:
    """A progress note, with an optional status move (start, block, unblock)."""
    action = _lock(Action, action.pk)
    _refuse_update(action, by)
    if not note.strip():
        raise ActionRefused("Write a progress note.")
    status_from = status_to = ""
    if move_to and move_to != action.status:
        if (action.status, move_to) not in PROGRESS_MOVES:
            raise ActionRefused(
                f"An action cannot move from {action.get_status_display().lower()} "
                f"to {S(move_to).label.lower() if move_to in S.values else move_to!r} with a progress note."
            )
        status_from = _move(action, move_to, by=by, reason=note)
        status_to = move_to
    return ProgressUpdate.objects.create(
        action=action, author=by, note=note, status_from=status_from, status_to=status_to
    )


@transaction.atomic
def add_evidence(action: Action, *, by, title: str, file=None, url: str = "") -> Evidence:
    action = _lock(Action, action.pk)
    _refuse_update(action, by)
    if action.status == S.SUBMITTED:
        raise ActionRefused("This action is waiting for sign-off: its evidence cannot change until it is decided.")
    if bool(file) == bool(url):
        raise ActionRefused("Give either a file or a link as evidence, not both and not neither.")
    evidence = Evidence(action=action, title=title, url=url, added_by=by)
    if file:
        evidence.file = file
    evidence.full_clean()
    _save(evidence, by=by, reason="Evidence added")
    return evidence


@transaction.atomic
def submit_for_sign_off(action: Action, *, by, note: str = "") -> Action:
    action = _lock(Action, action.pk)
    _refuse_update(action, by)
    if action.status != S.IN_PROGRESS:
        raise ActionRefused(
            f"Only an action in progress can be submitted; this one is {action.get_status_display().lower()}."
        )
    if not action.evidence.exists():
        raise ActionRefused("Add evidence before submitting this action for sign-off.")
    action.submitted_by, action.submitted_at = by, timezone.now()
    reason = note or "Submitted for sign-off"
    _move(action, S.SUBMITTED, by=by, reason=reason, extra_fields=("submitted_by", "submitted_at"))
    ProgressUpdate.objects.create(
        action=action, author=by, note=reason, status_from=S.IN_PROGRESS, status_to=S.SUBMITTED
    )
    return action


def _record_decision(**fields) -> SignOff:
    """Append a sign-off to the tamper-evident chain. Call inside the service's transaction."""
    SignOffChain.objects.get_or_create(pk=1)
    chain = SignOffChain.objects.select_for_update().get(pk=1)
    sign_off = SignOff(**fields, decided_at=timezone.now(), previous_hash=chain.last_hash)
    sign_off.record_hash = sign_off.compute_hash()
    sign_off.save()
    chain.last_hash = sign_off.record_hash
    chain.length += 1
    chain.save(update_fields=["last_hash", "length"])
    return sign_off


def _refuse_sign_off_decision(action: Action, by) -> None:
    _refuse_unless(permissions.is_reviewer(by), "Only a PCC reviewer can sign off or return an action.")
    if action.status != S.SUBMITTED:
        raise ActionRefused(
            f"Only a submitted action can be signed off or returned; this one is {action.get_status_display().lower()}."
        )
    _refuse_unless(
        not permissions.is_conflicted(by, action),
        "You cannot decide on an action you own or submitted: another PCC reviewer must.",
    )


@transaction.atomic
def sign_off_action(action: Action, *, by, comment: str = "") -> SignOff:
    action = _lock(Action, action.pk)
    _refuse_sign_off_decision(action, by)
    _move(action, S.SIGNED_OFF, by=by, reason=comment or "Signed off")
    return _record_decision(action=action, decision=SignOff.Decision.APPROVE, comment=comment, decided_by=by)


@transaction.atomic
def return_action(action: Action, *, by, comment: str) -> SignOff:
    action = _lock(Action, action.pk)
    _refuse_sign_off_decision(action, by)
    if not comment.strip():
        raise ActionRefused("Say why the action is returned: the owner needs to know what to do next.")
    _move(action, S.IN_PROGRESS, by=by, reason=f"Returned: {comment}")
    return _record_decision(action=action, decision=SignOff.Decision.RETURN, comment=comment, decided_by=by)


@transaction.atomic
def withdraw_action(action: Action, *, by, reason: str) -> Action:
    action = _lock(Action, action.pk)
    if not action.is_open:
        raise ActionRefused(_closed_message(action))
    _refuse_unless(permissions.can_withdraw(by, action), "Only an improvement lead can withdraw an action.")
    if not reason.strip():
        raise ActionRefused("Give the reason for withdrawing this action.")
    old = _move(action, S.WITHDRAWN, by=by, reason=f"Withdrawn: {reason}")
    # A pending extension dies with its action.
    for request in action.extension_requests.select_for_update().filter(status=ExtensionRequest.Status.PENDING):
        request.status = ExtensionRequest.Status.REFUSED
        request.decided_by = by
        request.decided_at = timezone.now()
        request.decision_comment = "Action withdrawn"
        _save(
            request,
            by=by,
            reason="Action withdrawn",
            update_fields=["status", "decided_by", "decided_at", "decision_comment"],
        )
    ProgressUpdate.objects.create(action=action, author=by, note=reason, status_from=old, status_to=S.WITHDRAWN)
    return action


# Extensions ---------------------------------------------------------------------------


@transaction.atomic
def request_extension(action: Action, *, by, proposed_date: datetime.date, reason: str) -> ExtensionRequest:
    action = _lock(Action, action.pk)
    _refuse_update(action, by)
    _refuse_unless(
        permissions.can_request_extension(by, action),
        "An action waiting for sign-off cannot have its due date extended.",
    )
    if not reason.strip():
        raise ActionRefused("Give the reason the action needs more time.")
    if proposed_date <= action.due_date:
        raise ActionRefused(f"The new due date must be after the current one ({action.due_date:%d %B %Y}).")
    if action.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ActionRefused("This action already has an extension request waiting for a decision.")
    request = ExtensionRequest(
        action=action, proposed_date=proposed_date, reason=reason, requested_by=by, previous_due_date=action.due_date
    )
    _save(request, by=by, reason=reason)
    return request


@transaction.atomic
def decide_extension(request: ExtensionRequest, *, by, approve: bool, comment: str = "") -> ExtensionRequest:
    request = _lock(ExtensionRequest, request.pk)
    action = _lock(Action, request.action_id)
    request.action = action
    if request.status != ExtensionRequest.Status.PENDING:
        raise ActionRefused(f"This request has already been decided: {request.get_status_display().lower()}.")
    _refuse_unless(permissions.is_lead(by), "Only an improvement lead can decide an extension request.")
    _refuse_unless(request.requested_by_id != by.pk, "You cannot decide your own extension request: another lead must.")
    _refuse_unless(action.is_open, _closed_message(action))
    if not approve and not comment.strip():
        raise ActionRefused("Say why the extension is refused.")
    request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_comment = comment
    verdict = "approved" if approve else "refused"
    _save(
        request,
        by=by,
        reason=comment or f"Extension {verdict}",
        update_fields=["status", "decided_by", "decided_at", "decision_comment"],
    )
    if approve:
        action.due_date = request.proposed_date
        _save(
            action,
            by=by,
            reason=f"Extension approved: due {request.proposed_date:%d %B %Y}" + (f". {comment}" if comment else ""),
            update_fields=["due_date"],
        )
    return request


# Findings -----------------------------------------------------------------------------


@transaction.atomic
def discharge_finding(finding: Finding, *, by, comment: str = "") -> SignOff:
    """The PCC's office signs the finding off once every action is signed off or withdrawn."""
    _refuse_unless(permissions.is_reviewer(by), "Only a PCC reviewer can discharge a finding.")
    finding = _lock(Finding, finding.pk)
    # Lock the actions too, so none is reopened or added while we decide.
    statuses = list(Action.objects.select_for_update().filter(finding=finding).values_list("status", flat=True))
    if finding.sign_offs.exists():
        raise ActionRefused("This finding has already been discharged.")
    if not statuses:
        raise ActionRefused("This finding has no actions yet: it cannot be discharged.")
    if any(status not in Action.FINAL_STATUSES for status in statuses):
        raise ActionRefused("Every action must be signed off or withdrawn before the finding can be discharged.")
    return _record_decision(finding=finding, decision=SignOff.Decision.APPROVE, comment=comment, decided_by=by)
