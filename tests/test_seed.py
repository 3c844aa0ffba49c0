"""The shipped data (themes, the Hertfordshire PEEL 2016 inspection), and seed_demo on an empty database.

What seed_demo builds (accounts, the demo plan, its timestamps) is tested in test_seed_demo.py.
"""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q

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


# seed_demo on an empty database ---------------------------------------------------------


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


@pytest.mark.django_db
def test_a_weak_demo_password_is_refused_before_anything_is_written(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")

    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        seed_demo()

    assert not User.objects.exists()
    assert not Inspection.objects.exists()
