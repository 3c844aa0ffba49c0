"""Who may do what: each rule once, here.

Roles are Django groups (created by migration 0002) carrying three custom
permissions on Action: update_own_action (owners), manage_plan (improvement
leads) and sign_off (PCC reviewers). Auditors hold view permissions only.

A superuser is for setting up: it uses the admin and sees the plan, but does
no plan work (sign off, decide an extension, return, discharge) unless it also
holds that role. So a role is what a person's groups and direct permissions
give them, never is_superuser.

Each rule is a `require_...` function that raises ActionRefused with the
reason a person reads when it refuses, and a `can_...` boolean form of the
same function for templates and menus. Services call the `require_` form
after locking the rows they change, views call it before showing a form
(ActionRefused is a PermissionDenied, so a refusal a view does not catch is a
403 page giving the reason), and templates get the booleans. Where a rule
picks people rather than judging one, its query form sits beside it.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Action, ExtensionRequest, Finding, User

OWNER = "Action owner"
LEAD = "Improvement lead"
REVIEWER = "PCC reviewer"
AUDITOR = "Auditor"
ADMINISTRATOR = "Administrator"
ROLES = [OWNER, LEAD, REVIEWER, AUDITOR, ADMINISTRATOR]

UPDATE_OWN_ACTION = "update_own_action"
MANAGE_PLAN = "manage_plan"
SIGN_OFF = "sign_off"
VIEW_PLAN = "view_action"
WORKFLOW_PERMISSIONS = (UPDATE_OWN_ACTION, MANAGE_PLAN, SIGN_OFF)


class ActionRefused(PermissionDenied):
    """Something the rules do not allow, for this person or in this state; its message is for them to read."""


def refusal(rule: Callable[..., None], *args) -> str:
    """Why rule(*args) refuses, in the sentence a person reads; "" where it lets it through."""
    try:
        rule(*args)
    except ActionRefused as refused:
        return str(refused)
    return ""


def boolean_form(rule: Callable[..., None]) -> Callable[..., bool]:
    """can_x(...) for require_x(...): True where the rule lets it through."""

    def allows(*args) -> bool:
        return not refusal(rule, *args)

    allows.__name__ = rule.__name__.replace("require_", "can_", 1)
    allows.__doc__ = f"Whether {rule.__name__} would let this through."
    return allows


def _refuse_unless(allowed: bool, reason: str) -> None:
    if not allowed:
        raise ActionRefused(reason)


# Roles: what a person holds -------------------------------------------------------------


def _held_by_role(user) -> set[str]:
    """What a superuser's groups and direct permissions give them ("app_label.codename"), kept on the user
    object for the request as Django keeps has_perm's answers."""
    if not hasattr(user, "_tracker_role_perms"):
        held = Permission.objects.filter(Q(group__user=user) | Q(user=user)).values_list(
            "content_type__app_label", "codename"
        )
        user._tracker_role_perms = {f"{app_label}.{codename}" for app_label, codename in held}
    return user._tracker_role_perms


def _holds(user, codename: str) -> bool:
    """Holds this permission by a role or directly. has_perm says yes to a superuser for everything, so a
    superuser's roles are looked up instead: is_superuser gives no plan work."""
    if user.is_superuser:
        return user.is_active and f"tracker.{codename}" in _held_by_role(user)
    return user.has_perm(f"tracker.{codename}")


def holding(*codenames: str) -> QuerySet[User]:
    """The query form of _holds: active people who hold any of these permissions, by a role or directly
    (being a superuser is not a role)."""
    held = Q(groups__permissions__codename__in=codenames) | Q(user_permissions__codename__in=codenames)
    return User.objects.filter(held, is_active=True).distinct()


def is_lead(user) -> bool:
    return _holds(user, MANAGE_PLAN)


def is_reviewer(user) -> bool:
    return _holds(user, SIGN_OFF)


def owns_actions_by_role(user) -> bool:
    """Holds the Action owner role's permission: has a list of their own actions and an owner's dashboard."""
    return _holds(user, UPDATE_OWN_ACTION)


def can_view_plan(user) -> bool:
    """Everyone with a role sees the whole plan, and a superuser does; an account with no role sees nothing."""
    return (user.is_active and user.is_superuser) or _holds(user, VIEW_PLAN)


def is_read_only(user) -> bool:
    """Sees the plan but moves nothing in it: an auditor (and an administrator, on the site)."""
    return can_view_plan(user) and not any(_holds(user, codename) for codename in WORKFLOW_PERMISSIONS)


