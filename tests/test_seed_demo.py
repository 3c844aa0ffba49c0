"""What seed_demo builds: the demo accounts, the demo plan and its story, told at moments that agree.

The demo is seeded once for the module (it is the slowest fixture in the suite);
each test runs in a transaction of its own inside it, so a test that seeds again
or changes a password leaves the next test the demo as first built.
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Min
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.shared_data import written_once
from tests.test_seed import DEMO_PASSWORD, ROLE_ACCOUNTS, counts, seed_demo
from tracker import clock, permissions, seeding
from tracker.models import Action, Evidence, ExtensionRequest, Finding, Inspection, SignOff, User

S = Action.Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        pytest.MonkeyPatch.context() as environment,
        # seed_demo hashes a password for every account; the real hasher is slow on purpose.
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        written_once(django_db_blocker),
    ):
        environment.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
        seed_demo()
        yield


@pytest.fixture
def seeded(demo, db):
    return Inspection.objects.get(slug=seeding.HERTFORDSHIRE_SLUG)


def shown(moment: datetime.datetime, date_format: str = "") -> str:
    """moment as a template shows it: with the date filter's format, or as {{ moment }} does."""
    template = f'{{{{ moment|date:"{date_format}" }}}}' if date_format else "{{ moment }}"
    return Template(template).render(Context({"moment": moment}))


# seed_demo: accounts ------------------------------------------------------------------


def test_seed_demo_creates_an_account_for_every_role(seeded):
    for username, role in ROLE_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert permissions.can_use_admin(user) == (role in {permissions.AUDITOR, permissions.ADMINISTRATOR})
        assert not user.is_superuser


def test_seed_demo_creates_more_owners_with_job_titles(seeded):
    owners = User.objects.filter(groups=Group.objects.get(name=permissions.OWNER))

    assert owners.count() == 4
    assert all(owner.get_full_name() and owner.job_title for owner in owners)


def test_seed_demo_names_none_of_the_real_people_in_the_source(seeded):
    names = {user.get_full_name() for user in User.objects.all()}
    assert not names & {"David Lloyd", "Charlie Hall"}


# seed_demo: the plan ------------------------------------------------------------------


def test_seed_demo_builds_a_plan_of_about_fifteen_actions_for_several_owners(seeded):
    actions = Action.objects.filter(finding__inspection=seeded)

    assert 12 <= actions.count() <= 18
    assert actions.values("owner").distinct().count() >= 4


def test_seed_demo_has_an_action_in_every_status(seeded):
    statuses = set(Action.objects.values_list("status", flat=True))
    assert statuses == set(Action.Status.values)


def test_seed_demo_has_overdue_actions(seeded):
    assert Action.objects.overdue(timezone.localdate()).exists()


def test_seed_demo_has_approved_extensions_that_moved_the_due_date(seeded):
    approved = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.APPROVED).select_related("action")

    assert approved.exists()
    for request in approved:
        assert request.action.due_date != request.action.original_due_date
        assert request.decided_by.username == "lead"


def test_seed_demo_signed_off_actions_have_a_sign_off_by_someone_else(seeded):
    signed_off = Action.objects.filter(status=Action.Status.SIGNED_OFF)

    assert signed_off.exists()
    for action in signed_off:
        sign_off = action.sign_offs.get(decision=SignOff.Decision.APPROVE)
        assert sign_off.decided_by.username == "reviewer"
        assert sign_off.decided_by not in (action.owner, action.submitted_by)


def test_seed_demo_returns_one_action_and_withdraws_one_with_reasons(seeded):
    returned = SignOff.objects.get(decision=SignOff.Decision.RETURN)
    assert returned.comment
    assert returned.action.status == Action.Status.IN_PROGRESS

    withdrawn = Action.objects.get(status=Action.Status.WITHDRAWN)
    withdrawal = withdrawn.progress_updates.get(status_to=Action.Status.WITHDRAWN)
    assert withdrawal.author.username == "lead"
    assert withdrawal.note


def test_seed_demo_discharges_a_finding_whose_actions_are_all_closed(seeded):
    discharged = Finding.objects.with_progress().get(is_discharged=True)

    assert discharged.derived_status == Finding.Status.DISCHARGED
    assert discharged.action_count == discharged.signed_off_count + discharged.withdrawn_count


def test_seed_demo_evidence_is_links(seeded):
    assert Evidence.objects.exists()
    assert not Evidence.objects.exclude(file="").exists()


