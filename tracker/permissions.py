"""Who may do what: one small function per rule.

Roles are Django groups (created by migration 0002) carrying three custom
permissions on Action: update_own_action (owners), manage_plan (improvement
leads) and sign_off (PCC reviewers). Auditors hold view permissions only.
Views call these to decide what to show; services call them again before
they write.
"""

from .models import Action, ExtensionRequest, Finding

OWNER = "Action owner"
LEAD = "Improvement lead"
REVIEWER = "PCC reviewer"
AUDITOR = "Auditor"
ADMINISTRATOR = "Administrator"
ROLES = [OWNER, LEAD, REVIEWER, AUDITOR, ADMINISTRATOR]


def is_lead(user) -> bool:
    return user.has_perm("tracker.manage_plan")


def is_reviewer(user) -> bool:
    return user.has_perm("tracker.sign_off")


def can_own_actions(user) -> bool:
    return user.is_active and (user.has_perm("tracker.update_own_action") or is_lead(user))


def can_view_plan(user) -> bool:
    return user.has_perm("tracker.view_action")


def can_update_action(user, action: Action) -> bool:
    """Progress notes, evidence, status moves and extension requests: the owner, or any lead."""
    if not action.is_open:
        return False
    if is_lead(user):
        return True
    return user.has_perm("tracker.update_own_action") and action.owner_id == user.pk


def can_submit(user, action: Action) -> bool:
    return action.status == Action.Status.IN_PROGRESS and can_update_action(user, action)


def is_conflicted(user, action: Action) -> bool:
    """Separation of duties: nobody decides on an action they own or submitted."""
    return user.pk in (action.owner_id, action.submitted_by_id)


def can_decide_sign_off(user, action: Action) -> bool:
    """Sign off or return a submitted action."""
    return action.status == Action.Status.SUBMITTED and is_reviewer(user) and not is_conflicted(user, action)


def can_withdraw(user, action: Action) -> bool:
    return action.is_open and is_lead(user)


def can_request_extension(user, action: Action) -> bool:
    return action.status != Action.Status.SUBMITTED and can_update_action(user, action)


def can_decide_extension(user, request: ExtensionRequest) -> bool:
    """A lead decides, but never on a request they made themselves."""
    return (
        request.status == ExtensionRequest.Status.PENDING
        and request.action.is_open
        and is_lead(user)
        and request.requested_by_id != user.pk
    )


def can_manage_plan(user) -> bool:
    """Create and edit inspections, findings and actions; assign owners."""
    return is_lead(user)


def can_edit_action(user, action: Action) -> bool:
    return action.is_open and is_lead(user)


def can_discharge(user, finding: Finding) -> bool:
    """Needs Finding.objects.with_progress() annotations."""
    return is_reviewer(user) and finding.derived_status == Finding.Status.READY_TO_DISCHARGE


def can_record_pcc_response(user) -> bool:
    return is_reviewer(user)
