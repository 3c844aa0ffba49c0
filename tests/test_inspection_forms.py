"""The inspection forms: adding and editing an inspection (leads only) and recording the PCC's response
to it (the PCC's office only); what each refuses and why, and that nothing is saved when it does."""

import datetime

import pytest

from tests import factories
from tests.pages import NO_DEADLINE, date_boxes, detail_url, main_text
from tracker.models import Inspection

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db


# Adding and editing an inspection ---------------------------------------------------------

NEW_INSPECTION = {
    "title": "PEEL 2023-25: An inspection of Hertfordshire Constabulary",
    "slug": "herts-peel-2023",
    "kind": "peel",
    "force": "Hertfordshire Constabulary",
    **date_boxes("published", "14/03/2024"),
    "link": "https://hmicfrs.justiceinspectorates.gov.uk/publication-html/peel-2023-25-hertfordshire/",
    "overall_grade": "good",
}


def test_lead_adds_an_inspection(client, lead):
    client.force_login(lead)

    response = client.post("/inspections/new/", NEW_INSPECTION)

    inspection = Inspection.objects.get(slug="herts-peel-2023")
    assert response.status_code == 302
    assert response.url == "/inspections/herts-peel-2023/"
    assert inspection.published == datetime.date(2024, 3, 14)
    history = inspection.history.get()
    assert history.history_user == lead
    assert history.history_change_reason == "Inspection created"


def test_lead_sees_the_add_form(client, lead):
    client.force_login(lead)

    response = client.get("/inspections/new/")

    assert response.status_code == 200
    assert "<h1>Add an inspection</h1>" in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "reviewer", "auditor", "nobody"])
def test_only_a_lead_can_add_an_inspection(client, request, role):
    client.force_login(request.getfixturevalue(role))

    get = client.get("/inspections/new/")
    post = client.post("/inspections/new/", NEW_INSPECTION)

    assert get.status_code == post.status_code == 403
    assert "Only an improvement lead can add or edit inspections." in post.content.decode()
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the report&#x27;s title"),
        (date_boxes("published", "31/02/2024"), "published", "Date published must be a real date"),
        (date_boxes("published", "//"), "published", "Enter the date the report was published"),
        ({"slug": "not a slug!"}, "slug", "Enter a short name of lower-case letters, numbers and hyphens only"),
        ({"slug": "herts-peel-2016"}, "slug", "Another inspection already has this address: choose another"),
        ({"link": "not a web address"}, "link", "Enter a web address"),
        (
            {**date_boxes("published", "02/03/2017"), "overall_grade": "adequate"},
            "overall_grade",
            "was not a grade for reports",
        ),
    ],
)
def test_bad_inspection_input_is_explained_and_nothing_saved(client, lead, inspection, change, field, message):
    client.force_login(lead)

    response = client.post("/inspections/new/", {**NEW_INSPECTION, **change})

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert response.context["form"].errors[field]
    assert NEW_INSPECTION["force"] in html  # what was typed is kept
    assert Inspection.objects.count() == 1


def test_lead_edits_an_inspection_and_only_changes_are_saved(client, lead, inspection):
    client.force_login(lead)
    data = {
        "title": inspection.title,
        "slug": "herts-peel-2016-effectiveness",
        "kind": "peel",
        "force": inspection.force,
        **date_boxes("published", "2/3/2017"),
        "link": "",
        "overall_grade": "requires_improvement",
    }

    response = client.post(f"/inspections/{inspection.slug}/edit/", data)

    assert response.status_code == 302
    assert response.url == "/inspections/herts-peel-2016-effectiveness/"
    inspection.refresh_from_db()
    assert inspection.slug == "herts-peel-2016-effectiveness"
    latest = inspection.history.order_by("-history_id").first()
    assert latest.history_user == lead
    assert latest.history_change_reason == "Inspection edited"


def test_edit_form_is_prefilled(client, lead, inspection):
    client.force_login(lead)

    response = client.get(f"/inspections/{inspection.slug}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="published_day" type="text" inputmode="numeric" value="2"' in html
    assert 'name="published_month" type="text" inputmode="numeric" value="3"' in html
    assert 'name="published_year" type="text" inputmode="numeric" value="2017"' in html


def test_bad_edit_is_explained_and_nothing_saved(client, lead, inspection):
    client.force_login(lead)

    response = client.post(
        f"/inspections/{inspection.slug}/edit/",
        {"title": "", "slug": "renamed", "kind": "peel", "force": "Herts", **date_boxes("published", "1/13/2017")},
    )

    assert response.status_code == 400
    assert "Date published must be a real date" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.slug == "herts-peel-2016"
    assert inspection.force == "Hertfordshire Constabulary"


@pytest.mark.parametrize("role", ["owner", "reviewer", "auditor"])
def test_only_a_lead_can_edit_an_inspection(client, request, role, inspection):
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/inspections/{inspection.slug}/edit/", {**NEW_INSPECTION})

    assert response.status_code == 403
    assert "Only an improvement lead" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.slug == "herts-peel-2016"


def test_editing_is_not_found_without_a_role(client, nobody, inspection):
    client.force_login(nobody)

    assert client.get(f"/inspections/{inspection.slug}/edit/").status_code == 404


# The PCC response -------------------------------------------------------------------------

RESPONSE = {
    **date_boxes("comments_invited", "3/3/2017"),
    **date_boxes("comments_received", "20/3/2017"),
    **date_boxes("response_published", "10/4/2017"),
    "response_link": "https://www.hertscommissioner.gov.uk/hmicfrs-responses",
}


def test_reviewer_records_the_pcc_response(client, reviewer, inspection):
    client.force_login(reviewer)

    response = client.post(f"/inspections/{inspection.slug}/response/", RESPONSE)

    assert response.status_code == 302
    assert response.url == detail_url(inspection)
    inspection.refresh_from_db()
    assert inspection.comments_received == datetime.date(2017, 3, 20)
    assert inspection.response_published == datetime.date(2017, 4, 10)
    latest = inspection.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (reviewer, "PCC response recorded")
    text = main_text(client.get(detail_url(inspection)))
    assert "published on 10 April 2017" in text


def test_response_form_is_prefilled(client, reviewer):
    inspection = factories.InspectionFactory(comments_invited=datetime.date(2017, 3, 3))
    client.force_login(reviewer)

    response = client.get(f"/inspections/{inspection.slug}/response/")

    assert response.status_code == 200
    assert 'name="comments_invited_day" type="text" inputmode="numeric" value="3"' in response.content.decode()
    assert NO_DEADLINE in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (date_boxes("comments_received", "1/3/2017"), "The comments cannot be received before they were invited"),
        (
            date_boxes("response_published", "yesterday/4/2017"),
            "Date the PCC&#x27;s response was published must be a real date",
        ),
        ({"response_link": "nowhere"}, "Enter a web address"),
    ],
)
def test_bad_response_is_explained_and_nothing_saved(client, reviewer, inspection, change, message):
    client.force_login(reviewer)

    response = client.post(f"/inspections/{inspection.slug}/response/", {**RESPONSE, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'name="comments_invited_year" type="text" inputmode="numeric" value="2017"' in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.comments_invited is None


@pytest.mark.parametrize("role", ["owner", "lead", "auditor"])
def test_only_the_pcc_office_records_the_response(client, request, role, inspection):
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/inspections/{inspection.slug}/response/", RESPONSE)

    assert response.status_code == 403
    assert "Only the PCC&#x27;s office can record the PCC&#x27;s response." in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.comments_invited is None
