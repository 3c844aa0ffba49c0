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
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models.functions import Lower

from . import audit, bulk, clock, notifications, permissions
from .models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    ProgressUpdate,
    PublicSummary,
    RegisterEntry,
    SignOff,
    Theme,
    User,
)
from .permissions import ActionRefused

__all__ = ["ActionRefused", "EditConflict", "Operator", "RowsRefused"]  # with the services themselves

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


@clock.at_one_moment
def add_findings(inspection: Inspection, rows: list[dict], *, by: Actor, reason: str) -> list[Finding]:
    """Create findings in the order given, all or none, in one short transaction.

    Each row holds Finding fields, with parent_reference naming a finding
    earlier in the rows or already in the inspection (in any case) instead of
    parent, and optionally line, the line of the file it was read from, for the
    messages. A row's theme may be a new Theme, not yet saved: it is added with
    the findings. inspection may be new too, not yet saved: it is created with them.

    The rows are checked first, without a query and outside the transaction
    (a file's rows have been checked already, by findings_csv.read_findings,
    with every error by line). Inside it, what others may have changed since
    is read again: the inspection's references, and the themes to add. Then the
    findings and their history are written in a few bulk INSERTs.
    """
    creating = inspection.pk is None
    _require_lead(by, "create inspections" if creating else "add findings")
    if creating:
        inspection.full_clean()
    checked = _check_new_findings(rows)
    findings = [row.finding for row in checked]
    with transaction.atomic():
        if creating:
            _save(inspection, by=by, reason=reason)
        else:
            inspection = _lock(Inspection, inspection.pk)
        for finding in findings:
            finding.inspection_id = inspection.pk
        _find_parents(inspection, checked)
        _add_themes(checked, by=by, reason=reason)
        bulk.insert(findings)
        bulk.insert_history(findings, when=clock.now(), by=None if isinstance(by, Operator) else by, reason=reason)
    return findings


# Keys checked otherwise (below, and the caller's theme), and the timestamps the service sets itself.
UNCHECKED = {"inspection", "parent", "theme", "created_at", "updated_at"}


def _text_rules(model) -> dict[str, tuple[bool, int | None, set[str] | None]]:
    """For each text field: (required, max_length, choices): all that clean_fields checks of one."""
    return {
        field.name: (not field.blank, field.max_length, {str(value) for value, _ in field.flatchoices} or None)
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
        and all(isinstance(validator, MaxLengthValidator) for validator in field.validators)
    }


FINDING_TEXT_RULES = _text_rules(Finding)


def _field_problems(fields: dict) -> list[str]:
    """What clean_fields would say of the fields given, the text ones checked directly: 50,000 rows feel it."""
    problems = []
    for name, value in fields.items():
        if name in UNCHECKED or name.endswith("_id"):
            continue
        rule = FINDING_TEXT_RULES.get(name)
        if rule is None or not isinstance(value, str):
            try:
                Finding._meta.get_field(name).clean(value, None)
            except ValidationError as error:
                problems.append(f"{name}: {' '.join(error.messages)}")
            continue
        required, max_length, choices = rule
        if required and not value:
            problems.append(f"{name}: This field cannot be blank.")
        elif max_length is not None and len(value) > max_length:
            problems.append(f"{name}: Ensure this value has at most {max_length} characters (it has {len(value)}).")
        elif choices is not None and value and value not in choices:
            problems.append(f"{name}: Value {value!r} is not a valid choice.")
    return problems


@dataclass
class _NewFinding:
    finding: Finding
    parent_reference: str
    line: int | None
    new_theme: Theme | None  # a theme to add with the finding

    @property
    def where(self) -> str:
        return f"line {self.line}" if self.line else f"finding {self.finding.reference or '(no reference)'}"


def _check_new_findings(rows: list[dict]) -> list[_NewFinding]:
    """Each row as an unsaved finding, with its parent's reference, its line and any new theme.

    Refuses, naming every bad row, a field the model would refuse and a reference used twice
    in any case. Runs no query: the parents are looked for under the lock.
    """
    checked, problems = [], []
    references: set[str] = set()
    now = clock.now()
    for row in rows:
        # Every key given (None for now) spares Model.__init__ looking for defaults.
        fields = {"created_at": now, "updated_at": now, "inspection_id": None, "parent_id": None, **row}
        line = fields.pop("line", None)
        parent_reference = fields.pop("parent_reference", "") or ""
        # A theme as its key (quicker to set), unless it is new: then the key comes once it is saved.
        theme = fields.pop("theme", None)
        fields["theme_id"] = theme.pk if theme is not None else None
        new = _NewFinding(Finding(**fields), parent_reference, line, theme if theme and not theme.pk else None)
        # The fields given, checked as a form would; the parent is checked under the lock.
        if field_problems := _field_problems(fields):
            problems += [f"{new.where}: {problem}" for problem in field_problems]
            continue
        if new.finding.reference.lower() in references:
            problems.append(f"{new.where}: the reference {new.finding.reference} is used twice (in any case)")
        references.add(new.finding.reference.lower())
        checked.append(new)
    _refuse_if(problems)
    return checked


