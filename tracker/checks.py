"""System checks that stop a production site from running wrong.

Each fires only with DEBUG off, and is an error: `manage.py check` (and so
migrate, runserver and every management command) fails with a sentence saying
what to set, and config/wsgi.py refuses to start gunicorn the same way. With
DEBUG on (make run) they say nothing. `check --deploy --fail-level WARNING` is
the gate the README's deployment section asks for; these are part of it.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning
from django.core.checks import run_checks as run_registered_checks
from django.core.exceptions import ImproperlyConfigured

TAG = "tracker"

# Django's email backends that deliver nothing: they print, keep in memory, write files or drop.
NON_DELIVERING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register(TAG)
def check_mail_server(app_configs=None, **kwargs) -> list[Error]:
    """tracker.E001: reminders and notifications must reach people, not the console."""
    if settings.DEBUG:
        return []
    backend = settings.EMAIL_BACKEND
    if backend in NON_DELIVERING_BACKENDS or (backend.endswith(".smtp.EmailBackend") and not settings.EMAIL_HOST):
        return [
            Error(
                f"No mail server is configured (EMAIL_BACKEND is {backend}), so reminder and notification emails "
                "would go nowhere and be recorded as sent.",
                hint="Set EMAIL_HOST to your mail relay (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
                "EMAIL_USE_TLS, DEFAULT_FROM_EMAIL as it needs). Console email is for development only.",
                id="tracker.E001",
            )
        ]
    return []


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(TAG)
def check_site_url(app_configs=None, **kwargs) -> list[Error]:
    """tracker.E002: the links in emails must point at the site people actually reach."""
    if settings.DEBUG:
        return []
    url = settings.TRACKER_SITE_URL
    hint = "Set TRACKER_SITE_URL to the address people use to reach the site, e.g. https://tracker.example.police.uk"
    parts = urlsplit(url)
    if not url:
        problem = "TRACKER_SITE_URL is not set, so the links in reminder emails would lead nowhere."
    elif parts.scheme not in {"http", "https"} or not parts.hostname:
        problem = f"TRACKER_SITE_URL ({url}) is not a web address, so the links in reminder emails would not work."
    elif is_loopback(parts.hostname):
        problem = (
            f"TRACKER_SITE_URL ({url}) is a loopback address, so the links in reminder emails would point at "
            "the reader's own computer."
        )
    else:
        return []
    return [Error(problem, hint=hint, id="tracker.E002")]


@register(TAG)
def check_media_root(app_configs=None, **kwargs) -> list[Error]:
    """tracker.E003: evidence is kept apart from the code, so an upgrade or a fresh clone cannot lose it."""
    if settings.DEBUG:
        return []
    media = Path(settings.MEDIA_ROOT).resolve()
    checkout = Path(settings.BASE_DIR).resolve()
    if media == checkout or checkout in media.parents:
        return [
            Error(
                f"MEDIA_ROOT ({media}) is inside the code checkout ({checkout}): evidence files would be kept "
                "with the code, where an upgrade or a fresh clone can lose them.",
                hint="Set MEDIA_ROOT to a folder outside the checkout, e.g. /var/lib/tracker/media.",
                id="tracker.E003",
            )
        ]
    return []


AUDIT_KEY_MIN_LENGTH = 32


@register(TAG)
def check_audit_key(app_configs=None, **kwargs) -> list[Error]:
    """tracker.E004: the sign-off chain is signed with a key of its own, which a guess cannot find."""
    if settings.DEBUG:
        return []
    key = settings.AUDIT_KEY
    if not key:
        problem = (
            "AUDIT_KEY is not set, so sign-off decisions cannot be signed, and a forged decision could not be told "
            "from a real one."
        )
    elif len(key) < AUDIT_KEY_MIN_LENGTH:
        problem = (
            f"AUDIT_KEY is only {len(key)} characters long: a short key can be guessed, and whoever has it can forge "
            "sign-off decisions that verify_audit accepts."
        )
    elif key == settings.SECRET_KEY:
        problem = (
            "AUDIT_KEY is the same as SECRET_KEY: the audit key must be a secret of its own, so that whoever holds "
            "the site's configuration for one purpose cannot forge sign-off decisions with it."
        )
    else:
        return []
    return [
        Error(
            problem,
            hint=f"Set AUDIT_KEY to a random secret of its own, at least {AUDIT_KEY_MIN_LENGTH} characters, kept "
            "outside the database and its backups: make one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="tracker.E004",
        )
    ]


@register(TAG, deploy=True)
def check_trusted_proxies(app_configs=None, **kwargs) -> list[CheckWarning]:
    """tracker.W001 (check --deploy only): behind the TLS proxy the README asks for, the app must be told of it.

    With TRUSTED_PROXIES at 0 every sign-in seems to come from the proxy's own address, so anyone's
    failures would lock a person out and pause signing in for everyone. A site people really reach
    without a proxy silences it (SILENCED_SYSTEM_CHECKS=tracker.W001).
    """
    if settings.DEBUG or settings.TRUSTED_PROXIES:
        return []
    return [
        CheckWarning(
            "TRUSTED_PROXIES is 0, so behind a proxy every sign-in would seem to come from the proxy's address: "
            "anyone's failed sign-ins would lock people out and pause signing in for everyone.",
            hint="Set TRUSTED_PROXIES=1 for one proxy in front that sends the client's address in X-Forwarded-For "
            "(README, Deploying). If people reach gunicorn directly, with no proxy, silence tracker.W001.",
            id="tracker.W001",
        )
    ]


def refuse_to_start_if_misconfigured() -> None:
    """Raise ImproperlyConfigured naming every problem above: for servers, such as gunicorn, that run no checks."""
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    problems = [error for error in run_registered_checks(tags=[TAG]) if error.id not in silenced]
    if problems:
        raise ImproperlyConfigured("\n".join(f"{error.id}: {error.msg} {error.hint}" for error in problems))


@register(TAG)
def check_single_sign_on(app_configs=None, **kwargs) -> list[Error]:
    """tracker.E010-E012: single sign-on set up whole, its role mapping readable, and some way to sign in."""
    from . import sso

    errors = []
    if not settings.TRACKER_LOCAL_PASSWORDS and not sso.enabled():
        errors.append(
            Error(
                "TRACKER_LOCAL_PASSWORDS is off and single sign-on is not set up, so nobody could sign in.",
                hint="Set OIDC_RP_CLIENT_ID and the rest (docs/sso.md), or leave TRACKER_LOCAL_PASSWORDS unset.",
                id="tracker.E012",
            )
        )
    if not sso.enabled():
        return errors
    explicit = ["OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"]
    missing = [] if settings.OIDC_OP_DISCOVERY else [name for name in explicit if not getattr(settings, name)]
    if not settings.OIDC_RP_CLIENT_SECRET:
        missing.insert(0, "OIDC_RP_CLIENT_SECRET")
    if missing:
        errors.append(
            Error(
                f"Single sign-on is half set up: OIDC_RP_CLIENT_ID is set but not {', '.join(missing)}.",
                hint="Set OIDC_OP_DISCOVERY (or the endpoints one by one) and OIDC_RP_CLIENT_SECRET: see docs/sso.md.",
                id="tracker.E010",
            )
        )
    try:
        sso.role_map()
    except ValueError as error:
        errors.append(Error(str(error), hint="See docs/sso.md for the form it takes.", id="tracker.E011"))
    if not settings.DEBUG:
        addresses = ["OIDC_OP_DISCOVERY", *explicit, "OIDC_OP_USER_ENDPOINT"]
        plain = [name for name in addresses if urlsplit(getattr(settings, name)).scheme == "http"]
        if plain:
            errors.append(
                Error(
                    f"{', '.join(plain)} {'is' if len(plain) == 1 else 'are'} plain HTTP: the client secret, the "
                    "codes and the tokens that sign people in would cross the network unencrypted.",
                    hint="Give the identity provider's https:// addresses (docs/sso.md).",
                    id="tracker.E013",
                )
            )
    return errors
