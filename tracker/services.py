"""Every write that matters: one function per move, each atomic and audited.

Each service locks and re-reads the rows it changes, then asks the rule in
tracker/permissions.py whether this person may make this move in this state
(the view asked too, before showing the form), then changes them: it saves
with the acting user, a reason for history and the moment from tracker.clock,
keeps the values the action sums up from its records (last progress, drift,
submission, version), and writes its domain record in the same transaction.
A refused move raises ActionRefused with a message fit to show the person who
asked.

The acting person is `by`, keyword-only: a User, or, for the few services a
management command calls to build the plan, an Operator naming the command.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from . import audit, clock, permissions
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
    User,
)
from .permissions import ActionRefused

__all__ = ["ActionRefused", "EditConflict", "Operator"]  # with the services themselves

S = Action.Status

# The moves an owner or lead makes with a progress note. Submission, sign-off,
# return and withdrawal have services of their own.
PROGRESS_MOVES = {
    (S.NOT_STARTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.BLOCKED),
    (S.BLOCKED, S.IN_PROGRESS),
}


@dataclass(frozen=True)
class Operator:
    """The person at the server running a management command that builds the plan (import_findings, seed_demo),
    or the site itself acting for the identity provider (single sign-on).

    They own the database already, so no role is checked; history records no user, and the change
    reason the command gives says what was done and from where.
    """

    command: str


Actor = User | Operator


class EditConflict(ActionRefused):
    """Someone else saved the action after the editor loaded it: nothing of the edit is saved.

    `latest` is the action's newest history row (with its user), read by the service that refuses.
    """

    KEPT = {
        "edit": "while you were editing it",
        "decision": "after you opened it to decide",
    }
    NEXT = {
        "edit": "Your changes have not been saved: they are still in the form. Check them against the changes, "
        "then save again.",
        "decision": "Nothing has been decided: your answers are kept below. Check the action, then confirm again "
        "if your decision still stands.",
    }

    def __init__(self, action: Action, changes: list[str], latest, *, doing: str = "edit"):
        self.action = action
        self.changes = changes
        who = f" by {latest.history_user}" if latest and latest.history_user else ""
        when = ""
        if latest:
            when = f" at {clock.time_of_day(latest.history_date)} on {clock.day_in_words(latest.history_date)}"
        what = "; ".join(changes) if changes else "its status or records changed"
        super().__init__(
            f"Someone else changed this action {self.KEPT[doing]} (last{who}{when}): {what}. {self.NEXT[doing]}"
        )


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _require_lead(by: Actor, doing: str) -> None:
    if not isinstance(by, Operator):
        permissions.require_manage_plan(by, doing)


def _save(obj, *, by: Actor, reason: str, update_fields: list[str] | None = None) -> None:
    """Save with who, why and when for history; an action also counts the save in its version."""
    now = clock.now()
    obj._history_user = None if isinstance(by, Operator) else by
    obj._change_reason = reason
    obj._history_date = now
    if isinstance(obj, Action) and not obj._state.adding:
        obj.version += 1
        update_fields = update_fields and [*update_fields, "version"]
    if hasattr(obj, "updated_at"):
        obj.updated_at = now
        if update_fields is not None:
            update_fields = [*update_fields, "updated_at"]
    obj.save(update_fields=update_fields)


def _move(action: Action, to: str, *, by: User, reason: str, extra_fields: tuple[str, ...] = ()) -> str:
    old = action.status
    action.status = to
    _save(action, by=by, reason=reason, update_fields=["status", *extra_fields])
    return old


def _write_note(action: Action, *, by: User, note: str, status_from: str = "", status_to: str = "") -> ProgressUpdate:
    """A progress note; the action's last_progress_at follows it, saved by the caller with the action."""
    update = ProgressUpdate.objects.create(
        action=action, author=by, note=note, status_from=status_from, status_to=status_to, created_at=clock.now()
    )
    action.last_progress_at = update.created_at
    return update


def _keep(action: Action, **values) -> None:
    """Write values the action keeps from its records when nothing else of it changes.

    They are not history of their own (their records are), so this writes no history row and no
    new version; the caller holds the action's lock.
    """
    Action.objects.filter(pk=action.pk).update(**values)
    for name, value in values.items():
        setattr(action, name, value)


# Plan: inspections, findings, actions -------------------------------------------------


@transaction.atomic
@clock.at_one_moment
def create_inspection(*, by: Actor, reason: str = "Inspection created", **fields) -> Inspection:
    _require_lead(by, "create inspections")
    inspection = Inspection(**fields)
    inspection.full_clean()
    _save(inspection, by=by, reason=reason)
    return inspection


