import copy
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests import factories
from tests.shared_data import written_once

# The real hasher is slow by design; tests make many users.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def plain_http(settings):
    # Production settings redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(scope="session", autouse=True)
def second_factor_off():
    # Production asks leads, reviewers, auditors and administrators for a second factor (TRACKER_MFA
    # "powers", the default: tests/test_mfa_rules.py proves it). The rest of the suite signs people in
    # with force_login, which gives no second factor, so it runs with it off (for the session, so that
    # module-scoped fixtures see it too); tests/test_mfa*.py and tests/browser/test_mfa_journey.py turn
    # it on with the settings fixture and go through it as a person does.
    with override_settings(TRACKER_MFA="off"):
        yield


@pytest.fixture
def owner(db):
    return factories.OwnerFactory(username="owner")


@pytest.fixture
def other_owner(db):
    return factories.OwnerFactory(username="other-owner")


@pytest.fixture
def lead(db):
    return factories.LeadFactory(username="lead")


@pytest.fixture
def other_lead(db):
    return factories.LeadFactory(username="other-lead")


@pytest.fixture
def reviewer(db):
    return factories.ReviewerFactory(username="reviewer")


@pytest.fixture
def auditor(db):
    return factories.AuditorFactory(username="auditor")


@pytest.fixture
def administrator(db):
    return factories.AdministratorFactory(username="administrator")


@pytest.fixture
def nobody(db):
    return factories.UserFactory(username="nobody")


@pytest.fixture
def inspection(db):
    """The Hertfordshire PEEL 2016 report that the inspection and finding page tests look at."""
    return factories.InspectionFactory(
        slug="herts-peel-2016",
        title="PEEL: Police effectiveness 2016 - Hertfordshire Constabulary",
        published=datetime.date(2017, 3, 2),
        overall_grade="requires_improvement",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0.",
    )


@pytest.fixture
def cause(inspection):
    return factories.FindingFactory(
        inspection=inspection,
        cause_of_concern=True,
        reference="CoC1",
        title="Risk assessment at first contact",
        text="It is a cause of concern to HMIC that some call handlers are not correctly identifying risk.",
        register_id="8771",
    )


@pytest.fixture
def finding(inspection):
    return factories.FindingFactory(inspection=inspection, reference="AFI1", title="Supervision", is_summary=True)


@pytest.fixture
def signed_in(client, lead):
    client.force_login(lead)
    return client


# Data written once per module (tests.shared_data.written_once) ------------------------------
# Each test's own transaction is undone after it, so the next test sees the data as written. The data
# stays until the module's last test, so every test of a module that uses it sees it: use it in a module
# whose tests all take it (pytest.mark.usefixtures says so). Not for django_db(transaction=True) tests.


def one_of_each_role() -> dict:
    """A person in each role (two owners), with the usernames of the function fixtures above."""
    return {
        "owner": factories.OwnerFactory(username="owner"),
        "other_owner": factories.OwnerFactory(username="other-owner"),
        "lead": factories.LeadFactory(username="lead"),
        "reviewer": factories.ReviewerFactory(username="reviewer"),
        "auditor": factories.AuditorFactory(username="auditor"),
        "administrator": factories.AdministratorFactory(username="administrator"),
    }


@pytest.fixture(scope="module")
def access_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small plan the access matrix is tried on, built once per module that uses it.

    test_access.py's world fixture hands each test its own copy; test_fuzz.py and
    test_page_queries.py use that fixture too.
    """
    media_root = tmp_path_factory.mktemp("media")
    with written_once(django_db_blocker):
        with override_settings(MEDIA_ROOT=media_root, PASSWORD_HASHERS=FAST_HASHERS):
            people = one_of_each_role()
            owner = people["owner"]
            inspection = factories.InspectionFactory()
            finding = factories.FindingFactory(inspection=inspection, cause_of_concern=True)
            open_action = factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
            evidence = factories.EvidenceFactory(
                action=open_action, url="", file=SimpleUploadedFile("audit.pdf", b"%PDF-1.4 audit")
            )
            submitted_action = factories.ActionFactory(finding=finding, owner=owner, submitted=True)
            extension = factories.ExtensionRequestFactory(
                action=factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
            )
            ready_finding = factories.FindingFactory(inspection=inspection)
            factories.ActionFactory(finding=ready_finding, owner=owner, signed_off=True)
            factories.ActionFactory(
                finding=ready_finding, owner=owner, withdrawn=True, due_date=datetime.date(2027, 1, 1)
            )
            world = {
                "people": {**people, "no_role": factories.UserFactory(username="no-role")},
                "open_action": open_action.pk,
                "evidence": evidence.pk,
                "submitted_action": submitted_action.pk,
                "extension": extension.pk,
                "inspection": inspection.slug,
                "finding": finding.pk,
                "ready_finding": ready_finding.pk,
                # Someone the people pages are tried on: no open actions, and linked to single sign-on.
                "person": factories.OwnerFactory(username="colleague", sso_subject="colleague-subject").pk,
                # Someone who signs in with a password here: only they may be sent a reset link.
                "password_person": factories.OwnerFactory(username="colleague-with-password").pk,
                # A password reset link that is not (or no longer) valid: its page says so to anyone.
                "reset_uid": "MA",
                "reset_token": "no-longer-valid",
            }
        yield {"media_root": media_root, "world": world}


@pytest.fixture(scope="module")
def everyone(django_db_setup, django_db_blocker):
    """One person in each role, written once for the module, with the usernames of the fixtures above."""
    with written_once(django_db_blocker):
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            people = one_of_each_role()
        yield people


@pytest.fixture
def people(db, everyone):
    """One person in each role, by the names test_workflow_*.py parametrize over (tests.workflow.ROLES).

    Each test gets its own copy of everyone; the owner, lead, ... fixtures find the same people.
    """
    return copy.deepcopy(everyone)
