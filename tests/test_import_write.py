"""services.add_findings, the write behind every import: all or nothing in the service itself, short, with history.

The rows are those findings_csv.read_findings gives (as a web page would call
them too), or written by hand as the seed does.
"""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import FindingFactory, InspectionFactory, ThemeFactory
from tracker import bulk, clock, findings_csv, services
from tracker.models import Finding, Inspection, Theme

pytestmark = pytest.mark.django_db

HEADER = "reference,kind,text,parent_reference,theme\r\n"
MOMENT = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 30))


def rows_of(content: str, inspection: Inspection | None, **options) -> list[dict]:
    return findings_csv.read_findings(content.encode(), inspection, **options)


def written() -> tuple[int, ...]:
    return (
        Inspection.objects.count(),
        Finding.objects.count(),
        Theme.objects.count(),
        Inspection.history.count(),
        Finding.history.count(),
        Theme.history.count(),
    )


@pytest.fixture
def inspection():
    return InspectionFactory(slug="peel-2016")


def plan_rows(count: int) -> list[dict]:
    """A cause of concern, then recommendations under it, as the seed passes rows (no line numbers)."""
    rows = [{"reference": "CoC1", "kind": Finding.Kind.CAUSE_OF_CONCERN, "text": "Risk.", "parent_reference": ""}]
    for n in range(1, count):
        rows.append(
            {"reference": f"R{n}", "kind": Finding.Kind.RECOMMENDATION, "text": "Do.", "parent_reference": "CoC1"}
        )
    return rows


# All or nothing ----------------------------------------------------------------------


def test_a_bad_last_row_writes_nothing(inspection, lead):
    rows = plan_rows(5)
    rows[-1] = {**rows[-1], "kind": "nonsense"}
    before = written()

    with pytest.raises(services.ActionRefused, match="finding R4: kind"):
        services.add_findings(inspection, rows, by=lead, reason="Imported")

    assert written() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "finding"}, "finding R2: kind: Value 'finding' is not a valid choice."),
        ({"text": ""}, "finding R2: text: This field cannot be blank."),
        ({"reference": "R" * 51}, "finding RRRR" + "R" * 47 + ": reference: Ensure this value has at most 50"),
        ({"is_summary": "maybe"}, "finding R2: is_summary:"),
        ({"parent_reference": "R1"}, "finding R2: R1 cannot be its parent (only a recommendation can have a parent"),
        ({"parent_reference": "R9"}, "finding R2: no earlier finding has reference R9"),
    ],
)
def test_the_service_checks_every_field_itself(inspection, lead, change, message):
    rows = plan_rows(3)
    rows[2] = {**rows[2], **change}
    before = written()

    with pytest.raises(services.RowsRefused) as refusal:
        services.add_findings(inspection, rows, by=lead, reason="Imported")

    assert refusal.value.problems[0].startswith(message)
    assert written() == before


def test_a_bad_last_row_writes_no_new_inspection_and_no_new_theme(lead):
    rows = rows_of(HEADER + "A1,area_for_improvement,Text,,Roads policing\r\n", None, add_themes=True)
    rows.append({"reference": "A1", "kind": Finding.Kind.AREA_FOR_IMPROVEMENT, "text": "Again", "parent_reference": ""})
    new = Inspection(slug="new", title="New", force="Kent Police", published=datetime.date(2017, 3, 2))
    before = written()

    with pytest.raises(services.ActionRefused, match="used twice"):
        services.add_findings(new, rows, by=lead, reason="Imported")

    assert written() == before


def test_a_failure_in_the_middle_of_the_write_undoes_all_of_it(inspection, lead, monkeypatch):
    """The findings are in when the history fails: only the service's own transaction can take them out."""
    rows = rows_of(HEADER + "A1,area_for_improvement,Text,,Roads policing\r\n", inspection, add_themes=True)
    before = written()
    seen = []

    def failing_history(findings, **stamp):
        seen.append(Finding.objects.filter(pk__in=[f.pk for f in findings]).count())
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(bulk, "insert_history", failing_history)
    with pytest.raises(RuntimeError):
        services.add_findings(inspection, rows, by=lead, reason="Imported")

    assert seen == [1]
    assert written() == before


def test_a_reference_added_since_the_check_is_refused_cleanly(inspection, lead):
    rows = rows_of(HEADER + "AFI1,area_for_improvement,Text,,\r\nafi2,area_for_improvement,Text,,\r\n", inspection)
    FindingFactory(inspection=inspection, reference="AFI2")  # someone else, meanwhile
    before = written()

    with pytest.raises(services.ActionRefused) as refusal:
        services.add_findings(inspection, rows, by=lead, reason="Imported")

    assert str(refusal.value) == "Nothing was added: line 3: the inspection already has a finding with reference AFI2."
    assert written() == before


def test_the_command_reports_a_reference_added_since_the_check_by_its_line(tmp_path, inspection, monkeypatch):
    path = tmp_path / "findings.csv"
    path.write_bytes((HEADER + "AFI1,area_for_improvement,Text,,\r\nafi2,area_for_improvement,Text,,\r\n").encode())
    real_read = findings_csv.read_findings

    def read_then_someone_adds_afi2(*args, **kwargs):
        rows = real_read(*args, **kwargs)
        FindingFactory(inspection=inspection, reference="AFI2")
        return rows

    monkeypatch.setattr(findings_csv, "read_findings", read_then_someone_adds_afi2)
    with pytest.raises(CommandError) as refusal:
        call_command("import_findings", str(path), inspection=inspection.slug, stdout=io.StringIO())

    assert str(refusal.value).splitlines() == [
        f"Nothing was imported from {path}. Correct these and try again:",
        "line 3: the inspection already has a finding with reference AFI2",
    ]
    assert list(inspection.findings.values_list("reference", flat=True)) == ["AFI2"]