def require_manage_plan(user, doing: str = "do this") -> None:
    """Create and edit inspections, findings and actions, and keep the register mirror: `doing` names which."""
    _refuse_unless(is_lead(user), f"Only an improvement lead can {doing}.")


can_manage_plan = boolean_form(require_manage_plan)


def require_own_actions(person) -> None:
    """Whether a person may be given actions to own."""
    _refuse_unless(
        person.is_active and (owns_actions_by_role(person) or is_lead(person)),
        f"{person} cannot own actions: an owner needs the Action owner or Improvement lead role.",
    )


can_own_actions = boolean_form(require_own_actions)


def possible_owners() -> QuerySet[User]:
    """The query form of require_own_actions: everyone an action may be given to."""
    return holding(UPDATE_OWN_ACTION, MANAGE_PLAN)


def leads() -> QuerySet[User]:
    """The people who decide extension requests (never their own: see require_decide_extension)."""
    return holding(MANAGE_PLAN)


def reviewers() -> QuerySet[User]:
    """The people who decide submitted actions (never their own: see is_conflicted)."""
    return holding(SIGN_OFF)


def may_be_reminded(person) -> bool:
    """Emails go to people who can still act on them: an active account with an address."""
    return person.is_active and bool(person.email)


def reachable(people: QuerySet[User]) -> QuerySet[User]:
    """The query form of may_be_reminded."""
    return people.filter(is_active=True).exclude(email="")


def require_change_email_settings(by, person) -> None:
    """How someone hears of what happens is theirs to choose, and nobody else's."""
    _refuse_unless(by.is_authenticated and by.pk == person.pk, "You can only change your own email settings.")


def administrators() -> QuerySet[User]:
    """The people who give others their roles: whom someone with no role is told to ask."""
    return User.objects.filter(is_active=True, groups__name=ADMINISTRATOR).distinct()


# Actions --------------------------------------------------------------------------------


def closed_message(action: Action) -> str:
    return f"This action is {action.get_status_display().lower()}: it cannot be changed any more."


def require_update_action(user, action: Action) -> None:
    """Progress notes, evidence, status moves and extension requests: the owner, or any lead, while it is open."""
    _refuse_unless(action.is_open, closed_message(action))
    _refuse_unless(
        is_lead(user) or (owns_actions_by_role(user) and action.owner_id == user.pk),
        "Only the action's owner or an improvement lead can update this action.",
    )


can_update_action = boolean_form(require_update_action)


def require_add_evidence(user, action: Action) -> None:
    require_update_action(user, action)
    _refuse_unless(
        action.status != Action.Status.SUBMITTED,
        "This action is waiting for sign-off: its evidence cannot change until it is decided.",
    )


can_add_evidence = boolean_form(require_add_evidence)


def require_submit(user, action: Action) -> None:
    require_update_action(user, action)
    _refuse_unless(
        action.status == Action.Status.IN_PROGRESS,
        f"Only an action in progress can be submitted; this one is {action.get_status_display().lower()}.",
    )


can_submit = boolean_form(require_submit)


def is_conflicted(user, action: Action) -> bool:
    """Separation of duties: nobody decides on an action they own or submitted."""
    return user.pk in (action.owner_id, action.submitted_by_id)


def require_decide_sign_off(user, action: Action) -> None:
    """Sign off or return a submitted action."""
    _refuse_unless(is_reviewer(user), "Only a PCC reviewer can sign off or return an action.")
    _refuse_unless(
        action.status == Action.Status.SUBMITTED,
        f"Only a submitted action can be signed off or returned; this one is {action.get_status_display().lower()}.",
    )
    _refuse_unless(
        not is_conflicted(user, action),
        "You cannot decide on an action you own or submitted: another PCC reviewer must.",
    )


can_decide_sign_off = boolean_form(require_decide_sign_off)


def deciders(action: Action) -> QuerySet[User]:
    """The query form of require_decide_sign_off for a submitted action: the reviewers who are not conflicted."""
    return reviewers().exclude(pk__in=[pk for pk in (action.owner_id, action.submitted_by_id) if pk])


def require_withdraw(user, action: Action) -> None:
    _refuse_unless(action.is_open, closed_message(action))
    require_manage_plan(user, "withdraw an action")


can_withdraw = boolean_form(require_withdraw)