def test_seed_demo_history_records_who_made_each_change(seeded):
    history = Action.history.all()

    assert not history.filter(history_user__isnull=True).exists()
    assert set(history.filter(history_type="+").values_list("history_user__username", flat=True)) == {"lead"}
    # Status moves by owners are theirs, not the lead's.
    started = history.filter(status=Action.Status.IN_PROGRESS).exclude(history_user__username__in=["lead", "reviewer"])
    assert started.exists()


def test_running_seed_demo_twice_changes_no_counts(seeded):
    before = counts()

    output = seed_demo()

    assert counts() == before
    assert "already has actions" in output


# seed_demo: passwords -----------------------------------------------------------------


def test_seed_demo_uses_demo_password(seeded):
    for username in [*ROLE_ACCOUNTS, "nadia.brook"]:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)


def test_rerun_without_demo_password_leaves_passwords_alone(seeded, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD")

    output = seed_demo()

    assert User.objects.get(username="owner").check_password(DEMO_PASSWORD)
    assert "kept their passwords" in output
    assert DEMO_PASSWORD not in output


def test_rerun_with_demo_password_resets_existing_passwords(seeded, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-long-demo-passphrase")

    seed_demo()

    assert User.objects.get(username="owner").check_password("another-long-demo-passphrase")


# The story's timestamps ---------------------------------------------------------------


def submissions(action: Action) -> list:
    """The history rows that moved the action to submitted, oldest first."""
    rows = list(action.history.order_by("history_date", "history_id"))
    return [
        row
        for before, row in zip([None, *rows[:-1]], rows, strict=True)
        if row.status == S.SUBMITTED and (before is None or before.status != S.SUBMITTED)
    ]


def test_the_story_unfolds_over_the_past_months(seeded):
    now = timezone.now()
    first = Action.objects.aggregate(first=Min("created_at"))["first"]

    assert now - first > datetime.timedelta(days=120)
    assert not Action.history.filter(history_date__gt=now).exists()
    assert not SignOff.objects.filter(decided_at__gt=now).exists()
    # Not every move at once: each action's story has moves on several days.
    days = {timezone.localdate(row.history_date) for row in Action.history.all()}
    assert len(days) > 10


def test_a_submission_has_one_moment_in_the_queue_the_history_and_the_note(seeded):
    submitted = Action.objects.filter(status=S.SUBMITTED)
    assert submitted.exists()

    for action in submitted:
        moved = submissions(action)[-1]
        note = action.progress_updates.filter(status_to=S.SUBMITTED).latest("created_at")
        assert action.submitted_at == moved.history_date == note.created_at


def test_every_record_of_a_move_has_the_moment_of_its_history(seeded):
    for action in Action.objects.all():
        created = action.history.get(history_type="+")
        assert created.history_date == action.created_at
        moments = set(action.history.values_list("history_date", flat=True))
        for note in action.progress_updates.exclude(status_to=""):
            assert note.created_at in moments, note.note
        for sign_off in action.sign_offs.all():
            assert sign_off.decided_at in moments, sign_off.comment
    for evidence in Evidence.objects.all():
        assert evidence.history.get(history_type="+").history_date == evidence.added_at
    for request in ExtensionRequest.objects.all():
        assert request.history.get(history_type="+").history_date == request.requested_at
        if request.status == ExtensionRequest.Status.APPROVED:
            assert request.decided_at in set(request.action.history.values_list("history_date", flat=True))


def test_the_queue_the_action_page_and_the_admin_history_show_the_same_submission_time(seeded, client):
    action = Action.objects.filter(status=S.SUBMITTED).first()
    moment = submissions(action)[-1].history_date

    client.force_login(User.objects.get(username="reviewer"))
    assert clock.moment_in_words(moment) in client.get(reverse("tracker:review-queue")).content.decode()
    page = client.get(reverse("tracker:action-detail", args=[action.pk])).content.decode()
    assert clock.moment_in_words(moment) in page

    client.force_login(User.objects.get(username="auditor"))
    history = client.get(reverse("admin:tracker_action_history", args=[action.pk]))
    assert history.status_code == 200
    assert shown(moment) in history.content.decode()


def test_application_code_mocks_nothing():
    """The demo's story is told with the clock held (tracker.clock), not by patching time."""
    app = Path(settings.BASE_DIR) / "tracker"
    sources = [path for path in app.rglob("*.py") if "migrations" not in path.parts]
    patched = [path.name for path in sources if "mock" in path.read_text(encoding="utf-8")]

    assert sources and patched == []
