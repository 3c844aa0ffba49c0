"""import_findings and export_findings: the CSV format, all-or-nothing imports, and exact round trips."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import FindingFactory, InspectionFactory, ThemeFactory
from tracker.models import Finding, Inspection

pytestmark = pytest.mark.django_db

HEADER = "reference,kind,text,parent_reference,theme\r\n"
# Typographic quotes and dashes on purpose: reports are published with them.
NON_ASCII = "Victims’ Code – café ✓"  # noqa: RUF001

# Every awkward thing at once, in the form export writes: commas, doubled quotes,
# a bare \n and a \r\n inside quoted fields, non-ASCII, a parent and its child,
# themes, and every optional column.
CANONICAL = (
    "reference,kind,text,parent_reference,theme,addressee,register_id,title\r\n"
    'CoC1,cause_of_concern,"The force should, immediately, ""take steps"" to assess risk.",,Protecting vulnerable'
    " people,,PEEL-2016-001,Risk at first contact\r\n"
    'R1,recommendation,"Within three months:\nreview THRIVE\r\ntrain call handlers",CoC1,Protecting vulnerable'
    ' people,,PEEL-2016-002,"Training, and audit"\r\n'
    f"AFI1,area_for_improvement,{NON_ASCII},,Investigating crime,NPCC lead,,\r\n"
)

MINIMAL = (
    HEADER
    + "AFI1,area_for_improvement,The force should improve how supervisors review investigations.,,\r\n"
    + "AFI2,area_for_improvement,The force should improve its stalking investigations.,,Investigating crime\r\n"
)


@pytest.fixture
def themes():
    return [ThemeFactory(name="Protecting vulnerable people"), ThemeFactory(name="Investigating crime")]


@pytest.fixture
def inspection():
    return InspectionFactory(slug="peel-2016-effectiveness")


def csv_file(tmp_path: Path, content: str | bytes, name: str = "findings.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def import_findings(path: Path | str, *args: str, **options) -> str:
    out = io.StringIO()
    call_command("import_findings", str(path), *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def export_findings(*args: str, **options) -> str:
    out = io.StringIO()
    call_command("export_findings", *args, stdout=out, **options)
    return out.getvalue()


def create_options(slug: str = "new-inspection") -> dict:
    return {
        "inspection": slug,
        "title": "PEEL 2016: Police effectiveness",
        "published": "2017-03-02",
        "force": "Hertfordshire Constabulary",
    }


def refused(path: Path | str, **options) -> str:
    """Import, expect refusal, check nothing at all was written, and return the message."""
    counts = (Inspection.objects.count(), Finding.objects.count(), Finding.history.count())
    with pytest.raises(CommandError) as refusal:
        import_findings(path, **options)
    assert (Inspection.objects.count(), Finding.objects.count(), Finding.history.count()) == counts
    return str(refusal.value)


# Round trips -------------------------------------------------------------------------


def test_canonical_file_round_trips_byte_for_byte(tmp_path, themes, inspection):
    import_findings(csv_file(tmp_path, CANONICAL), inspection=inspection.slug)
    output = tmp_path / "out.csv"

    export_findings(inspection=inspection.slug, output=str(output))

    assert output.read_bytes() == CANONICAL.encode("utf-8")


def test_import_keeps_the_text_exactly_and_links_parent_and_theme(tmp_path, themes, inspection):
    import_findings(csv_file(tmp_path, CANONICAL), inspection=inspection.slug)

    coc, recommendation, afi = Finding.objects.filter(inspection=inspection).order_by("pk")
    assert coc.kind == Finding.Kind.CAUSE_OF_CONCERN
    assert coc.text == 'The force should, immediately, "take steps" to assess risk.'
    assert coc.register_id == "PEEL-2016-001"
    assert recommendation.text == "Within three months:\nreview THRIVE\r\ntrain call handlers"
    assert recommendation.parent == coc
    assert recommendation.theme == themes[0]
    assert recommendation.title == "Training, and audit"
    assert afi.text == NON_ASCII
    assert afi.addressee == "NPCC lead"
    assert afi.theme == themes[1]


def test_minimal_file_round_trips_byte_for_byte(tmp_path, themes, inspection):
    import_findings(csv_file(tmp_path, MINIMAL), inspection=inspection.slug)

    assert export_findings(inspection=inspection.slug) == MINIMAL


# Importing ---------------------------------------------------------------------------


def test_import_creates_the_inspection_with_title_and_published_date(tmp_path, themes):
    out = import_findings(csv_file(tmp_path, CANONICAL), **create_options("peel-2016"))

    inspection = Inspection.objects.get(slug="peel-2016")
    assert inspection.title == "PEEL 2016: Police effectiveness"
    assert inspection.published == datetime.date(2017, 3, 2)
    assert inspection.force == "Hertfordshire Constabulary"
    assert inspection.findings.count() == 3
    assert "Imported 3 findings into peel-2016" in out


def test_import_into_existing_inspection_can_name_an_existing_parent(tmp_path, inspection):
    coc = FindingFactory(inspection=inspection, reference="CoC1", cause_of_concern=True)
    content = HEADER + "R1,recommendation,The force should review risk assessment.,CoC1,\r\n"

    out = import_findings(csv_file(tmp_path, content), inspection=inspection.slug)

    assert Inspection.objects.count() == 1
    assert inspection.findings.get(reference="R1").parent == coc
    assert "Imported 1 finding into" in out


def test_import_writes_history_naming_the_file(tmp_path, themes):
    import_findings(csv_file(tmp_path, CANONICAL, name="peel-2016.csv"), **create_options())

    history = Finding.history.all()
    assert history.count() == 3
    assert {h.history_change_reason for h in history} == {"Imported from peel-2016.csv"}
    assert {h.history_type for h in history} == {"+"}
    assert {h.history_user for h in history} == {None}
    assert Inspection.history.get().history_change_reason == "Imported from peel-2016.csv"


@pytest.mark.parametrize(
    ("spelling", "kind"),
    [
        ("cause_of_concern", Finding.Kind.CAUSE_OF_CONCERN),
        ("CAUSE_OF_CONCERN", Finding.Kind.CAUSE_OF_CONCERN),
        ("Cause of concern", Finding.Kind.CAUSE_OF_CONCERN),
        ("  cause OF concern  ", Finding.Kind.CAUSE_OF_CONCERN),
        ("recommendation", Finding.Kind.RECOMMENDATION),
        ("Recommendation", Finding.Kind.RECOMMENDATION),
        ("RECOMMENDATION ", Finding.Kind.RECOMMENDATION),
        ("area_for_improvement", Finding.Kind.AREA_FOR_IMPROVEMENT),
        ("Area_For_Improvement", Finding.Kind.AREA_FOR_IMPROVEMENT),
        ("Area for improvement", Finding.Kind.AREA_FOR_IMPROVEMENT),
        ("AREA FOR IMPROVEMENT", Finding.Kind.AREA_FOR_IMPROVEMENT),
    ],
)
def test_kind_is_accepted_as_code_or_label_in_any_case(tmp_path, inspection, spelling, kind):
    import_findings(csv_file(tmp_path, HEADER + f"F1,{spelling},Some text,,\r\n"), inspection=inspection.slug)

    assert inspection.findings.get().kind == kind


def test_bom_blank_lines_and_spaces_around_names_are_tolerated_but_text_is_kept(tmp_path, themes, inspection):
    content = "\ufeff" + HEADER + "\r\n" + " AFI1 , Area for improvement ,  Spaced text  ,, investigating CRIME \r\n"

    import_findings(csv_file(tmp_path, content), inspection=inspection.slug)

    finding = inspection.findings.get()
    assert finding.reference == "AFI1"
    assert finding.text == "  Spaced text  "
    assert finding.theme == themes[1]


def test_optional_columns_may_come_in_any_order(tmp_path, inspection):
    content = "title,reference,kind,register_id,text,theme,parent_reference\r\nShort,A1,recommendation,X-1,Text,,\r\n"

    import_findings(csv_file(tmp_path, content), inspection=inspection.slug)

    finding = inspection.findings.get()
    assert (finding.reference, finding.title, finding.register_id, finding.text) == ("A1", "Short", "X-1", "Text")


# Refusing bad files: nothing written, every bad row reported by line -------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("reference,kind,text,theme\r\nA1,recommendation,Text,\r\n", ["line 1:", "'parent_reference' is missing"]),
        (HEADER.replace("theme", "theme,owner") + "A1,recommendation,Text,,,Jo\r\n", ["line 1:", "'owner'"]),
        (HEADER + "A1,finding,Text,,\r\n", ["line 2:", "unknown kind 'finding'"]),
        (HEADER + "A1,recommendation,Text,,\r\nA1,recommendation,More,,\r\n", ["line 3:", "already used on line 2"]),
        (HEADER + "R1,recommendation,Text,CoC9,\r\n", ["line 2:", "parent 'CoC9'"]),
        (
            HEADER + "R1,recommendation,Text,CoC1,\r\nCoC1,cause_of_concern,Parent,,\r\n",
            ["line 2:", "parent 'CoC1' is neither on an earlier row"],
        ),
        (
            HEADER + "A1,area_for_improvement,Text,,\r\nR1,recommendation,Text,A1,\r\n",
            ["line 3:", "not a cause of concern"],
        ),
        (
            HEADER + "C1,cause_of_concern,Text,,\r\nA1,area_for_improvement,Text,C1,\r\n",
            ["line 3:", "only a recommendation can have a parent"],
        ),
        (HEADER + " ,recommendation,Text,,\r\n", ["line 2:", "the reference is empty"]),
        (HEADER + "A1,recommendation,,,\r\n", ["line 2:", "the text is empty"]),
        (HEADER + 'A1,recommendation,"  \r\n\t ",,\r\n', ["line 2:", "the text is empty"]),
        (
            HEADER.encode() + "A1,recommendation,café,,\r\n".encode("latin-1"),
            ["line 2:", "not UTF-8", "byte offset 65"],
        ),
        (b"", ["line 1:", "empty"]),
        (HEADER, ["line 1:", "no findings"]),
        (HEADER + "A1,recommendation,Text\r\n", ["line 2:", "3 fields but the header has 5"]),
        (HEADER + "A1,recommendation,Text,,,\r\n", ["line 2:", "6 fields but the header has 5"]),
        (HEADER + "A1,recommendation,Text,,Roads policing\r\n", ["line 2:", "'Roads policing'", "Investigating crime"]),
        (HEADER + "A" * 51 + ",recommendation,Text,,\r\n", ["line 2:", "reference is 51 characters"]),
        (
            HEADER.replace("theme", "theme,title") + "A1,recommendation,Text,,," + "t" * 201 + "\r\n",
            ["line 2:", "title is 201 characters"],
        ),
        (HEADER + 'A1,recommendation,"Text"oops,,\r\n', ["line 2:", "not valid CSV"]),
        (HEADER + 'A1,recommendation,"never closed,,\r\n', ["line 2:", "not valid CSV"]),
    ],
    ids=[
        "missing-column",
        "unknown-column",
        "unknown-kind",
        "duplicate-reference-in-file",
        "unknown-parent",
        "parent-only-later-in-file",
        "parent-not-cause-of-concern",
        "child-not-recommendation",
        "empty-reference",
        "empty-text",
        "whitespace-only-text",
        "not-utf8",
        "empty-file",
        "header-only",
        "too-few-fields",
        "too-many-fields",
        "unknown-theme",
        "reference-too-long",
        "title-too-long",
        "stray-quote",
        "unclosed-quote",
    ],
)
def test_bad_file_is_refused_and_nothing_is_written(tmp_path, themes, content, expected):
    message = refused(csv_file(tmp_path, content), **create_options())

    assert "Nothing was imported" in message
    for fragment in expected:
        assert fragment in message
    assert not Inspection.objects.filter(slug="new-inspection").exists()


def test_reference_already_in_the_inspection_is_refused(tmp_path, inspection):
    FindingFactory(inspection=inspection, reference="AFI1")
    content = HEADER + "AFI1,area_for_improvement,Text,,\r\n"

    message = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    assert "line 2: the inspection already has a finding with reference 'AFI1'" in message


def test_every_bad_row_is_reported_by_the_physical_line_it_starts_on(tmp_path, inspection):
    content = (
        HEADER
        + 'CoC1,cause_of_concern,"First line\r\nsecond line\r\nthird line",,\r\n'  # lines 2 to 4
        + "A2,nonsense,Text,,\r\n"  # line 5
        + "A3,recommendation,,,\r\n"  # line 6
        + 'R1,recommendation,"Fine,\nacross lines",CoC1,\r\n'  # lines 7 and 8
        + "R2,recommendation,Text,Nope,\r\n"  # line 9
    )

    message = refused(csv_file(tmp_path, content), inspection=inspection.slug)

    problems = message.splitlines()[1:]
    assert problems == [
        "line 5: unknown kind 'nonsense'; the kind must be one of cause_of_concern (Cause of concern), "
        "recommendation (Recommendation), area_for_improvement (Area for improvement)",
        "line 6: the text is empty",
        "line 9: the parent 'Nope' is neither on an earlier row nor already in the inspection",
    ]


def test_missing_inspection_without_title_says_what_to_add(tmp_path):
    message = refused(csv_file(tmp_path, MINIMAL), inspection="no-such-inspection")

    assert "There is no inspection no-such-inspection" in message
    assert "--title TITLE --published YYYY-MM-DD --force NAME" in message


def test_missing_inspection_with_only_some_options_names_the_rest(tmp_path):
    message = refused(csv_file(tmp_path, MINIMAL), inspection="new-inspection", title="PEEL 2016")

    assert "add --published YYYY-MM-DD --force NAME" in message


def test_bad_published_date_is_refused(tmp_path):
    message = refused(csv_file(tmp_path, MINIMAL), **{**create_options(), "published": "2017-02-30"})

    assert "--published 2017-02-30 is not a date" in message


def test_bad_inspection_slug_is_refused_without_writing(tmp_path, themes):
    message = refused(csv_file(tmp_path, MINIMAL), **create_options("not a slug!"))

    assert "Nothing was imported" in message
    assert "slug" in message


def test_missing_file_is_refused(tmp_path, inspection):
    message = refused(tmp_path / "missing.csv", inspection=inspection.slug)

    assert "There is no file" in message


# Exporting ---------------------------------------------------------------------------


def test_export_of_unknown_inspection_is_refused():
    with pytest.raises(CommandError, match="There is no inspection nope"):
        export_findings(inspection="nope")


def test_export_writes_the_output_file(tmp_path, inspection):
    FindingFactory(inspection=inspection, reference="AFI1", text="Improve, please.")
    output = tmp_path / "out.csv"

    out = export_findings(inspection=inspection.slug, output=str(output))

    assert output.read_bytes() == (HEADER + 'AFI1,area_for_improvement,"Improve, please.",,\r\n').encode()
    assert f"to {output}" in out


def test_export_to_stdout_equals_the_file(tmp_path, themes, inspection):
    import_findings(csv_file(tmp_path, CANONICAL), inspection=inspection.slug)
    output = tmp_path / "out.csv"
    export_findings(inspection=inspection.slug, output=str(output))

    assert export_findings(inspection=inspection.slug) == output.read_bytes().decode("utf-8")


def test_export_through_the_command_line_parser(tmp_path, inspection):
    FindingFactory(inspection=inspection, reference="AFI1", text="Improve.")
    output = tmp_path / "out.csv"

    export_findings(f"--inspection={inspection.slug}", f"--output={output}")

    assert output.read_bytes() == (HEADER + "AFI1,area_for_improvement,Improve.,,\r\n").encode()
