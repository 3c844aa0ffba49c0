"""Every write to people: add, import, change roles, deactivate, unlink single sign-on, and the emails.

The services of tracker/services.py, for people, with the same shape (kept apart as that module is at
its size): each is atomic, takes the acting person as keyword-only `by`, locks the row it changes,
asks the rule in tracker/permissions.py, then writes with who and why for history. Emails go once
the transaction has committed, so a refused or failed write sends nothing. The admin and the /people/
pages both call these, so a rule or a history reason is written once.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from . import clock, permissions
from .models import User

log = logging.getLogger("tracker")


def site_address(request=None) -> tuple[str, bool]:
    """The host and whether https, for links in email: TRACKER_SITE_URL, never the Host header a request
    came with (a forged one would send someone a reset link to another site); the request's own only where
    the setting is empty (a development machine)."""
    if settings.TRACKER_SITE_URL or request is None:
        site = urlsplit(settings.TRACKER_SITE_URL)
        return site.netloc, site.scheme == "https"
    return request.get_host(), request.is_secure()


class ResetLinkForm(PasswordResetForm):
    """Django's reset email, sent to one chosen person, even one who has no password yet."""

    def __init__(self, person):
        super().__init__({"email": person.email})
        self.person = person

    def get_users(self, email):
        return [self.person]


def send_reset_link(person: User) -> None:
    """Email a person a link to set their own password, on the site's own address (TRACKER_SITE_URL)."""
    domain, https = site_address()
    form = ResetLinkForm(person)
    form.is_valid()
    form.save(
        domain_override=domain,
        use_https=https,
        subject_template_name="registration/reset_link_subject.txt",
        email_template_name="registration/reset_link_email.txt",
    )


def _record(person: User, *, by: User, reason: str) -> None:
    """Who and why for the history rows the next save (or change of roles) writes."""
    person._history_user = by
    person._history_date = clock.now()
    person._change_reason = reason


def _role_names(roles) -> str:
    return ", ".join(sorted(role.name for role in roles)) or "none"


@transaction.atomic
def send_password_link(person: User, *, by: User) -> None:
    person = User.objects.select_for_update().get(pk=person.pk)
    permissions.require_send_reset_link(by, person)
    transaction.on_commit(lambda: send_reset_link(person))


@transaction.atomic
def add_person(
    *, by: User, roles: list[Group], single_sign_on: bool = False, reason: str = "Added on the People page", **fields
) -> User:
    """A new account with its roles and no password: a local account gets an email with a link to set
    its own; one that will sign in by single sign-on links itself at its first sign-on (by user name)."""
    person = User(**fields)
    person.set_unusable_password()
    permissions.require_change_roles(by, person, roles)
    person.full_clean(exclude=["password"])
    _record(person, by=by, reason=f"{reason}, with the roles {_role_names(roles)}")
    person.save()
    person.groups.set(roles)
    if settings.TRACKER_LOCAL_PASSWORDS and not single_sign_on:
        transaction.on_commit(lambda: send_reset_link(person))
    return person


@transaction.atomic
def add_people(rows: list[dict], *, by: User, single_sign_on: bool = False) -> list[User]:
    """A staff import (tracker/people_csv.py checked every row first): all of them, or none."""
    permissions.require_import_people(by)
    try:
        with transaction.atomic():
            return [
                add_person(by=by, single_sign_on=single_sign_on, reason="Imported from a staff CSV file", **row)
                for row in rows
            ]
    except (IntegrityError, ValidationError):
        # Someone added one of these user names between the check and now.
        raise permissions.ActionRefused(
            "Someone added one of these people while you were importing: nothing was imported. Upload the file again."
        ) from None


@transaction.atomic
def change_roles(person: User, *, by: User, roles: list[Group], reason: str) -> User:
    """The roles a person holds, with the reason kept on the history row the change writes."""
    person = User.objects.select_for_update().get(pk=person.pk)
    permissions.require_change_roles(by, person, roles)
    if set(person.groups.all()) != set(roles):
        _record(person, by=by, reason=reason)
        person.groups.set(roles)
    return person


@transaction.atomic
def deactivate(person: User, *, by: User, reason: str) -> User:
    """They can no longer sign in (a session they have ends at its next request); everything they did stays,
    under their name."""
    person = User.objects.select_for_update().get(pk=person.pk)
    permissions.require_deactivate(by, person)
    person.is_active = False
    _record(person, by=by, reason=f"Deactivated: {reason}")
    person.save(update_fields=["is_active"])
    log.warning(
        "Account deactivated", extra={"event": "account_deactivated", "user_id": by.pk, "username": person.username}
    )
    return person


@transaction.atomic
def unlink_sign_on(person: User, *, by: User, reason: str) -> User:
    """Forget the identity provider's subject on this account: the next single sign-on with its user name
    links to it afresh, or (if the account is renamed) makes a new one."""
    person = User.objects.select_for_update().get(pk=person.pk)
    permissions.require_unlink_sign_on(by, person)
    person.sso_subject = None
    _record(person, by=by, reason=f"Single sign-on unlinked: {reason}")
    person.save(update_fields=["sso_subject"])
    log.warning(
        "Single sign-on unlinked", extra={"event": "sso_unlinked", "user_id": by.pk, "username": person.username}
    )
    return person
