"""Edit forms validate on their own copy: what was typed reaches the object only through its service."""

import pytest
from django.urls import reverse

from tests import factories
from tests.pages import date_boxes
from tracker.forms import FindingForm, InspectionForm
from tracker.models import Finding, Inspection


@pytest.mark.django_db
def test_validating_an_inspection_form_leaves_the_inspection_as_saved():
    inspection = factories.InspectionFactory(title="PEEL 2016", slug="peel-2016")
    data = {
        "title": "Typed title",
        "slug": "typed-slug",
        "kind": "peel",
        "force": "Herts",
        **date_boxes("published", "2/3/2017"),
    }

    form = InspectionForm(data, instance=inspection)

    assert form.is_valid(), form.errors
    assert (inspection.title, inspection.slug) == ("PEEL 2016", "peel-2016")
    assert form.changed_data and "title" in form.changed_data


@pytest.mark.django_db
def test_validating_a_finding_form_leaves_the_finding_as_saved():
    finding = factories.FindingFactory(reference="AFI1", text="Original words")
    data = {"kind": finding.kind, "reference": "AFI9", "text": "Typed words"}

    form = FindingForm(data, instance=finding, inspection=finding.inspection)

    assert form.is_valid(), form.errors
    assert (finding.reference, finding.text) == ("AFI1", "Original words")


@pytest.mark.django_db
def test_a_refused_inspection_edit_shows_the_saved_name_in_the_page_links(client, lead):
    inspection = factories.InspectionFactory(title="PEEL 2016", slug="peel-2016")
    client.force_login(lead)
    data = {
        "title": "Typed title",
        "slug": "typed-slug",
        "kind": "peel",
        "force": "Herts",
        **date_boxes("published", "not/a/date"),
    }

    response = client.post(reverse("tracker:inspection-edit", args=[inspection.slug]), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="/inspections/peel-2016/"' in page
    assert 'href="/inspections/typed-slug/"' not in page
    assert Inspection.objects.get(pk=inspection.pk).title == "PEEL 2016"


@pytest.mark.django_db
def test_a_discharged_finding_refuses_an_edit_and_keeps_its_words(client, lead):
    finding = factories.FindingFactory(reference="AFI1", text="Original words")
    factories.SignOffFactory(action=None, finding=finding)
    client.force_login(lead)
    data = {"kind": finding.kind, "reference": "AFI9", "text": "Typed words"}

    response = client.post(reverse("tracker:finding-edit", args=[finding.pk]), data)

    assert response.status_code == 400
    assert "This finding has been discharged: it cannot be changed any more." in response.content.decode()
    assert f'href="/findings/{finding.pk}/">AFI1' in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).text == "Original words"