def _find_parents(inspection: Inspection, checked: list[_NewFinding]) -> None:
    """Check the new references and parents against the inspection as it is now, in one query; set the parents."""
    existing = {
        finding.reference.lower(): finding for finding in inspection.findings.order_by().only("reference", "kind")
    }
    problems = []
    earlier: dict[str, Finding] = {}
    for new in checked:
        finding = new.finding
        if same := existing.get(finding.reference.lower()):
            problems.append(f"{new.where}: the inspection already has a finding with reference {same.reference}")
        if new.parent_reference:
            key = new.parent_reference.lower()
            parent = earlier.get(key) or existing.get(key)
            if parent is None:
                problems.append(f"{new.where}: no earlier finding has reference {new.parent_reference}")
            elif parent.kind != Finding.Kind.CAUSE_OF_CONCERN or finding.kind != Finding.Kind.RECOMMENDATION:
                problems.append(f"{new.where}: {new.parent_reference} cannot be its parent ({NESTING})")
            else:
                finding.parent = parent
        earlier.setdefault(finding.reference.lower(), finding)
    _refuse_if(problems)


NESTING = "only a recommendation can have a parent, and only a cause of concern can be one"


class RowsRefused(ActionRefused):
    """Rows add_findings will not write, each problem with its line (or reference): nothing was written."""

    def __init__(self, problems: list[str], shown: int = 20):
        self.problems = problems
        more = f"; and {len(problems) - shown:,} more" if len(problems) > shown else ""
        super().__init__(f"Nothing was added: {'; '.join(problems[:shown])}{more}.")


def _refuse_if(problems: list[str]) -> None:
    if problems:
        raise RowsRefused(problems)


def _add_themes(checked: list[_NewFinding], *, by: Actor, reason: str) -> None:
    """Save the new themes, one per name in any case, or take the one someone else has added since."""
    new = {row.new_theme.name.lower(): row.new_theme for row in checked if row.new_theme is not None}
    if not new:
        return
    _require_lead(by, "add themes")
    themes = {theme.name.lower(): theme for theme in Theme.objects.alias(key=Lower("name")).filter(key__in=new)}
    for key, theme in new.items():
        if key not in themes:
            theme.clean_fields()
            _save(theme, by=by, reason=reason)
            themes[key] = theme
    for row in checked:
        if row.new_theme is not None:
            row.finding.theme_id = themes[row.new_theme.name.lower()].pk


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
    notifications.notify_assigned(action, by=by)
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
    previous_owner = action.owner_id
    for name, value in changes.items():
        setattr(action, name, value)
    action.full_clean()
    _save(action, by=by, reason=reason or "Action edited", update_fields=list(changes))
    if action.owner_id != previous_owner:
        notifications.notify_assigned(action, by=by)
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
def write_public_summary(finding: Finding, *, by: User, text: str, action: Action | None = None) -> PublicSummary:
    """A summary for the panel's public report, of the finding or of one of its actions: published as written."""
    finding = _lock(Finding, finding.pk)
    permissions.require_publish_summary(by, finding)
    if action is not None and action.finding_id != finding.pk:
        raise ActionRefused("That action belongs to another finding.")
    if not text.strip():
        raise ActionRefused("Write the public summary.")
    return PublicSummary.objects.create(
        finding=finding, action=action, text=text.strip(), written_by=by, written_at=clock.now()
    )


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
    notifications.notify_submitted(action, by=by)
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
    notifications.notify_signed_off(action, by=by, comment=comment)
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
    notifications.notify_returned(action, by=by, comment=comment)
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
    notifications.notify_extension_decided(request, by=by)
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


# People ---------------------------------------------------------------------------------


@transaction.atomic
@clock.at_one_moment
def set_email_preference(person: User, *, by: User, preference: str) -> User:
    """Emails about what happens to their actions: each straight away, or once a day with the reminders."""
    person = _lock(User, person.pk)
    permissions.require_change_email_settings(by, person)
    if preference not in User.EmailPreference.values:
        raise ActionRefused("Choose how you want to get emails.")
    if person.email_preference != preference:
        person.email_preference = preference
        _save(person, by=by, reason="Email settings changed", update_fields=["email_preference"])
    return person


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
