"""Permissions decide, once: every rule lives in tracker/permissions.py, and the rest of the code asks it."""

import datetime
import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tracker import permissions, services
from tracker.models import Action, ExtensionRequest, ProgressUpdate, drift, last_progress

S = Action.Status
APP = Path(settings.BASE_DIR)
PERMISSION_CHECK = re.compile(r"""has_perms?\(\s*["'f]|\bperms\.tracker\b""")


def test_no_permission_is_checked_by_name_outside_permissions_py():
    sources = [
        path
        for folder in ("tracker", "config")
        for path in (APP / folder).rglob("*")
        if path.suffix in (".py", ".html") and "migrations" not in path.parts
    ]
    offenders = [
        f"{path.relative_to(APP)}:{number}"
        for path in sources
        if path != APP / "tracker" / "permissions.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PERMISSION_CHECK.search(line)
    ]

    assert sources and offenders == []


def test_the_check_finds_a_permission_named_in_code_or_a_template():
    assert PERMISSION_CHECK.search('if user.has_perm("tracker.sign_off"):')
    assert PERMISSION_CHECK.search("{% if perms.tracker.sign_off %}")
    assert not PERMISSION_CHECK.search("permissions.is_reviewer(user)")


def test_every_service_takes_its_actor_as_a_typed_keyword_only_by():
    public = [
        function
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__ == services.__name__ and not name.startswith("_")
    ]
    untyped = [
        function.__name__
        for function in public
        if (by := inspect.signature(function).parameters.get("by")) is None
        or by.kind is not inspect.Parameter.KEYWORD_ONLY
        or by.annotation is inspect.Parameter.empty
    ]

    assert len(public) > 15 and untyped == []


# The query forms agree with the rules -------------------------------------------------------


@pytest.fixture
def people(db):
    direct = factories.UserFactory(username="direct-grant")
    direct.user_permissions.add(Permission.objects.get(codename="sign_off"))
    return [
        factories.OwnerFactory(username="an-owner"),
        factories.LeadFactory(username="a-lead"),
        factories.ReviewerFactory(username="a-reviewer"),
        factories.AuditorFactory(username="an-auditor"),
        factories.AdministratorFactory(username="an-administrator"),
        factories.UserFactory(username="no-role"),
        factories.UserFactory(username="superuser", is_superuser=True, is_staff=True),
        factories.OwnerFactory(username="left-the-force", is_active=False),
        factories.LeadFactory(username="inactive-lead", is_active=False),
        direct,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "rule"),
    [
        (permissions.possible_owners, permissions.can_own_actions),
        (permissions.leads, lambda user: user.is_active and permissions.is_lead(user)),
        (permissions.reviewers, lambda user: user.is_active and permissions.is_reviewer(user)),
    ],
)
def test_each_query_form_picks_exactly_the_people_its_rule_allows(people, query, rule):
    assert {user.username for user in query()} == {user.username for user in people if rule(user)}


@pytest.mark.django_db
def test_the_owner_menu_offers_exactly_the_people_an_action_may_be_given_to(client, people):
    lead = next(user for user in people if user.username == "a-lead")
    client.force_login(lead)
    finding = factories.FindingFactory()

    form = client.get(reverse("tracker:action-create", args=[finding.pk])).context["form"]

    offered = {user.username for user in form.fields["owner"].queryset}
    assert offered == {user.username for user in people if permissions.can_own_actions(user)}


# A refusal reads the same wherever it is met ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "call", "status"),
    [
        ("action-evidence", lambda a, by: services.add_evidence(a, by=by, title="t", url="https://x.example"), "s"),
        ("action-submit", lambda a, by: services.submit_for_sign_off(a, by=by), "b"),
        (
            "extension-request",
            lambda a, by: services.request_extension(a, by=by, proposed_date=a.due_date, reason="r"),
            "s",
        ),
        ("action-withdraw", lambda a, by: services.withdraw_action(a, by=by, reason="r"), "o"),
    ],
)
def test_the_page_and_the_service_refuse_with_the_rules_own_reason(client, owner, url_name, call, status):
    traits = {"s": {"submitted": True}, "b": {"blocked": True}, "o": {"in_progress": True}}[status]
    action = factories.ActionFactory(owner=owner, **traits)
    client.force_login(owner)

    with pytest.raises(permissions.ActionRefused) as refused:
        call(action, owner)
    page = client.get(reverse(f"tracker:{url_name}", args=[action.pk]))

    assert page.status_code == 403
    assert str(refused.value).replace("'", "&#x27;") in page.content.decode()