def test_a_theme_added_since_the_check_is_used_not_added_twice(inspection, lead):
    rows = rows_of(HEADER + "A1,area_for_improvement,Text,,Roads policing\r\n", inspection, add_themes=True)
    theirs = ThemeFactory(name="ROADS POLICING")  # someone else, meanwhile

    (finding,) = services.add_findings(inspection, rows, by=lead, reason="Imported")

    assert Finding.objects.get(pk=finding.pk).theme == theirs


def test_only_a_lead_may_add_findings(inspection, owner):
    before = written()

    with pytest.raises(services.ActionRefused, match="Only an improvement lead can add findings"):
        services.add_findings(inspection, plan_rows(2), by=owner, reason="Imported")

    assert written() == before


# What is written ---------------------------------------------------------------------


def test_findings_are_written_in_the_rows_order_each_parent_before_its_children(inspection, lead):
    existing = FindingFactory(inspection=inspection, reference="CoC0", cause_of_concern=True)
    rows = [*plan_rows(4), {"reference": "R9", "kind": "recommendation", "text": "Do.", "parent_reference": "coc0"}]

    findings = services.add_findings(inspection, rows, by=lead, reason="Imported")

    stored = list(inspection.findings.exclude(pk=existing.pk).order_by("pk"))
    assert [f.reference for f in stored] == ["CoC1", "R1", "R2", "R3", "R9"]
    assert [f.pk for f in findings] == [f.pk for f in stored]
    assert {f.parent.reference for f in stored[1:]} == {"CoC1", "CoC0"}
    assert all(f.parent_id < f.pk for f in stored[1:])


def test_history_names_the_importer_the_moment_and_the_reason(inspection, lead):
    with clock.held_at(MOMENT):
        findings = services.add_findings(inspection, plan_rows(3), by=lead, reason="Imported from peel.csv")

    history = list(Finding.history.order_by("history_id"))
    assert [h.id for h in history] == [f.pk for f in findings]
    assert {(h.history_user, h.history_type, h.history_change_reason) for h in history} == {
        (lead, "+", "Imported from peel.csv")
    }
    assert {h.history_date for h in history} == {MOMENT}
    assert {f.created_at for f in Finding.objects.filter(inspection=inspection)} == {MOMENT}
    assert [h.parent_id for h in history] == [None, findings[0].pk, findings[0].pk]


def test_a_command_s_import_records_no_person_and_says_where_from(inspection):
    services.add_findings(
        inspection, plan_rows(2), by=services.Operator("import_findings"), reason="Imported from x.csv"
    )

    assert {(h.history_user, h.history_change_reason) for h in Finding.history.all()} == {(None, "Imported from x.csv")}


def test_keys_go_on_after_the_import(inspection, lead):
    services.add_findings(inspection, plan_rows(2), by=lead, reason="Imported")

    later = services.create_finding(
        by=lead, inspection=inspection, reference="AFI1", kind="area_for_improvement", text="T"
    )

    assert later.pk > max(inspection.findings.exclude(pk=later.pk).values_list("pk", flat=True))


# What the write costs ----------------------------------------------------------------


def write_statements(lead, count: int) -> list[str]:
    """The statements one import of count rows runs, each as its first word."""
    inspection = InspectionFactory()
    with CaptureQueriesContext(connection) as queries:
        services.add_findings(inspection, plan_rows(count), by=lead, reason="Imported")
    # executemany is logged once, as "300 times: INSERT ...".
    return [re.sub(r"^\d+ times: ", "", query["sql"]).split()[0] for query in queries.captured_queries]


def test_the_write_runs_the_same_few_statements_however_many_rows(lead):
    write_statements(lead, 1)  # the lead's permissions, read once and kept

    small, large = write_statements(lead, 3), write_statements(lead, 300)

    # The savepoint (the caller's test transaction holds the real one), the inspection locked, its
    # references, new keys for the findings (SQLite: the highest ever given and the highest there),
    # the findings, their history, and the savepoint released. On PostgreSQL the keys come from the
    # sequence in one query, and the rows go in by COPY, which the count does not see.
    if connection.vendor == "postgresql":
        assert small == ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "RELEASE"]
    else:
        assert small == ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "INSERT", "INSERT", "RELEASE"]
    assert large == small


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_file_is_checked_outside_any_transaction(tmp_path, monkeypatch):
    """So the write lock (SQLite's, for the whole database) is held only while writing."""
    InspectionFactory(slug="peel-2016")
    path = tmp_path / "findings.csv"
    path.write_bytes((HEADER + "A1,area_for_improvement,Text,,\r\n").encode())
    real_read = findings_csv.read_findings
    seen = []

    def read_and_look(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(findings_csv, "read_findings", read_and_look)
    call_command("import_findings", str(path), inspection="peel-2016", stdout=io.StringIO())

    assert seen == [False]
    assert Finding.objects.count() == 1
    assert not transaction.get_connection().in_atomic_block
