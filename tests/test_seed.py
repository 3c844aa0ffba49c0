"""The shipped data (themes, the Hertfordshire PEEL 2016 inspection) and the seed_demo command."""

import io
import json
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from tracker import permissions, seeding
from tracker.models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    ProgressUpdate,
    RegisterEntry,
    SignOff,
    Theme,
    User,
)

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."

# The inspectorate's words, copied character for character from the report
# (HMIC, PEEL: Police effectiveness 2016 - Hertfordshire Constabulary).
CAUSE_OF_CONCERN = (
    "It is a cause of concern to HMIC that some call handlers are not correctly identifying or categorising the "
    "level of risk associated with incidents involving vulnerable people. As a result, the force is not responding "
    "to these incidents within the appropriate timescales and putting victims at risk."
)
RECOMMENDATION = (
    "To address this cause of concern HMIC recommends that the force should take immediate steps to ensure that:\n"
    "• it improves its initial assessment and response to incidents involving all vulnerable people, but "
    "particularly victims of domestic abuse, by ensuring that call handlers understand and consistently apply the "
    "THRIIVES (threat, harm, risk, investigation, intelligence, vulnerability, engagement, specific need) "
    "decision-making model, and are supervised effectively;\n"
    "• it responds to all incidents on the basis of an initial assessment of risk rather than on the availability "
    "of response officers, to ensure victims are kept safe; and\n"
    "• it improves its initial response to reports of domestic incidents, specifically to cases where police have "
    "been unable to attend or attendance has been delayed, so that it reassesses risk and takes appropriate "
    "safeguarding action in a timely manner"
)

