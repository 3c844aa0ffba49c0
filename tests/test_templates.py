"""The templates' shared parts: one form page, the POST form and breadcrumb includes, fields laid out by
the form renderer, the section 55 figures from the constants, and one name for a finding."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.utils.formats import date_format
from django.utils.html import escape

from tests import factories
from tracker.forms import ActionFilterForm, ExtensionDecisionForm, WithdrawForm
from tracker.models import RESPONSE_DEADLINE_DAYS, RESPONSE_DEADLINE_FROM, Finding

TEMPLATES = Path(settings.BASE_DIR) / "tracker" / "templates"


def templates_containing(pattern: str) -> set[str]:
    return {
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html") if re.search(pattern, path.read_text())
    }


def main_html(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


# The section 55 figures --------------------------------------------------------------------


def test_no_template_types_the_section_55_figures():
    start = re.escape(date_format(RESPONSE_DEADLINE_FROM, "j F Y"))
    days = rf"\b{RESPONSE_DEADLINE_DAYS}[- ]day"

    assert templates_containing(start) == set(), "use {% response_deadline_from %}"
    assert templates_containing(days) == set(), "use {% response_deadline_days %}"


@pytest.fixture
def before_the_deadline_began(db):
    return factories.InspectionFactory(published=RESPONSE_DEADLINE_FROM - datetime.timedelta(days=1))


@pytest.fixture
def since_the_deadline_began(db):
    return factories.InspectionFactory(published=datetime.date(2017, 6, 1))


def test_an_inspection_published_before_the_limit_says_so_on_every_page(client, reviewer, before_the_deadline_began):
    inspection = before_the_deadline_began
    start = date_format(RESPONSE_DEADLINE_FROM, "j F Y")
    client.force_login(reviewer)

    detail = main_html(client.get(inspection.get_absolute_url()))
    response_form = main_html(client.get(f"/inspections/{inspection.slug}/response/"))
    report = main_html(client.get(f"/reports/panel/?inspection={inspection.slug}"))
    dashboard = main_html(client.get("/"))

    sentence = f"No statutory deadline: published before {start}, when the {RESPONSE_DEADLINE_DAYS}-day limit began."
    assert sentence in detail
    assert sentence in response_form
    assert f"no statutory deadline (published before {start})." in report
    assert f"No statutory deadline (published before {start})" in dashboard


def test_the_deadline_is_counted_from_publication_on_the_inspection_and_response_pages(
    client, reviewer, since_the_deadline_began
):
    inspection = since_the_deadline_began
    client.force_login(reviewer)
    sentence = f"<strong>26 July 2017</strong>, {RESPONSE_DEADLINE_DAYS} days from publication on 1 June 2017."

    assert sentence in main_html(client.get(inspection.get_absolute_url()))
    assert sentence in main_html(client.get(f"/inspections/{inspection.slug}/response/"))


# A finding's name --------------------------------------------------------------------------


def test_a_finding_is_named_by_its_reference_and_title_or_its_reference_alone():
    assert Finding(reference="Rec1", title="Supervision").display_name == "Rec1: Supervision"
    assert Finding(reference="AFI2", title="").display_name == "AFI2"


def test_no_template_builds_a_findings_name_of_its_own():
    assert templates_containing(r"reference \}\}(\{% if [\w.]*title %\})?: \{\{ [\w.]*title \}\}") == set()


def test_a_finding_is_named_the_same_on_its_page_its_actions_and_their_forms(client, lead):
    finding = factories.FindingFactory(reference="Rec1", title="Supervisors' review")
    action = factories.ActionFactory(finding=finding, in_progress=True)
    name = escape(finding.display_name)
    client.force_login(lead)

    finding_page = main_html(client.get(finding.get_absolute_url()))
    action_page = client.get(action.get_absolute_url()).content.decode()
    form_page = client.get(f"/actions/{action.pk}/progress/").content.decode()
    create_page = client.get(f"/findings/{finding.pk}/actions/new/").content.decode()

    assert f"<h1>{name}</h1>" in finding_page
    for page in (action_page, form_page, create_page):
        assert f'<li><a href="/findings/{finding.pk}/">{name}</a></li>' in page


# One form page -----------------------------------------------------------------------------


def test_action_and_plan_forms_share_one_page(client, lead):
    finding = factories.FindingFactory()
    action = factories.ActionFactory(finding=finding, in_progress=True)
    client.force_login(lead)

    for url in (
        f"/actions/{action.pk}/withdraw/",
        f"/findings/{finding.pk}/edit/",
        f"/inspections/{finding.inspection.slug}/edit/",
        "/inspections/new/",
    ):
        response = client.get(url)
        assert response.templates[0].name == "tracker/form_page.html", url


def test_an_action_form_page_names_the_action_and_leads_back_to_it(client, lead):
    action = factories.ActionFactory(in_progress=True, title="Audit risk grading")
    client.force_login(lead)

    page = main_html(client.get(f"/actions/{action.pk}/withdraw/"))

    assert '<span class="caption">Audit risk grading</span>' in page
    assert f"Status: In progress. Owner: {action.owner}. Due {action.due_date:%-d %B %Y}." in page
    assert '<button type="submit" class="button">Continue</button>' in page  # to the check page
    assert f'<a href="/actions/{action.pk}/">Cancel</a>' in page
    assert 'enctype="multipart/form-data"' not in page  # only a form with a file field sends one


def test_a_form_with_a_file_field_is_sent_as_multipart(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    page = main_html(client.get(f"/actions/{action.pk}/evidence/"))

    assert '<form method="post" enctype="multipart/form-data" novalidate>' in page


def test_breadcrumbs_post_forms_and_field_markup_each_live_in_one_template():
    assert templates_containing(r'aria-label="Breadcrumb"') == {"tracker/includes/breadcrumbs.html"}
    # The sign-in page and the header's sign-out button are the only forms outside the include.
    assert templates_containing(r"\{% csrf_token %\}") == {
        "tracker/includes/post_form.html",
        "tracker/base.html",
        "registration/login.html",
    }
    # The sign-in page writes its two fields itself, as it writes its form.
    assert templates_containing(r'class="error-message"|_helptext"') == {
        "tracker/forms/field.html",
        "registration/login.html",
    }


# Fields, by the form renderer ---------------------------------------------------------------


def test_fields_are_laid_out_by_the_trackers_templates():
    renderer = get_default_renderer()

    assert renderer.form_template_name == "tracker/forms/form.html"
    assert renderer.field_template_name == "tracker/forms/field.html"


def test_a_field_with_an_error_is_described_by_its_hint_and_its_error():
    form = WithdrawForm({"reason": ""})
    form.is_valid()

    html = form["reason"].as_field_group()

    assert '<div class="form-group form-group--error">' in html
    assert '<label for="id_reason">Why is this action being withdrawn?</label>' in html
    assert '<div class="hint" id="id_reason_helptext">' in html
    assert '<p class="error-message" id="id_reason_error"><span class="visually-hidden">Error:</span>' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert 'aria-invalid="true"' in html


def test_radios_sit_in_a_fieldset_described_by_its_error():
    form = ExtensionDecisionForm({})
    form.is_valid()

    html = form["decision"].as_field_group()

    assert '<fieldset aria-describedby="id_decision_error">' in html
    assert "<legend>Decision</legend>" in html
    assert '<div class="radios">' in html
    assert '<label for="id_decision_0">Approve: move the due date</label>' in html


def test_optional_fields_say_so_except_among_filters_which_all_are(db):
    optional = ExtensionDecisionForm()["comment"].as_field_group()
    search = ActionFilterForm()["q"].as_field_group()

    assert '<label for="id_comment">Comment (optional)</label>' in optional
    assert '<label for="id_q">Search</label>' in search
    assert '<div class="form-group form-group--wide">' in search  # spans the row of filters
    assert 'aria-describedby="id_q_helptext"' in search
