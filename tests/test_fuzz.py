"""Bad input everywhere, thrown by hypothesis: random and huge text, control characters, HTML and
script, SQL-looking strings, dates out of range and values of the wrong type, at every form and at
the CSV import. Never a 500, never a partial write, and text always shown back escaped."""

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.test_access import MATRIX, Form
from tracker.models import Finding

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE tracker_action; --",
    "1 OR 1=1",
    "{{ request.user }}{% debug %}",
    "\x00\x01\x1b[31m\x7f",
    "‮evil‭",
    "9999-99-99",
    "0000-00-00",
    "31/02/2027",
    "-1",
    "99999999999999999999",
    "NaN",
    "",
    " ",
]
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "<", "\n"]), st.integers(10_000, 60_000)),
    st.dates().map(str),
    st.integers(-(10**20), 10**20).map(str),
)

# The access matrix's plan, built once, stays until the module's last test: every test here sees it.
pytestmark = pytest.mark.usefixtures("access_world")

FORMS = sorted(name for name, rule in MATRIX.items() if isinstance(rule, Form))
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in apps.get_app_config("tracker").get_models()}


def escaped_everywhere(html: str, values) -> bool:
    """No value with markup in it comes back raw (values too short to tell apart from the page's own markup aside)."""
    return not any(len(value) >= 8 and "<" in value and value in html for value in values)


@pytest.fixture
def form_world(world):  # noqa: F811 - the access matrix's fixture
    return world


from tests.test_access import world  # noqa: E402, F401 - a fixture


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data())
def test_every_form_survives_hostile_input(client, form_world, name, data):
    with transaction.atomic():  # each example starts from the same world
        post_hostile_values(client, form_world, name, data)
        transaction.set_rollback(True)


FIELDS: dict[str, list[str]] = {}


def form_fields(client, url: str) -> list[str]:
    """The names of the fields of the form at url, read from the page once: every example rolls back, so
    they are the same for all of them."""
    if url not in FIELDS:
        FIELDS[url] = list(client.get(url).context["form"].fields)
    return FIELDS[url]


def post_hostile_values(client, form_world, name, data):
    rule = MATRIX[name]
    client.force_login(form_world["people"]["lead" if "lead" in rule.allowed else sorted(rule.allowed)[0]])
    args = [form_world[key] for key in rule.args.split(",")] if rule.args else []
    url = reverse(name, args=args)
    fields = form_fields(client, url)
    values = {field: data.draw(TEXT, label=field) for field in fields}
    values |= data.draw(st.dictionaries(st.text(max_size=10), TEXT, max_size=2), label="extra fields")
    before = row_counts()

    response = client.post(url, values)

    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert row_counts() == before  # nothing half-written
        assert escaped_everywhere(response.content.decode(), values.values())


@pytest.mark.django_db
@FUZZ
@given(
    rows=st.lists(
        st.lists(st.one_of(TEXT, st.sampled_from(["recommendation", "cause_of_concern", "AFI1"])), max_size=7),
        max_size=6,
    ),
    header=st.sampled_from(
        [
            "reference,kind,text,parent_reference,theme",
            "reference,kind,text,parent_reference,theme,addressee,register_id,title",
            "reference,kind,text",
            "",
        ]
    ),
    junk=st.binary(max_size=200),
)
def test_the_csv_import_survives_hostile_files(tmp_path, header, rows, junk):
    with transaction.atomic():  # each example starts from an empty inspection
        import_hostile_file(tmp_path, header, rows, junk)
        transaction.set_rollback(True)


def import_hostile_file(tmp_path, header, rows, junk):
    inspection = factories.InspectionFactory(slug="fuzz")
    path = tmp_path / "findings.csv"
    text = header + "\n" + "\n".join(",".join(f'"{value}"' for value in row) for row in rows)
    path.write_bytes(text.encode("utf-8", "surrogatepass") + junk)
    before = Finding.objects.count()

    try:
        call_command("import_findings", str(path), inspection=inspection.slug, stdout=io.StringIO())
    except CommandError as error:
        assert str(error)  # refused, with a reason
        assert Finding.objects.count() == before  # and nothing written