DEMO_PASSWORD = "a-long-demo-passphrase-2026"
ROLE_ACCOUNTS = {
    "owner": permissions.OWNER,
    "lead": permissions.LEAD,
    "reviewer": permissions.REVIEWER,
    "auditor": permissions.AUDITOR,
    "admin": permissions.ADMINISTRATOR,
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # seed_demo hashes a password for every account; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hertfordshire(db):
    return seeding.load_inspection(seeding.HERTFORDSHIRE_SEED)


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    seed_demo()
    return Inspection.objects.get(slug=seeding.HERTFORDSHIRE_SLUG)


def counts() -> dict[str, int]:
    """Every row the seed writes, history included, so that a rerun that adds anything shows up."""
    models = [
        User,
        Theme,
        Inspection,
        Judgement,
        Finding,
        RegisterEntry,
        Action,
        ProgressUpdate,
        Evidence,
        ExtensionRequest,
        SignOff,
    ]
    tallies = {model.__name__: model.objects.count() for model in models}
    for model in [Inspection, Judgement, Finding, RegisterEntry, Action, Evidence, ExtensionRequest]:
        tallies[f"history of {model.__name__}"] = model.history.count()
    tallies["group memberships"] = User.groups.through.objects.count()
    return tallies


# Themes -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_themes_fixture_loads():
    call_command("loaddata", "themes", verbosity=0)

    names = set(Theme.objects.values_list("name", flat=True))
    assert 8 <= len(names) <= 10
    assert {
        "Call handling and risk assessment",
        "Investigation",
        "Protecting vulnerable people",
        "Offender management",
        "Crime prevention and anti-social behaviour",
        "Victims' Code compliance",
        "Leadership and supervision",
        "Evidence-based practice",
    } <= names


@pytest.mark.django_db
def test_loading_the_inspection_loads_themes_when_there_are_none():
    assert not Theme.objects.exists()

    seeding.load_inspection(seeding.HERTFORDSHIRE_SEED)

    assert Theme.objects.filter(name="Call handling and risk assessment").exists()


# The shipped inspection ---------------------------------------------------------------


def test_shipped_inspection_has_its_facts_and_grades(hertfordshire):
    assert hertfordshire.slug == "hertfordshire-peel-2016-effectiveness"
    assert hertfordshire.title == "PEEL: Police effectiveness 2016 \N{EN DASH} Hertfordshire Constabulary"
    assert hertfordshire.kind == Inspection.Kind.PEEL
    assert hertfordshire.force == "Hertfordshire Constabulary"
    assert hertfordshire.published.isoformat() == "2017-03-02"
    assert hertfordshire.link == (
        "http://www.justiceinspectorates.gov.uk/hmic/peel-assessments/peel-2016/hertfordshire/effectiveness/"
    )
    assert hertfordshire.overall_grade == "requires_improvement"
    assert list(hertfordshire.judgements.values_list("position", "grade")) == [
        (1, "good"),
        (2, "requires_improvement"),
        (3, "inadequate"),
        (4, "good"),
        (5, "not_graded"),
    ]
    # Published before 2 May 2017: no statutory response deadline.
    assert hertfordshire.response_deadline is None


def test_shipped_inspection_carries_the_licence(hertfordshire):
    assert hertfordshire.attribution == OGL
    data = json.loads(seeding.HERTFORDSHIRE_SEED.read_text(encoding="utf-8"))
    assert data["licence"] == OGL


def test_cause_of_concern_and_recommendation_are_verbatim(hertfordshire):
    cause = hertfordshire.findings.get(reference="CoC1")
    recommendation = hertfordshire.findings.get(reference="Rec1")

    assert cause.kind == Finding.Kind.CAUSE_OF_CONCERN
    assert cause.title == "Risk assessment at first contact"
    assert cause.text == CAUSE_OF_CONCERN
    assert not cause.is_summary
    assert cause.register_id == "8771"

    assert recommendation.kind == Finding.Kind.RECOMMENDATION
    assert recommendation.text == RECOMMENDATION
    assert not recommendation.is_summary
    assert recommendation.parent == cause
    assert recommendation.register_id == "8771"


def test_areas_for_improvement_are_marked_as_summaries(hertfordshire):
    afis = hertfordshire.findings.filter(kind=Finding.Kind.AREA_FOR_IMPROVEMENT)

    assert list(afis.values_list("reference", flat=True)) == ["AFI1", "AFI2", "AFI3", "AFI4", "AFI5", "AFI6"]
    assert all(afi.is_summary for afi in afis)
    assert {"Supervisors' review of investigations", "Stalking and harassment investigations"} <= {
        afi.title for afi in afis
    }
    assert afis.get(title="Focus on violent offenders").theme.name == "Offender management"


def test_every_finding_has_a_theme_and_a_reference(hertfordshire):
    assert hertfordshire.findings.count() == 8
    assert not hertfordshire.findings.filter(Q(theme__isnull=True) | Q(reference="")).exists()


@pytest.mark.parametrize(
    "search",
    ["risk assessment at first contact", "stalking and harassment", "supervisors' review", "violent offenders"],
)
def test_the_plans_findings_can_be_found_by_searching(hertfordshire, search):
    found = hertfordshire.findings.filter(Q(title__icontains=search) | Q(text__icontains=search))
    assert found.exists()


def test_register_history_of_entry_8771(hertfordshire):
    entries = RegisterEntry.objects.filter(finding__register_id="8771").order_by("date")

    assert [(entry.date.isoformat(), entry.status) for entry in entries] == [
        ("2017-03-02", "awaiting-review"),
        ("2018-03-13", "being-progressed"),
    ]
    update = entries[1].comment
    assert "action plan" in update
    assert "April 2017" in update
    assert "THRIVE" in update


@pytest.mark.django_db
def test_loading_twice_creates_nothing_new():
    first = seeding.load_inspection(seeding.HERTFORDSHIRE_SEED)
    before = counts()

    second = seeding.load_inspection(seeding.HERTFORDSHIRE_SEED)

    assert second.pk == first.pk
    assert counts() == before


@pytest.mark.django_db
def test_loading_leaves_an_existing_inspection_unchanged():
    existing = Inspection.objects.create(
        slug=seeding.HERTFORDSHIRE_SLUG,
        title="Edited by a lead",
        force="Hertfordshire Constabulary",
        published="2017-03-02",
    )

    loaded = seeding.load_inspection(seeding.HERTFORDSHIRE_SEED)

    assert loaded.pk == existing.pk
    assert loaded.title == "Edited by a lead"
    assert not loaded.findings.exists()


@pytest.mark.django_db
def test_a_seed_with_an_unknown_theme_loads_nothing(tmp_path):
    data = json.loads(seeding.HERTFORDSHIRE_SEED.read_text(encoding="utf-8"))
    data["findings"][-1]["theme"] = "No such theme"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match="No such theme"):
        seeding.load_inspection(path)

    assert not Inspection.objects.exists()
    assert not Finding.objects.exists()


# seed_demo: accounts ------------------------------------------------------------------


def test_seed_demo_creates_an_account_for_every_role(seeded):
    for username, role in ROLE_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff == (role in {permissions.AUDITOR, permissions.ADMINISTRATOR})
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


@pytest.mark.django_db
def test_seed_demo_generates_and_prints_a_password_without_demo_password(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    output = seed_demo()

    match = re.search(r"^\s+lead\s+Improvement lead\s+(\S+)$", output, re.MULTILINE)
    assert match, output
    password = match.group(1)
    assert len(password) >= 12
    assert User.objects.get(username="lead").check_password(password)
    assert User.objects.get(username="reviewer").check_password(password)


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


@pytest.mark.django_db
def test_a_weak_demo_password_is_refused_before_anything_is_written(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")

    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        seed_demo()

    assert not User.objects.exists()
    assert not Inspection.objects.exists()
