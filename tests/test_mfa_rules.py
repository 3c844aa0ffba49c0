"""Who is asked for a second factor (TRACKER_MFA, roles, how they signed in), the admin, and resets."""

import os
import subprocess  # nosec B404 - runs this project's own settings module, in a test
import sys
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.test import Client, RequestFactory
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.test_mfa import VERIFY, code_for, is_asked_again, sign_in, with_app
from tracker import mfa, permissions
from tracker.admin_site import TrackerAdminSite

ROOT = Path(__file__).resolve().parent.parent


class SingleSignOnBackend(ModelBackend):
    """Stands for a single sign-on backend added later (OpenID Connect): not a local password."""


def setting_when(**env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in {"TRACKER_MFA", "DEBUG"}}
    clean.update(SECRET_KEY="test-only-not-a-secret", **env)
    return subprocess.run(  # nosec B603 - a fixed command
        [sys.executable, "-c", "from config import settings; print(settings.TRACKER_MFA)"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_asks_those_with_powers_by_default():
    assert setting_when().stdout.strip() == "powers"
    assert setting_when(TRACKER_MFA=" Everyone ").stdout.strip() == "everyone"
    assert setting_when(TRACKER_MFA="off").stdout.strip() == "off"


def test_a_misspelt_setting_stops_the_site_saying_what_it_may_be():
    refused = setting_when(TRACKER_MFA="no")

    assert refused.returncode != 0
    assert 'TRACKER_MFA must be "powers", "everyone" or "off", not "no".' in refused.stderr


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_superuser=True)


ROLES = ["owner", "lead", "reviewer", "auditor", "administrator", "nobody", "superuser"]
NEEDS_IT_FOR_POWERS = {"lead", "reviewer", "auditor", "administrator", "superuser"}


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["powers", "everyone", "off"])
@pytest.mark.parametrize("role", ROLES)
def test_who_needs_a_second_factor(settings, request, mode, role):
    settings.TRACKER_MFA = mode
    person = request.getfixturevalue(role)

    expected = {"powers": role in NEEDS_IT_FOR_POWERS, "everyone": True, "off": False}[mode]
    assert permissions.needs_second_factor(person) is expected


@pytest.mark.django_db
def test_a_lead_who_decides_extensions_needs_it_but_not_an_inactive_account(settings, lead):
    settings.TRACKER_MFA = "powers"
    extension = factories.ExtensionRequestFactory()
    assert permissions.can_decide_extension(lead, extension) and permissions.needs_second_factor(lead)
    lead.is_active = False
    assert not permissions.holds_power_that_matters(lead)


@pytest.mark.django_db
@pytest.mark.parametrize("mode, asked", [("powers", False), ("everyone", True), ("off", False)])
def test_the_setting_decides_for_an_owner_signing_in(settings, client, owner, mode, asked):
    settings.TRACKER_MFA = mode
    sign_in(client, owner)

    assert is_asked_again(client) is asked


@pytest.mark.django_db
def test_with_the_setting_off_a_reviewer_signs_in_with_the_password_alone(settings, client, reviewer):
    settings.TRACKER_MFA = "off"
    sign_in(client, reviewer)

    assert client.get("/review/").status_code == 200
    assert client.get(VERIFY).url == "/"


@pytest.mark.django_db
def test_a_single_sign_on_session_is_not_asked(settings, client, administrator):
    settings.TRACKER_MFA = "everyone"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, f"{__name__}.SingleSignOnBackend"]
    client.force_login(administrator, backend=f"{__name__}.SingleSignOnBackend")

    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_admin_refuses_someone_who_owes_their_second_factor(settings, client, administrator):
    settings.TRACKER_MFA = "powers"
    device = with_app(administrator)
    sign_in(client, administrator)
    request = RequestFactory().get("/admin/")
    request.session = client.session
    request.user = administrator
    administrator.is_verified = lambda: False

    assert not TrackerAdminSite().has_permission(request)
    assert client.get("/admin/").url == "/account/second-factor/?next=%2Fadmin%2F"
    client.post(VERIFY, {"code": code_for(device)})
    administrator.is_verified = lambda: True
    assert TrackerAdminSite().has_permission(request)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_who_may_reset_a_second_factor(administrator, reviewer, owner):
    other_administrator = factories.AdministratorFactory(username="other-admin")
    superuser = factories.UserFactory(username="root", is_superuser=True)

    assert permissions.can_reset_second_factor(administrator, reviewer)
    assert permissions.can_reset_second_factor(other_administrator, administrator)
    with pytest.raises(permissions.ActionRefused, match="Nobody resets their own second factor"):
        permissions.require_reset_second_factor(administrator, administrator)
    with pytest.raises(permissions.ActionRefused, match="Only a superuser can change a superuser"):
        permissions.require_reset_second_factor(administrator, superuser)
    with pytest.raises(permissions.ActionRefused, match="Only an administrator can change people"):
        permissions.require_reset_second_factor(owner, reviewer)


def verified_client(client, person):
    device = with_app(person)
    sign_in(client, person)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    return client


@pytest.mark.django_db
def test_an_administrator_resets_a_lost_phone_and_the_person_sets_up_again(settings, client, administrator, reviewer):
    settings.TRACKER_MFA = "powers"
    reviewers_session = verified_client(Client(), reviewer)
    verified_client(client, administrator)

    response = client.post(
        "/admin/tracker/user/",
        {"action": "reset_second_factor", "_selected_action": [reviewer.pk, administrator.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert f"Second factor reset for {reviewer}." in page
    assert "Nobody resets their own second factor: another administrator must." in page
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    assert TOTPDevice.objects.filter(user=administrator).exists()
    entry = LogEntry.objects.get(object_id=str(reviewer.pk))
    assert entry.user == administrator and "Reset their second factor" in entry.get_change_message()
    assert is_asked_again(reviewers_session), "a session that had passed is asked again"
    assert reviewers_session.get(VERIFY).url.startswith("/account/second-factor/set-up/")


@pytest.mark.django_db
def test_reset_is_refused_to_an_owner_in_the_service_too(owner, reviewer):
    with_app(reviewer)

    with pytest.raises(permissions.ActionRefused):
        mfa.reset_second_factor(reviewer, by=owner)
    assert TOTPDevice.objects.filter(user=reviewer).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mode, says",
    [
        ("off", "Multi-factor sign-in is off for this demo (TRACKER_MFA=off)"),
        ("powers", "Multi-factor sign-in is on (TRACKER_MFA=powers)"),
    ],
)
def test_the_demo_accounts_list_says_whether_a_second_factor_is_asked(settings, capsys, monkeypatch, mode, says):
    settings.TRACKER_MFA = mode
    monkeypatch.setenv("DEMO_PASSWORD", "a demo password for tests")

    call_command("seed_demo")

    printed = capsys.readouterr().out
    assert says in printed
    assert "In production it is on" in printed or mode != "off"