def require_edit_action(user, action: Action) -> None:
    """Title, description and owner."""
    _refuse_unless(action.is_open, closed_message(action))
    require_manage_plan(user, "edit an action")


can_edit_action = boolean_form(require_edit_action)


def require_request_extension(user, action: Action) -> None:
    require_update_action(user, action)
    _refuse_unless(
        action.status != Action.Status.SUBMITTED,
        "An action waiting for sign-off cannot have its due date extended.",
    )
    _refuse_unless(
        action.pending_extension() is None,
        "This action already has an extension request waiting for a decision.",
    )


can_request_extension = boolean_form(require_request_extension)


def require_decide_extension(user, request: ExtensionRequest) -> None:
    """A lead decides a waiting request, but never one they made themselves."""
    _refuse_unless(
        request.status == ExtensionRequest.Status.PENDING,
        f"This request has already been decided: {request.get_status_display().lower()}.",
    )
    require_manage_plan(user, "decide an extension request")
    _refuse_unless(
        request.requested_by_id != user.pk, "You cannot decide your own extension request: another lead must."
    )
    _refuse_unless(request.action.is_open, closed_message(request.action))


can_decide_extension = boolean_form(require_decide_extension)


# Findings and inspections ---------------------------------------------------------------


def _discharged(finding: Finding) -> bool:
    # From the with_progress() annotation where the finding has it; asked of the database where not.
    discharged = getattr(finding, "is_discharged", None)
    return finding.sign_offs.exists() if discharged is None else discharged


def require_change_finding(user, finding: Finding) -> None:
    require_manage_plan(user, "add or edit findings")
    _refuse_unless(not _discharged(finding), "This finding has been discharged: it cannot be changed any more.")


can_change_finding = boolean_form(require_change_finding)


def require_add_action(user, finding: Finding) -> None:
    require_manage_plan(user, "create actions")
    _refuse_unless(not _discharged(finding), "This finding has been discharged: no more actions can be added to it.")


can_add_action = boolean_form(require_add_action)


def require_import_findings(user, inspection) -> None:
    """Add an inspection's findings from a file (the import page): a lead's, as adding one finding is. Every
    inspection takes more findings: none is closed to them (a discharged finding is, to being changed)."""
    require_manage_plan(user, "import findings")


can_import_findings = boolean_form(require_import_findings)


def require_discharge(user, finding: Finding) -> None:
    """Needs Finding.objects.with_progress() annotations: every action signed off or withdrawn, none discharged."""
    _refuse_unless(is_reviewer(user), "Only a PCC reviewer can discharge a finding.")
    _refuse_unless(not finding.is_discharged, "This finding has already been discharged.")
    _refuse_unless(finding.action_count > 0, "This finding has no actions yet: it cannot be discharged.")
    _refuse_unless(
        finding.derived_status == Finding.Status.READY_TO_DISCHARGE,
        "Every action must be signed off or withdrawn before the finding can be discharged.",
    )


can_discharge = boolean_form(require_discharge)


def require_record_pcc_response(user) -> None:
    _refuse_unless(is_reviewer(user), "Only the PCC's office can record the PCC's response.")


can_record_pcc_response = boolean_form(require_record_pcc_response)


def require_publish_summary(user, finding: Finding | None = None) -> None:
    """Write a public summary of a finding or an action: writing it approves it for the public report."""
    _refuse_unless(
        is_lead(user) or is_reviewer(user),
        "Only an improvement lead or a PCC reviewer can write a public summary: it is published as written.",
    )


can_publish_summary = boolean_form(require_publish_summary)


def require_review_queue(user) -> None:
    """The PCC's office works the queue; an auditor, who reads everything, may look at it and decides nothing
    (can_decide_from_queue)."""
    _refuse_unless(
        is_reviewer(user) or is_read_only(user), "Only the PCC's office and auditors can see the sign-off queue."
    )


can_see_review_queue = boolean_form(require_review_queue)


def can_decide_from_queue(user) -> bool:
    """Whether the queue offers this person its "Review and decide" links: a PCC reviewer's, never an auditor's.
    Each decision is still checked by require_decide_sign_off."""
    return is_reviewer(user)


# People: the admin, passwords and roles -------------------------------------------------------

VIEW_PEOPLE = "view_user"  # held by the Auditor and Administrator roles, and by no other
CHANGE_PEOPLE = "change_user"  # the Administrator role's