@transaction.atomic
@clock.at_one_moment
def update_inspection(inspection: Inspection, *, by: User, reason: str = "Inspection edited", **changes) -> Inspection:
    inspection = _lock(Inspection, inspection.pk)
    permissions.require_manage_plan(by, "edit inspections")
    for name, value in changes.items():
        setattr(inspection, name, value)
    inspection.full_clean()
    _save(inspection, by=by, reason=reason, update_fields=list(changes))
    return inspection


@transaction.atomic
@clock.at_one_moment
def record_pcc_response(
    inspection: Inspection,
    *,
    by: User,
    comments_invited: datetime.date | None,
    comments_received: datetime.date | None,
    response_published: datetime.date | None,
    response_link: str = "",
    explanations: dict[int, str] | None = None,
) -> Inspection:
    """The response's dates and link, and for each recommendation (by pk) the PCC's explanation."""
    inspection = _lock(Inspection, inspection.pk)
    permissions.require_record_pcc_response(by)
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
@clock.at_one_moment
def add_judgement(
    inspection: Inspection, *, by: Actor, position: int, question: str, grade: str, summary: str = ""
) -> Judgement:
    inspection = _lock(Inspection, inspection.pk)
    _require_lead(by, "record graded judgements")
    judgement = Judgement(inspection=inspection, position=position, question=question, grade=grade, summary=summary)
    judgement.full_clean()
    _save(judgement, by=by, reason="Graded judgement recorded")
    return judgement


def _check_parent(finding: Finding) -> None:
    if refusal := finding.kind_change_refusal(finding.kind):
        raise ActionRefused(refusal)
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
@clock.at_one_moment
def create_finding(*, by: Actor, inspection: Inspection, reason: str = "Finding created", **fields) -> Finding:
    inspection = _lock(Inspection, inspection.pk)
    _require_lead(by, "add findings")
    finding = Finding(inspection=inspection, **fields)
    _check_parent(finding)
    finding.full_clean()
    _save(finding, by=by, reason=reason)
    return finding


@transaction.atomic
@clock.at_one_moment
def add_findings(inspection: Inspection, rows: list[dict], *, by: Actor, reason: str) -> list[Finding]:
    """Create findings in the order given, all or none.

    Each row holds Finding fields, with parent_reference naming a finding
    earlier in the rows or already in the inspection instead of parent.
    """
    inspection = _lock(Inspection, inspection.pk)
    _require_lead(by, "add findings")
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
@clock.at_one_moment
def update_finding(finding: Finding, *, by: User, reason: str = "Finding edited", **changes) -> Finding:
    finding = _lock(Finding, finding.pk)
    permissions.require_change_finding(by, finding)
    for name, value in changes.items():
        setattr(finding, name, value)
    _check_parent(finding)
    finding.full_clean()
    _save(finding, by=by, reason=reason, update_fields=list(changes))
    return finding


@transaction.atomic
@clock.at_one_moment
def add_register_entry(
    finding: Finding, *, by: Actor, date: datetime.date, status: str, comment: str = ""
) -> RegisterEntry:
    finding = _lock(Finding, finding.pk)
    _require_lead(by, "update the HMICFRS register mirror")
    recorded_by = None if isinstance(by, Operator) else by
    entry = RegisterEntry(finding=finding, date=date, status=status, comment=comment, recorded_by=recorded_by)
    entry.full_clean()
    _save(entry, by=by, reason="HMICFRS register entry recorded")
    return entry


