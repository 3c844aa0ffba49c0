"""Checking a findings file before anything is written: references in any case, cell lengths, themes, the force.

What read_findings finds, every problem by line, through the documented command
(`import_findings FILE --inspection SLUG --title T --published D [--add-themes]`),
and what the check costs in queries.
"""

import csv
import importlib
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from tests.factories import FindingFactory, InspectionFactory
from tracker import findings_csv
from tracker.models import Finding, Inspection, Theme

pytestmark = pytest.mark.django_db

HEADER = "reference,kind,text,parent_reference,theme\r\n"
DOCUMENTED = {"inspection": "peel-2016", "title": "PEEL 2016: Police effectiveness", "published": "2017-03-02"}


def csv_file(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "findings.csv"
    path.write_bytes(content.encode("utf-8"))
    return path


def import_findings(path: Path, **options) -> str:
    out = io.StringIO()
    call_command("import_findings", str(path), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def refused(path: Path, **options) -> list[str]:
    """Import, expect a refusal that wrote nothing, and return its lines after the first."""
    counts = (Inspection.objects.count(), Finding.objects.count(), Theme.objects.count(), Finding.history.count())
    with pytest.raises(CommandError) as refusal:
        import_findings(path, **options)
    assert (Inspection.objects.count(), Finding.objects.count(), Theme.objects.count(), Finding.history.count()) == (
        counts
    )
    assert str(refusal.value).startswith("Nothing was imported")
    return str(refusal.value).splitlines()[1:]


@pytest.fixture
def inspection():
    return InspectionFactory(slug="peel-2016")


# References are the same in any case -------------------------------------------------


def test_a_reference_twice_in_the_file_in_another_case_is_refused_naming_both_lines(tmp_path, inspection):
    content = HEADER + "C1,cause_of_concern,Text,,\r\nR1,recommendation,Text,C1,\r\nc1,area_for_improvement,Text,,\r\n"

    problems = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    assert problems == [
        "line 4: the reference 'c1' is already used on line 2, as 'C1' (a reference is the same in any case)"
    ]


def test_a_reference_the_inspection_has_in_another_case_is_refused_with_its_line(tmp_path, inspection):
    FindingFactory(inspection=inspection, reference="C1", cause_of_concern=True)
    content = HEADER + "AFI1,area_for_improvement,Text,,\r\nc1,area_for_improvement,Text,,\r\n"

    problems = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    assert problems == [
        "line 3: the inspection already has a finding with reference 'C1' (a reference is the same in any case)"
    ]


def test_a_parent_is_found_in_any_case(tmp_path, inspection):
    existing = FindingFactory(inspection=inspection, reference="CoC1", cause_of_concern=True)
    content = (
        HEADER + "coc2,cause_of_concern,Text,,\r\nR1,recommendation,Text,COC1,\r\nR2,recommendation,Text,CoC2,\r\n"
    )

    import_findings(csv_file(tmp_path, content), inspection=inspection.slug)

    assert inspection.findings.get(reference="R1").parent == existing
    assert inspection.findings.get(reference="R2").parent == inspection.findings.get(reference="coc2")


# Cells too long ----------------------------------------------------------------------


def test_a_reference_too_long_says_how_long_it_is_and_may_be(tmp_path, inspection):
    limit = Finding._meta.get_field("reference").max_length
    content = HEADER + "AFI1,area_for_improvement,Text,,\r\n" + "R" * 64 + ",recommendation,Text,,\r\n"

    problems = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    assert problems == [f"line 3: the reference is 64 characters long; the most it can be is {limit}"]


def test_a_cell_past_the_csv_limit_says_so_and_not_that_there_are_no_findings(tmp_path, inspection):
    huge = "x" * (csv.field_size_limit() + 1)
    content = HEADER + f"R1,recommendation,{huge},,\r\n"

    problems = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    assert problems == [
        f"line 2: a cell on this row is more than {csv.field_size_limit():,} characters long, the most a cell "
        "can be; if it should not be, check the row's quotes"
    ]


def test_a_file_with_only_a_header_still_says_there_are_no_findings(tmp_path, inspection):
    assert refused(csv_file(tmp_path, HEADER), inspection=inspection.slug) == [
        "line 1: there are no findings below the header row"
    ]


# Themes ------------------------------------------------------------------------------


def test_an_unknown_theme_is_listed_with_its_lines_and_refused_naming_add_themes(tmp_path, inspection):
    content = (
        HEADER
        + "A1,area_for_improvement,Text,,Roads policing\r\n"
        + "A2,area_for_improvement,Text,,Investigation\r\n"
        + "A3,area_for_improvement,Text,,roads POLICING\r\n"
    )

    problems = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    assert problems[0].startswith("line 2: unknown theme 'Roads policing' (here and on line 4); the themes are: ")
    assert "Investigation" in problems[0]
    assert problems[1:] == ["If the new themes are right ('Roads policing'), run the command again with --add-themes."]


def test_an_unknown_theme_on_many_lines_names_the_first_few(tmp_path, inspection):
    content = HEADER + "".join(f"A{n},area_for_improvement,Text,,Roads policing\r\n" for n in range(13))

    (problem, _) = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    lines = "3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 2 more"
    assert problem.startswith(f"line 2: unknown theme 'Roads policing' (here and on lines {lines});")


def test_add_themes_adds_each_new_theme_once_with_its_history(tmp_path, inspection):
    content = (
        HEADER
        + "A1,area_for_improvement,Text,,Roads policing\r\n"
        + "A2,area_for_improvement,Text,,Investigation\r\n"
        + "A3,area_for_improvement,Text,,roads POLICING\r\n"
    )

    out = import_findings(csv_file(tmp_path, content), inspection=inspection.slug, add_themes=True)

    roads = Theme.objects.get(name="Roads policing")
    assert [f.theme for f in inspection.findings.order_by("pk")] == [
        roads,
        Theme.objects.get(name="Investigation"),
        roads,
    ]
    assert roads.history.get().history_change_reason == "Imported from findings.csv"
    assert "Added the themes 'Roads policing'." in out


# The force the deployment serves -----------------------------------------------------


def test_the_documented_command_creates_the_inspection_for_the_force_the_setting_names(tmp_path, settings):
    settings.TRACKER_FORCE = "Hertfordshire Constabulary"
    content = HEADER + "AFI1,area_for_improvement,Text,,Investigation\r\n"

    out = import_findings(csv_file(tmp_path, content), **DOCUMENTED)

    inspection = Inspection.objects.get(slug="peel-2016")
    assert inspection.force == "Hertfordshire Constabulary"
    assert inspection.findings.get().theme.name == "Investigation"
    assert "Imported 1 finding into peel-2016 (a new inspection, PEEL 2016: Police effectiveness)" in out


def test_force_still_overrides_the_setting(tmp_path, settings):
    settings.TRACKER_FORCE = "Hertfordshire Constabulary"

    import_findings(
        csv_file(tmp_path, HEADER + "A1,area_for_improvement,Text,,\r\n"), **DOCUMENTED, force="Kent Police"
    )

    assert Inspection.objects.get().force == "Kent Police"


def test_without_the_setting_or_force_the_command_says_what_to_set(tmp_path, settings):
    settings.TRACKER_FORCE = ""
    with pytest.raises(CommandError) as refusal:
        import_findings(csv_file(tmp_path, HEADER + "A1,area_for_improvement,Text,,\r\n"), **DOCUMENTED)

    assert "add --force NAME (or set TRACKER_FORCE, the force this site serves)" in str(refusal.value)
    assert not Inspection.objects.exists()


# The reference themes come with migrate ----------------------------------------------


def reference_theme_names() -> set[str]:
    records = json.loads((django_settings.BASE_DIR / "fixtures" / "themes.json").read_text(encoding="utf-8"))
    return {record["fields"]["name"] for record in records}


def test_migrate_brings_every_reference_theme_with_its_history():
    names = reference_theme_names()

    assert 8 <= len(names) <= 10
    assert names <= set(Theme.objects.values_list("name", flat=True))
    history = Theme.history.filter(name__in=names)
    assert {(h.name, h.history_type, h.history_change_reason) for h in history} == {
        (name, "+", "Reference theme (fixtures/themes.json), added by migrate") for name in names
    }


class SchemaEditor:
    class connection:  # what RunPython reads of the schema editor
        alias = "default"


def test_the_theme_migration_keeps_an_install_s_own_themes_and_adds_only_what_is_missing():
    migration = importlib.import_module("tracker.migrations.0011_reference_themes")
    Theme.objects.filter(name="Investigation").update(name="INVESTIGATION", description="Our own words")
    Theme.objects.filter(name="Offender management").delete()
    count = Theme.objects.count()

    migration.add_reference_themes(apps, SchemaEditor())
    migration.add_reference_themes(apps, SchemaEditor())

    assert Theme.objects.count() == count + 1
    assert Theme.objects.get(name="INVESTIGATION").description == "Our own words"
    assert Theme.objects.filter(name="Offender management").exists()


# What the check costs ----------------------------------------------------------------


def rows_file(count: int) -> bytes:
    lines = [f"R{n},recommendation,Text {n},CoC1,Investigation\r\n" for n in range(count)]
    return (HEADER + "CoC1,cause_of_concern,Text,,\r\n" + "".join(lines)).encode()


@pytest.mark.parametrize("count", [3, 300])
def test_the_check_runs_two_queries_however_many_rows(inspection, django_assert_num_queries, count):
    FindingFactory(inspection=inspection, reference="AFI1")

    # 1 the inspection's references and kinds, 2 the themes
    with django_assert_num_queries(2):
        rows = findings_csv.read_findings(rows_file(count), inspection)

    assert len(rows) == count + 1
