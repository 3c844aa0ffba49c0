"""Production settings, headers, sign-in lockout and the sign-in audit trail."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


def test_deploy_checks_pass_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env |= {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "tracker.example.police.uk"}
    env |= {"AUDIT_KEY": secrets.token_urlsafe(50)}
    # What tracker/checks.py asks of a deployment: a mail relay, the site's own address, evidence outside the code.
    env |= {
        "EMAIL_HOST": "relay.example.police.uk",
        "TRACKER_SITE_URL": "https://tracker.example.police.uk",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TRUSTED_PROXIES": "1",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client, owner):
    client.force_login(owner)

    response = client.get("/actions/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_needs_inline_script_or_style():
    offenders = []
    for template in (ROOT / "tracker" / "templates").rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script|<style|\sstyle=|\son[a-z]+=", text, re.IGNORECASE):
            offenders.append(template.name)

    assert offenders == []


@pytest.mark.django_db
def test_plain_http_is_sent_to_https_and_https_gets_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    # Any page but /healthz, which answers load balancers over plain HTTP (tests/test_healthz.py).
    plain = client.get("/accounts/login/")
    behind_proxy = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert behind_proxy.status_code == 200
    assert behind_proxy["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cookies_are_secure_and_sessions_expire_when_idle():
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60


@pytest.mark.django_db
def test_each_request_pushes_back_the_idle_expiry(client, owner):
    client.force_login(owner)

    response = client.get("/actions/")

    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_IDLE_MINUTES * 60


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["password", "12345678901234", "short", "owner-owner"])
def test_weak_passwords_are_refused(owner, password):
    with pytest.raises(ValidationError):
        validate_password(password, owner)


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_sign_in_and_sign_out_are_recorded(client):
    factories.OwnerFactory(username="dsupt")

    assert sign_in(client, "dsupt", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    log = AccessLog.objects.get(username="dsupt")
    assert log.attempt_time and log.logout_time


@pytest.mark.django_db
def test_failed_sign_ins_are_recorded_and_explained(client):
    factories.OwnerFactory(username="dsupt")

    response = sign_in(client, "dsupt", "wrong password")

    assert response.status_code == 200
    assert b"Enter a correct username and password" in response.content
    assert AccessFailureLog.objects.filter(username="dsupt").count() == 1


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_out_with_a_clear_page(client, settings):
    factories.OwnerFactory(username="dsupt")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "dsupt", "wrong password")
    locked = sign_in(client, "dsupt", PASSWORD)

    assert locked.status_code == 429
    assert b"Signing in is paused for this account" in locked.content
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="dsupt").failures_since_start >= settings.AXES_FAILURE_LIMIT


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, settings):
    factories.OwnerFactory(username="dsupt")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "dsupt", "wrong password")
    assert sign_in(client, "dsupt", PASSWORD).status_code == 302

    assert not AccessAttempt.objects.filter(username="dsupt").exists()