def can_use_admin(user) -> bool:
    """The admin is for the Auditor and Administrator roles, and for a superuser, who sets things up.

    The role is the access: whoever holds it (however it was given) gets in, with exactly that role's
    rights there, and taking the role away takes the access away. No "staff status" box decides it.
    """
    return user.is_active and (user.is_superuser or _holds(user, VIEW_PEOPLE))


def require_password_sign_in() -> None:
    """TRACKER_LOCAL_PASSWORDS off: nobody signs in with a password, on the site or in the admin, a superuser
    included. Break-glass is at the server: whoever runs the site switches it back on (docs/sso.md)."""
    _refuse_unless(
        settings.TRACKER_LOCAL_PASSWORDS,
        "Password sign-in is switched off here: sign in with your force account instead.",
    )


can_sign_in_with_password = boolean_form(require_password_sign_in)


def require_read_sign_ins(user) -> None:
    """The sign-in records (django-axes's: sign-ins, failures, lockouts) are read by whoever reads the people
    list (the Auditor and Administrator roles) and a superuser. Nobody changes or deletes them in the admin:
    only axes itself clears a username's count of failures when they sign in."""
    _refuse_unless(can_use_admin(user), "Only an auditor or an administrator can read the sign-in records.")


can_read_sign_ins = boolean_form(require_read_sign_ins)


def can_grant_powers(user) -> bool:
    """Who is a superuser or staff, and permissions given one by one: seen and changed by a superuser only."""
    return user.is_active and user.is_superuser


def require_change_person(by, person) -> None:
    """An administrator keeps people's accounts, but not a superuser's: that would be a way to become one."""
    require_manage_people(by)
    _refuse_unless(by.is_superuser or not person.is_superuser, "Only a superuser can change a superuser's account.")


can_change_person = boolean_form(require_change_person)


def in_use(person) -> bool:
    """An account someone signs in to: it has a password of its own, or single sign-on has linked it."""
    return person.has_usable_password() or bool(person.sso_subject)


def require_change_address(by, person) -> None:
    """An account already in use keeps its address unless a superuser changes it.

    Otherwise an administrator could give someone's account their own address, send it a reset link
    and sign in as them, with their roles. An account single sign-on made has no password, but it is
    in use all the same.
    """
    require_change_person(by, person)
    _refuse_unless(
        by.is_superuser or by.pk == person.pk or not in_use(person),
        "Only a superuser changes the address of an account already in use: a reset link sent to a new "
        "address would hand the account to whoever holds that address.",
    )


can_change_address = boolean_form(require_change_address)


def require_set_password(by, person) -> None:
    """Nobody sets another person's password, so only they know it; a superuser may, for setting up."""
    if by.pk == person.pk:
        reason = "Change your own password with “Change password”, which asks for your current one."
    else:
        reason = "Nobody sets another person's password: send them a password reset link instead."
    _refuse_unless(by.is_active and by.is_superuser, reason)


can_set_password = boolean_form(require_set_password)


def require_send_reset_link(by, person) -> None:
    """A reset link sets a password: never for an account that signs in with single sign-on, which a
    password would open to whoever holds the link."""
    require_change_person(by, person)
    _refuse_unless(person.is_active, f"{person} cannot sign in any more: their account is not active.")
    _refuse_unless(
        not person.sso_subject,
        f"{person} signs in with single sign-on: a password reset link is not for them. Their force "
        "account's password is reset by the force's IT team.",
    )
    _refuse_unless(bool(person.email), f"{person} has no email address: add one first.")


can_send_reset_link = boolean_form(require_send_reset_link)


def signing_off_roles() -> QuerySet[Group]:
    """The roles that sign off: every group holding the sign_off permission."""
    return Group.objects.filter(permissions__codename=SIGN_OFF, permissions__content_type__app_label="tracker")


def require_change_roles(by, person, new_roles) -> None:
    """Give or take away roles: `new_roles` are the groups the person is to hold.

    Nobody changes their own roles, a superuser included. A role that signs off is not given by someone
    who holds it: separation of duties, so that nobody who signs off chooses who else does.
    """
    require_change_person(by, person)
    _refuse_unless(by.pk != person.pk, "Nobody changes their own roles: another administrator must.")
    held = set(person.groups.values_list("pk", flat=True)) if person.pk else set()
    given = {role.pk for role in new_roles} - held
    shared = sorted(signing_off_roles().filter(pk__in=given, user=by).values_list("name", flat=True).distinct())
    _refuse_unless(
        not shared,
        f"You hold the {' and '.join(shared)} role yourself, so you cannot give it: another administrator must, "
        "so that nobody who signs off chooses who else does.",
    )


