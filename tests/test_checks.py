"""Production refuses to run wrong: the system checks in tracker/checks.py, and the settings a smoke test turns off."""

import datetime
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from tests import factories
from tracker import checks
from tracker.models import ReminderSent

ROOT = Path(__file__).resolve().parent.parent
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def production(settings, tmp_path):
    """Settings a real deployment would have: each test then breaks one of them."""
    settings.DEBUG = False
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "relay.example.police.uk"
    settings.TRACKER_SITE_URL = "https://tracker.example.police.uk"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_KEY = "an-audit-key-of-its-own-" + "k" * 26
    return settings


def ids(errors) -> list[str]:
    return [error.id for error in errors]


def every_check() -> list:
    return checks.check_mail_server() + checks.check_site_url() + checks.check_media_root() + checks.check_audit_key()


def test_a_deployment_with_everything_set_passes_every_check(production):
    assert every_check() == []


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend"]
)
def test_email_that_goes_nowhere_is_refused(production, backend):
    production.EMAIL_BACKEND = backend

    [error] = checks.check_mail_server()

    assert error.id == "tracker.E001"
    assert "No mail server is configured" in error.msg
    assert error.hint.startswith("Set EMAIL_HOST")


def test_smtp_without_a_host_is_refused(production):
    production.EMAIL_HOST = ""

    assert ids(checks.check_mail_server()) == ["tracker.E001"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "TRACKER_SITE_URL is not set"),
        ("http://127.0.0.1:8000", "is a loopback address"),
        ("http://localhost:8000/", "is a loopback address"),
        ("https://[::1]/", "is a loopback address"),
        ("tracker.example.police.uk", "is not a web address"),
    ],
)
def test_a_site_address_emails_cannot_link_to_is_refused(production, url, says):
    production.TRACKER_SITE_URL = url

    [error] = checks.check_site_url()

    assert error.id == "tracker.E002"
    assert says in error.msg
    assert error.hint.startswith("Set TRACKER_SITE_URL")


@pytest.mark.parametrize("inside", ["media", "", "tracker/static/evidence"])
def test_evidence_inside_the_code_checkout_is_refused(production, inside):
    production.MEDIA_ROOT = settings.BASE_DIR / inside

    [error] = checks.check_media_root()

    assert error.id == "tracker.E003"
    assert "is inside the code checkout" in error.msg
    assert error.hint.startswith("Set MEDIA_ROOT")


def test_a_folder_beside_the_checkout_with_a_similar_name_is_outside_it(production):
    production.MEDIA_ROOT = Path(f"{settings.BASE_DIR}-media")

    assert checks.check_media_root() == []


def test_development_is_not_checked(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.TRACKER_SITE_URL = "http://127.0.0.1:8000"
    settings.MEDIA_ROOT = settings.BASE_DIR / "media"
    settings.AUDIT_KEY = "short"

    assert every_check() == []


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("", "AUDIT_KEY is not set"),
        ("k" * 31, "AUDIT_KEY is only 31 characters long"),
        ("test-only-not-a-secret-but-long-enough-to-pass", "AUDIT_KEY is the same as SECRET_KEY"),
    ],
    ids=["unset", "short", "secret-key"],
)
def test_an_audit_key_that_cannot_protect_the_sign_off_chain_is_refused(production, key, says):
    production.SECRET_KEY = "test-only-not-a-secret-but-long-enough-to-pass"
    production.AUDIT_KEY = key

    [error] = checks.check_audit_key()

    assert error.id == "tracker.E004"
    assert says in error.msg
    assert error.hint.startswith("Set AUDIT_KEY to a random secret of its own, at least 32 characters")
    assert "secrets.token_urlsafe" in error.hint


def test_an_audit_key_of_32_characters_is_enough(production):
    production.AUDIT_KEY = "k" * 32

    assert checks.check_audit_key() == []


def test_check_deploy_and_the_server_refuse_to_run_without_an_audit_key(production):
    production.AUDIT_KEY = ""

    with pytest.raises(SystemCheckError, match=r"tracker\.E004.*AUDIT_KEY is not set"):
        call_command("check", "--deploy")
    with pytest.raises(ImproperlyConfigured, match=r"tracker\.E004: AUDIT_KEY is not set.* Set AUDIT_KEY"):
        checks.refuse_to_start_if_misconfigured()


def test_check_deploy_fails_on_a_bad_setting_with_debug_off(production):
    production.TRACKER_SITE_URL = "http://127.0.0.1:8000"

    with pytest.raises(SystemCheckError, match=r"tracker\.E002.*loopback"):
        call_command("check", "--deploy")


def test_the_server_refuses_to_start_saying_what_to_set(production):
    production.MEDIA_ROOT = settings.BASE_DIR / "media"

    with pytest.raises(ImproperlyConfigured, match=r"tracker\.E003.*Set MEDIA_ROOT"):
        checks.refuse_to_start_if_misconfigured()


def test_a_silenced_check_does_not_stop_the_server(production):
    production.MEDIA_ROOT = settings.BASE_DIR / "media"
    production.SILENCED_SYSTEM_CHECKS = ["tracker.E003"]

    checks.refuse_to_start_if_misconfigured()


@pytest.mark.django_db
def test_reminders_do_not_run_without_a_mail_server(production, owner):
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    factories.ActionFactory(owner=owner, title="Overdue", due_date=datetime.date(2020, 1, 1))

    with pytest.raises(SystemCheckError, match=r"tracker\.E001"):
        call_command("send_reminders", skip_checks=False, stdout=io.StringIO())

    assert not ReminderSent.objects.exists()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_reminders_that_cannot_be_delivered_are_not_recorded_and_the_run_fails(settings, owner, other_owner):
    # A real SMTP connection to a port nothing listens on: refused at once.
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", closed_port(), False
    factories.ActionFactory(owner=owner, title="Overdue", due_date=datetime.date(2020, 1, 1))
    factories.ActionFactory(owner=other_owner, title="Also overdue", due_date=datetime.date(2020, 1, 1))
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"2 reminder email\(s\) could not be sent .*the next run tries again"):
        call_command("send_reminders", stdout=out)

    assert "0 reminder email(s) sent" in out.getvalue()
    assert not ReminderSent.objects.exists()
    assert mail.outbox == []


def run_settings(env: dict[str, str], code: str) -> str:
    kept_out = {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "AUDIT_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in kept_out}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


SECURITY = (
    "from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
)


def test_production_redirects_to_https_and_sends_cookies_over_it_only():
    assert run_settings({}, SECURITY) == ["True", "True", "True", "True"]


def test_the_smoke_test_environment_turns_the_redirect_and_secure_cookies_off():
    # The README's first smoke test, over plain HTTP on loopback before TLS exists.
    assert run_settings({"SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0"}, SECURITY) == [
        "False",
        "False",
        "False",
        "True",
    ]


AUDIT_KEY = "from django.conf import settings as s; print(repr(s.AUDIT_KEY))"


def test_development_has_an_audit_key_that_says_it_is_for_development_only():
    assert run_settings({"DEBUG": "1"}, AUDIT_KEY) == ["'django-insecure-audit-key-local-development-only'"]


def test_production_has_no_audit_key_unless_it_is_set():
    assert run_settings({}, AUDIT_KEY) == ["''"]
    assert run_settings({"AUDIT_KEY": "k" * 40}, AUDIT_KEY) == [repr("k" * 40)]
