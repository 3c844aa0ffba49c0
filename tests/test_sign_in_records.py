"""Auditors and administrators read the sign-in records on the site's admin; nobody edits or deletes them.

The records are django-axes's: sign-ins (AccessLog), failures with the lockouts among them
(AccessFailureLog), and each username's running count of failures at an address (AccessAttempt).
The rule is permissions.can_read_sign_ins.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse

from tests import factories
from tests.test_sign_in_proxy import HOME, PASSWORD, STRANGER, through_nginx
from tracker import permissions

pytestmark = pytest.mark.django_db

RECORDS = {"accesslog": AccessLog, "accessfailurelog": AccessFailureLog, "accessattempt": AccessAttempt}
READERS = ["auditor", "administrator", "superuser"]
OTHERS = ["owner", "lead", "reviewer", "nobody"]


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="setup", is_superuser=True)


@pytest.fixture
def history(client, settings, reviewer):
    """Real activity through the sign-in form, behind the proxy: a sign-in, failures and a lockout."""
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 3
    login = reverse("login")
    assert client.post(login, {"username": "reviewer", "password": PASSWORD}, **through_nginx(HOME)).status_code == 302
    client.logout()
    for _ in range(4):
        client.post(login, {"username": "reviewer", "password": "wrong"}, **through_nginx(STRANGER))
    assert AccessFailureLog.objects.filter(locked_out=True).exists()


def changelist(model: str) -> str:
    return reverse(f"admin:axes_{model}_changelist")


@pytest.mark.parametrize("who", READERS)
def test_auditors_and_administrators_read_sign_ins_failures_and_lockouts(client, request, history, who):
    client.force_login(request.getfixturevalue(who))

    signed_in = client.get(changelist("accesslog"))
    assert signed_in.status_code == 200
    assert "reviewer" in signed_in.content.decode() and HOME in signed_in.content.decode()
    lockouts = client.get(changelist("accessfailurelog"), {"locked_out__exact": "1"})
    assert lockouts.status_code == 200
    assert lockouts.context["cl"].result_count >= 1 and STRANGER in lockouts.content.decode()
    attempts = client.get(changelist("accessattempt"))
    assert attempts.status_code == 200 and "Locked Out" in attempts.content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert 'href="/admin/axes/"' in index and "Sign-in records" in index


@pytest.mark.parametrize("who", OTHERS)
def test_the_other_roles_cannot_read_them(client, request, history, who):
    client.force_login(request.getfixturevalue(who))

    for model in RECORDS:
        response = client.get(changelist(model))
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("model", RECORDS)
def test_nobody_changes_or_deletes_them(client, request, history, who, model):
    client.force_login(request.getfixturevalue(who))
    record = RECORDS[model].objects.first()
    before = RECORDS[model].objects.count()
    change = reverse(f"admin:axes_{model}_change", args=[record.pk])

    shown = client.get(change)
    assert shown.status_code == 200 and 'name="_save"' not in shown.content.decode()
    assert client.post(change, {"username": "someone-else"}).status_code == 403
    assert client.get(reverse(f"admin:axes_{model}_delete", args=[record.pk])).status_code == 403
    assert client.post(reverse(f"admin:axes_{model}_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse(f"admin:axes_{model}_add")).status_code == 403
    for action in ["delete_selected", "cleanup_expired_attempts"]:
        client.post(changelist(model), {"action": action, "_selected_action": [record.pk], "post": "yes"})

    assert RECORDS[model].objects.count() == before
    record.refresh_from_db()
    assert record.username == "reviewer"


@pytest.mark.parametrize(
    ("who", "reads"),
    [("auditor", True), ("administrator", True), ("superuser", True)] + [(who, False) for who in OTHERS],
)
def test_the_rule(request, who, reads):
    person = request.getfixturevalue(who)

    assert permissions.can_read_sign_ins(person) is reads
    if not reads:
        with pytest.raises(permissions.ActionRefused, match="Only an auditor or an administrator"):
            permissions.require_read_sign_ins(person)


def test_an_inactive_auditor_cannot_read_them():
    assert not permissions.can_read_sign_ins(factories.AuditorFactory(is_active=False))


def records(count: int, batch: str) -> None:
    """As many of each kind of record, each for its own username."""
    common = {"ip_address": STRANGER, "user_agent": "script", "path_info": "/accounts/login/"}
    AccessLog.objects.bulk_create(AccessLog(username=f"signed-in-{batch}-{n}", **common) for n in range(count))
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username=f"guess-{batch}-{n}", **common) for n in range(count)
    )
    AccessAttempt.objects.bulk_create(
        AccessAttempt(username=f"guess-{batch}-{n}", failures_since_start=1, get_data="", post_data="", **common)
        for n in range(count)
    )


@pytest.mark.parametrize("model", RECORDS)
def test_a_list_takes_the_same_queries_for_few_records_or_many(client, auditor, django_assert_num_queries, model):
    client.force_login(auditor)
    url = changelist(model)
    client.get(url)  # the session and the person, as on any later page

    records(3, "few")
    # The session and the person; their permissions (two: as a person and by their groups); the list's
    # count and its whole count; the page of records; the date drill-down (its range, its years); a
    # filter's choices (axes's path filter); and saving the session (three, with its savepoint).
    with django_assert_num_queries(13) as few:
        assert client.get(url).status_code == 200
    records(60, "many")
    with django_assert_num_queries(len(few.captured_queries)):
        many = client.get(url)
    assert many.context["cl"].result_count == RECORDS[model].objects.count() >= 63