can_change_roles = boolean_form(require_change_roles)


def require_see_people(user) -> None:
    """The list of people and each person's page (/people/): administrators keep them; auditors, who read
    everything, read them too."""
    _refuse_unless(can_use_admin(user), "Only an administrator or an auditor can see the list of people.")


can_see_people = boolean_form(require_see_people)


def require_manage_people(user) -> None:
    """Add people, import staff, and everything on a person's page that changes them."""
    _refuse_unless(
        user.is_active and (user.is_superuser or _holds(user, CHANGE_PEOPLE)),
        "Only an administrator can change people.",
    )


can_manage_people = boolean_form(require_manage_people)


def require_import_people(user) -> None:
    _refuse_unless(can_manage_people(user), "Only an administrator can import staff.")


can_import_people = boolean_form(require_import_people)


def open_actions_of(person) -> QuerySet[Action]:
    """What a person still owns: to be given to someone else before they leave."""
    return Action.objects.filter(owner=person, status__in=Action.OPEN_STATUSES)


def require_deactivate_account(by, person) -> None:
    """Who may deactivate whom, whatever the person still owns: the person's page offers it on this."""
    require_change_person(by, person)
    _refuse_unless(by.pk != person.pk, "Nobody deactivates their own account: another administrator must.")
    _refuse_unless(person.is_active, f"{person} is already deactivated.")


can_deactivate_account = boolean_form(require_deactivate_account)


def require_deactivate(by, person) -> None:
    """People leave: their account stops signing in and their record of who did what stays, named.

    Never yourself (a site with no administrator left), nor a superuser unless you are one, nor someone
    who still owns open actions: those go to someone else first, or they would sit with nobody to do them.
    """
    require_deactivate_account(by, person)
    count = open_actions_of(person).count()
    _refuse_unless(
        count == 0,
        f"{person} still owns {count} open action{'s' if count != 1 else ''}: an improvement lead gives "
        f"{'each' if count != 1 else 'it'} to someone else first.",
    )


can_deactivate = boolean_form(require_deactivate)


def require_unlink_sign_on(by, person) -> None:
    """Forget the identity provider's subject kept on an account (a user name reused for someone new): the
    next single sign-on with that name links or makes an account afresh. Never your own."""
    require_change_person(by, person)
    _refuse_unless(bool(person.sso_subject), f"{person} is not linked to single sign-on.")
    _refuse_unless(by.pk != person.pk, "Nobody unlinks their own single sign-on: another administrator must.")


can_unlink_sign_on = boolean_form(require_unlink_sign_on)


# Multi-factor sign-in (tracker/mfa.py) ----------------------------------------------------------


def holds_power_that_matters(user) -> bool:
    """Signs off, decides extension requests (a lead: see require_decide_extension), manages people or uses
    the admin (a superuser included): the powers a stolen password must not be enough for."""
    return is_reviewer(user) or is_lead(user) or (user.is_active and _holds(user, CHANGE_PEOPLE)) or can_use_admin(user)


def needs_second_factor(user) -> bool:
    """Whether this person signs in with a second factor after a local password, by settings.TRACKER_MFA:
    "powers" (the default) for those who hold a power that matters, "everyone", or "off"."""
    if settings.TRACKER_MFA == "off" or not user.is_authenticated:
        return False
    return settings.TRACKER_MFA == "everyone" or holds_power_that_matters(user)


def require_reset_second_factor(by, person) -> None:
    """An administrator resets someone's second factor (a lost phone): they set it up again at their next
    sign-in. Never their own, so a session that took over an administrator's account cannot swap the device."""
    require_change_person(by, person)
    _refuse_unless(by.pk != person.pk, "Nobody resets their own second factor: another administrator must.")


can_reset_second_factor = boolean_form(require_reset_second_factor)


def template_context(request) -> dict:
    """The few rules every page's navigation needs, for templates (a context processor)."""
    # A page for a request refused before anyone is looked up (a bad Host header's 400) has no user.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "may": {
            "own_actions": owns_actions_by_role(user),
            "see_review_queue": can_see_review_queue(user),
            "use_admin": can_use_admin(user),
            "see_people": can_see_people(user),
            "see_sign_in_security": needs_second_factor(user),
        }
    }
