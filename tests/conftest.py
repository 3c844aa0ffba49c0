import datetime

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_http(settings):
    # Production settings redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False


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
def people(owner, other_owner, lead, reviewer, auditor, administrator):
    """One person in each role, by the names test_workflow_*.py parametrize over (tests.workflow.ROLES)."""
    return {
        "owner": owner,
        "other_owner": other_owner,
        "lead": lead,
        "reviewer": reviewer,
        "auditor": auditor,
        "administrator": administrator,
    }


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