@pytest.mark.django_db
def test_a_refusal_a_view_does_not_catch_is_a_403_page_with_the_reason(client, owner):
    action = factories.ActionFactory(owner=owner, signed_off=True)
    client.force_login(owner)

    response = client.post(reverse("tracker:action-progress", args=[action.pk]), {"note": "More"})

    assert response.status_code == 403
    assert "This action is signed off: it cannot be changed any more." in response.content.decode()


# No hidden writes: the services keep what the action sums up ---------------------------------


def worked_out(action: Action) -> tuple:
    from django.db.models import OuterRef

    row = Action.objects.annotate(progress=last_progress(OuterRef("pk")), approved=drift(OuterRef("pk"))).get(
        pk=action.pk
    )
    return row.last_progress_at, row.drift, row.progress, row.approved


@pytest.mark.django_db
def test_a_record_written_outside_the_services_changes_nothing_on_its_action(owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    before = Action.objects.values("last_progress_at", "drift", "version").get(pk=action.pk)

    ProgressUpdate.objects.create(action=action, author=owner, note="Straight into the table")
    ExtensionRequest.objects.create(
        action=action,
        proposed_date=action.due_date + datetime.timedelta(days=9),
        reason="r",
        requested_by=owner,
        previous_due_date=action.due_date,
        status=ExtensionRequest.Status.APPROVED,
        decided_by=owner,
        decided_at=action.created_at,
    )

    assert Action.objects.values("last_progress_at", "drift", "version").get(pk=action.pk) == before


@pytest.mark.django_db
def test_a_plain_note_keeps_last_progress_without_a_history_row_or_a_new_version(owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    rows, version = action.history.count(), action.version

    update = services.record_progress(action, by=owner, note="Cohort two trained")

    action.refresh_from_db()
    assert action.last_progress_at == update.created_at
    assert (action.history.count(), action.version) == (rows, version)
    last_progress_at, kept_drift, progress, approved = worked_out(action)
    assert (last_progress_at, kept_drift) == (progress, approved)


@pytest.mark.django_db
def test_the_services_keep_drift_submission_and_version_in_the_move_itself(owner, lead, reviewer):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    request = services.request_extension(
        action, by=owner, proposed_date=action.due_date + datetime.timedelta(days=30), reason="Trainers away"
    )
    services.decide_extension(request, by=lead, approve=True)
    services.add_evidence(action, by=owner, title="Audit", url="https://intranet.example/audit")
    services.submit_for_sign_off(action, by=owner, note="Done")

    action.refresh_from_db()
    submitted = action.history.filter(status=S.SUBMITTED).get()
    assert action.drift == 1
    assert (action.submitted_by, action.submitted_at) == (owner, submitted.history_date)
    assert action.version == 3  # created, extended, submitted
    last_progress_at, kept_drift, progress, approved = worked_out(action)
    assert (last_progress_at, kept_drift) == (progress, approved)


@pytest.mark.django_db
def test_an_edit_conflict_is_worded_without_asking_the_database(owner):
    action = factories.ActionFactory(owner=owner)
    latest = action.history.select_related("history_user").get()

    with CaptureQueriesContext(connection) as queries:
        conflict = services.EditConflict(action, ["title “A” → “B”"], latest)

    assert len(queries) == 0
    assert "title “A” → “B”" in str(conflict)


@pytest.mark.django_db
def test_being_a_superuser_is_not_a_role(people):
    # A superuser sets things up: it is in none of the query forms and passes none of the role rules
    # (has_perm says yes to a superuser for everything; the rules ask for roles instead).
    superuser = next(user for user in people if user.username == "superuser")
    picked = {
        query.__name__: superuser in query()
        for query in (permissions.possible_owners, permissions.leads, permissions.reviewers)
    }

    assert picked == {"possible_owners": False, "leads": False, "reviewers": False}
    assert not any(
        rule(superuser) for rule in (permissions.is_lead, permissions.is_reviewer, permissions.can_own_actions)
    )
    assert permissions.can_view_plan(superuser) and permissions.can_use_admin(superuser)