@transaction.atomic
@clock.at_one_moment
def create_action(
    finding: Finding, *, by: User, title: str, owner: User, due_date: datetime.date, description: str = ""
) -> Action:
    finding = _lock(Finding, finding.pk)
    permissions.require_add_action(by, finding)
    permissions.require_own_actions(owner)
    action = Action(
        finding=finding,
        title=title,
        description=description,
        owner=owner,
        due_date=due_date,
        original_due_date=due_date,
        created_by=by,
        created_at=clock.now(),
        last_progress_at=clock.now(),
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


def _require_unchanged(action: Action, based_on_version: int | None, *, doing: str = "edit") -> None:
    """Refuse a move made from a page of the action older than its last save (the caller holds its lock)."""
    if based_on_version is not None and action.version != based_on_version:
        latest = action.history.select_related("history_user").order_by("-history_id").first()
        raise EditConflict(action, _changes_since(action, based_on_version), latest, doing=doing)


@transaction.atomic
@clock.at_one_moment
def edit_action(action: Action, *, by: User, reason: str, based_on_version: int | None = None, **changes) -> Action:
    """Title, description and owner. Due dates move only through extensions, so none drifts unseen.

    based_on_version is the version the editor's form was made from: if the
    action has been saved since, the edit is refused with what changed.
    """
    if unknown := set(changes) - set(EDITABLE_FIELDS):
        raise ValueError(f"edit_action cannot change {', '.join(sorted(unknown))}")
    action = _lock(Action, action.pk)
    _require_unchanged(action, based_on_version)
    permissions.require_edit_action(by, action)
    if "owner" in changes:
        permissions.require_own_actions(changes["owner"])
    for name, value in changes.items():
        setattr(action, name, value)
    action.full_clean()
    _save(action, by=by, reason=reason or "Action edited", update_fields=list(changes))
    return action


# The action workflow ------------------------------------------------------------------


@transaction.atomic
@clock.at_one_moment
def record_progress(action: Action, *, by: User, note: str, move_to: str = "") -> ProgressUpdate:
    """A progress note, with an optional status move (start, block, unblock)."""
    action = _lock(Action, action.pk)
    permissions.require_update_action(by, action)
    if not note.strip():
        raise ActionRefused("Write a progress note.")
    if not move_to or move_to == action.status:
        update = _write_note(action, by=by, note=note)
        _keep(action, last_progress_at=action.last_progress_at)
        return update
    if (action.status, move_to) not in PROGRESS_MOVES:
        raise ActionRefused(
            f"An action cannot move from {action.get_status_display().lower()} "
            f"to {S(move_to).label.lower() if move_to in S.values else move_to!r} with a progress note."
        )
    update = _write_note(action, by=by, note=note, status_from=action.status, status_to=move_to)
    _move(action, move_to, by=by, reason=note, extra_fields=("last_progress_at",))
    return update


@transaction.atomic
@clock.at_one_moment
def add_evidence(action: Action, *, by: User, title: str, file=None, url: str = "") -> Evidence:
    action = _lock(Action, action.pk)
    permissions.require_add_evidence(by, action)
    if bool(file) == bool(url):
        raise ActionRefused("Give either a file or a link as evidence, not both and not neither.")
    evidence = Evidence(action=action, title=title, url=url, added_by=by, added_at=clock.now())
    if file:
        evidence.file = file
    evidence.full_clean()
    _save(evidence, by=by, reason="Evidence added")
    return evidence


@transaction.atomic
@clock.at_one_moment
def submit_for_sign_off(action: Action, *, by: User, note: str = "") -> Action:
    action = _lock(Action, action.pk)
    permissions.require_submit(by, action)
    if not action.evidence.exists():
        raise ActionRefused("Add evidence before submitting this action for sign-off.")
    reason = note or "Submitted for sign-off"
    _write_note(action, by=by, note=reason, status_from=S.IN_PROGRESS, status_to=S.SUBMITTED)
    action.submitted_by, action.submitted_at = by, clock.now()
    _move(action, S.SUBMITTED, by=by, reason=reason, extra_fields=("submitted_by", "submitted_at", "last_progress_at"))
    return action


def _record_decision(**fields) -> SignOff:
    """Append a sign-off to the tamper-evident chain. Call inside the service's transaction."""
    sign_off = SignOff(**fields, decided_at=clock.now())
    audit.append_to_chain([sign_off])
    sign_off.save()
    return sign_off


@transaction.atomic
@clock.at_one_moment
def sign_off_action(action: Action, *, by: User, comment: str = "", based_on_version: int | None = None) -> SignOff:
    """based_on_version, as for edit_action: the version of the action the reviewer decided on."""
    action = _lock(Action, action.pk)
    _require_unchanged(action, based_on_version, doing="decision")
    permissions.require_decide_sign_off(by, action)
    _move(action, S.SIGNED_OFF, by=by, reason=comment or "Signed off")
    return _record_decision(action=action, decision=SignOff.Decision.APPROVE, comment=comment, decided_by=by)


@transaction.atomic
@clock.at_one_moment
def return_action(action: Action, *, by: User, comment: str, based_on_version: int | None = None) -> SignOff:
    action = _lock(Action, action.pk)
    _require_unchanged(action, based_on_version, doing="decision")
    permissions.require_decide_sign_off(by, action)
    if not comment.strip():
        raise ActionRefused("Say why the action is returned: the owner needs to know what to do next.")
    _move(action, S.IN_PROGRESS, by=by, reason=f"Returned: {comment}")
    return _record_decision(action=action, decision=SignOff.Decision.RETURN, comment=comment, decided_by=by)


@transaction.atomic
@clock.at_one_moment
def withdraw_action(action: Action, *, by: User, reason: str, based_on_version: int | None = None) -> Action:
    action = _lock(Action, action.pk)
    _require_unchanged(action, based_on_version, doing="decision")
    permissions.require_withdraw(by, action)
    if not reason.strip():
        raise ActionRefused("Give the reason for withdrawing this action.")
    _write_note(action, by=by, note=reason, status_from=action.status, status_to=S.WITHDRAWN)
    _move(action, S.WITHDRAWN, by=by, reason=f"Withdrawn: {reason}", extra_fields=("last_progress_at",))
    # A pending extension dies with its action.
    for request in action.extension_requests.select_for_update().filter(status=ExtensionRequest.Status.PENDING):
        request.status = ExtensionRequest.Status.REFUSED
        request.decided_by = by
        request.decided_at = clock.now()
        request.decision_comment = "Action withdrawn"
        _save(
            request,
            by=by,
            reason="Action withdrawn",
            update_fields=["status", "decided_by", "decided_at", "decision_comment"],
        )
    return action


# Extensions ---------------------------------------------------------------------------


@transaction.atomic
@clock.at_one_moment
def request_extension(action: Action, *, by: User, proposed_date: datetime.date, reason: str) -> ExtensionRequest:
    action = _lock(Action, action.pk)
    permissions.require_request_extension(by, action)
    if not reason.strip():
        raise ActionRefused("Give the reason the action needs more time.")
    if proposed_date <= action.due_date:
        raise ActionRefused(f"The new due date must be after the current one ({clock.day_in_words(action.due_date)}).")
    request = ExtensionRequest(
        action=action,
        proposed_date=proposed_date,
        reason=reason,
        requested_by=by,
        requested_at=clock.now(),
        previous_due_date=action.due_date,
    )
    _save(request, by=by, reason=reason)
    return request


@transaction.atomic
@clock.at_one_moment
def decide_extension(request: ExtensionRequest, *, by: User, approve: bool, comment: str = "") -> ExtensionRequest:
    request = _lock(ExtensionRequest, request.pk)
    action = _lock(Action, request.action_id)
    request.action = action
    permissions.require_decide_extension(by, request)
    if not approve and not comment.strip():
        raise ActionRefused("Say why the extension is refused.")
    request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    request.decided_by = by
    request.decided_at = clock.now()
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
        action.drift += 1
        _save(
            action,
            by=by,
            reason=f"Extension approved: due {clock.day_in_words(request.proposed_date)}"
            + (f". {comment}" if comment else ""),
            update_fields=["due_date", "drift"],
        )
    return request


# Findings -----------------------------------------------------------------------------


@transaction.atomic
@clock.at_one_moment
def discharge_finding(finding: Finding, *, by: User, comment: str = "") -> SignOff:
    """The PCC's office signs the finding off once every action is signed off or withdrawn."""
    _lock(Finding, finding.pk)
    # Lock the actions too, so none is reopened or added while we decide; then count them as locked.
    list(Action.objects.select_for_update().filter(finding_id=finding.pk).values_list("pk", flat=True))
    finding = Finding.objects.with_progress().get(pk=finding.pk)
    permissions.require_discharge(by, finding)
    return _record_decision(finding=finding, decision=SignOff.Decision.APPROVE, comment=comment, decided_by=by)


# People: single sign-on -----------------------------------------------------------------

SINGLE_SIGN_ON = Operator("single sign-on")


@transaction.atomic
@clock.at_one_moment
def set_roles_from_sign_on(
    person: User, role_names: set[str], *, mapping: dict[str, set[str]], by: Operator = SINGLE_SIGN_ON
) -> User:
    """At each single sign-on, the roles TRACKER_SSO_ROLE_MAP names follow the identity provider's claim:
    the person holds those of them the claim maps to and no others. Roles the mapping does not name
    (Administrator given in the admin, say) are left as they are.

    Not permissions.require_change_roles: that rule is for one person changing another's roles in the
    admin. Here the force's directory decides, and its group membership is changed by the force's
    identity administrators, not by the person signing in. `by` is the system itself: history records
    no user, and the reason names the claim.
    """
    person = _lock(User, person.pk)
    managed = set().union(*mapping.values())
    roles = {role.name: role for role in Group.objects.filter(name__in=managed)}
    if unknown := sorted(managed - roles.keys()):
        logging.getLogger("tracker").error(
            "TRACKER_SSO_ROLE_MAP names roles that do not exist",
            extra={"event": "sso_role_map", "reason": ", ".join(unknown)},
        )
    held = set(person.groups.all())
    wanted = {role for role in held if role.name not in managed} | {roles[name] for name in role_names if name in roles}
    if wanted != held:
        person._history_user = None  # by, the system
        person._history_date = clock.now()
        person._change_reason = f"Single sign-on: {settings.TRACKER_SSO_ROLE_CLAIM} claim"
        person.groups.set(wanted)
    return person
