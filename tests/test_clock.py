"""Deadlines on the pages: suggested due dates, the section 55 clock and its warnings, the
HMICFRS register mirror, the PCC's per-recommendation explanations, and inactive actions."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.pages import date_boxes
from tracker import services
from tracker.models import Action, Finding, RegisterEntry

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


# Suggested due dates ------------------------------------------------------------------------


@pytest.mark.django_db
def test_finding_page_shows_the_suggested_due_date_and_where_it_came_from(client, owner):
    finding = factories.FindingFactory(
        recommendation=True,
        inspection__published=datetime.date(2017, 3, 2),
        text="HMIC recommends that the force should take immediate steps to ensure that call handlers apply THRIVE.",
    )
    client.force_login(owner)

    html = client.get(reverse("tracker:finding-detail", args=[finding.pk])).content.decode()

    assert "Suggested due date: <strong>1 April 2017</strong>" in html
    assert "From the words “immediate” in the text, read as 30 days from publication on 2 March 2017" in html


@pytest.mark.django_db
def test_finding_page_says_when_the_text_sets_no_deadline(client, owner):
    finding = factories.FindingFactory(text="Supervisors should review investigations consistently.")
    client.force_login(owner)

    html = client.get(reverse("tracker:finding-detail", args=[finding.pk])).content.decode()

    assert "The text sets no deadline, so there is no suggested due date." in html


@pytest.mark.django_db
def test_the_suggestion_is_the_default_due_date_of_the_first_action(client, lead, owner):
    published = TODAY - datetime.timedelta(days=10)
    finding = factories.FindingFactory(inspection__published=published, text="Within six months, the force should")
    client.force_login(lead)
    url = reverse("tracker:action-create", args=[finding.pk])

    first = client.get(url).context["form"]
    factories.ActionFactory(finding=finding)
    second = client.get(url).context["form"]

    six_months_on = services_add_months(published, 6)
    assert first["due_date"].value() == six_months_on
    assert second["due_date"].value() is None


def services_add_months(day: datetime.date, months: int) -> datetime.date:
    from tracker.deadlines import _add_months

    return _add_months(day, months)


@pytest.mark.django_db
def test_a_suggestion_already_past_is_not_the_default(client, lead):
    finding = factories.FindingFactory(inspection__published=datetime.date(2017, 3, 2), text="take immediate steps")
    client.force_login(lead)

    form = client.get(reverse("tracker:action-create", args=[finding.pk])).context["form"]

    assert form["due_date"].value() is None


# The section 55 clock on the reviewer's dashboard ---------------------------------------------


def reviewer_warnings(client, reviewer) -> list[str]:
    client.force_login(reviewer)
    html = client.get("/").content.decode()
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'data-warning="s55">(.*?)</p>', html, re.S)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("published_days_ago", "warned"),
    [
        (55, "is due today"),  # the 56th day, counting publication as the first
        (45, "is due in 10 days"),
        (41, "is due in 14 days"),
        (40, None),  # 15 days left: no warning yet
        (60, "is 5 days overdue"),
    ],
)
def test_the_pcc_office_is_warned_14_days_before_the_deadline_and_once_it_passes(
    client, reviewer, published_days_ago, warned
):
    factories.InspectionFactory(title="Vulnerability 2026", published=days(-published_days_ago))

    warnings = reviewer_warnings(client, reviewer)

    if warned:
        assert len(warnings) == 1
        assert warned in warnings[0] and "Vulnerability 2026" in warnings[0]
    else:
        assert warnings == []


@pytest.mark.django_db
def test_no_warning_once_the_response_is_published_or_without_a_statutory_deadline(client, reviewer):
    factories.InspectionFactory(published=days(-60), response_published=days(-1))
    factories.InspectionFactory(published=datetime.date(2017, 3, 2))  # before 2 May 2017

    assert reviewer_warnings(client, reviewer) == []


# The PCC's explanation for each recommendation ------------------------------------------------


@pytest.mark.django_db
def test_the_pcc_office_records_an_explanation_for_each_recommendation(client, reviewer, owner):
    concern = factories.FindingFactory(cause_of_concern=True, reference="CoC1")
    recommendation = factories.FindingFactory(
        inspection=concern.inspection, recommendation=True, parent=concern, reference="Rec1"
    )
    client.force_login(reviewer)
    url = reverse("tracker:inspection-response", args=[concern.inspection.slug])
    assert "explanation_" + str(concern.pk) not in client.get(url).context["form"].fields

    response = client.post(
        url,
        {
            **date_boxes("comments_invited", "3/3/2017"),
            **date_boxes("comments_received", "20/3/2017"),
            **date_boxes("response_published", "10/4/2017"),
            f"explanation_{recommendation.pk}": "A control room audit runs monthly; THRIVE refresher for all staff.",
        },
    )

    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.response_explanation.startswith("A control room audit")
    latest = recommendation.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (reviewer, "PCC response explanation recorded")
    client.force_login(owner)
    page = client.get(reverse("tracker:finding-detail", args=[recommendation.pk])).content.decode()
    assert "A control room audit runs monthly" in page


@pytest.mark.django_db
def test_explanations_are_only_for_the_inspections_recommendations(reviewer):
    afi = factories.FindingFactory()

    with pytest.raises(services.ActionRefused, match="only be given for this inspection's recommendations"):
        services.record_pcc_response(
            afi.inspection,
            by=reviewer,
            comments_invited=None,
            comments_received=None,
            response_published=None,
            explanations={afi.pk: "Not a recommendation"},
        )

    afi.refresh_from_db()
    assert afi.response_explanation == ""


# The HMICFRS register mirror ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_records_the_inspectorates_status_beside_the_forces_own(client, lead, owner):
    finding = factories.FindingFactory(register_id="8771", reference="CoC1", title="Risk assessment")
    client.force_login(lead)

    response = client.post(
        reverse("tracker:finding-register", args=[finding.pk]),
        {
            **date_boxes("date", "13/3/2018"),
            "status": "being-progressed",
            "comment": "Action plan created; control room revisit.",
        },
    )

    assert response.status_code == 302
    entry = RegisterEntry.objects.get()
    assert (entry.status, entry.recorded_by, entry.history.get().history_user) == ("being-progressed", lead, lead)
    client.force_login(owner)
    page = client.get(reverse("tracker:finding-detail", args=[finding.pk])).content.decode()
    assert "Being progressed" in page and "Awaiting allocation" in page
    report = client.get("/reports/panel/").content.decode()
    assert "8771" in report and "Being progressed, 13 March 2018" in report


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {**date_boxes("date", "13/3/2018"), "status": ""},
        {**date_boxes("date", "30/2/2018"), "status": "complete"},
        {**date_boxes("date", "13/3/2018"), "status": "finished"},
    ],
)
def test_a_register_update_with_bad_input_is_refused_and_saves_nothing(client, lead, data):
    finding = factories.FindingFactory()
    client.force_login(lead)

    response = client.post(reverse("tracker:finding-register", args=[finding.pk]), {**data, "comment": "Kept"})

    assert response.status_code == 400
    assert b"There is a problem" in response.content and b"Kept" in response.content
    assert not RegisterEntry.objects.exists()


# Inactive actions on the dashboards ---------------------------------------------------------


def card_links(html: str) -> dict[str, tuple[str, int]]:
    found = re.findall(r'<a[^>]* href="([^"]+)" data-count="(\d+)"', html)
    return {href.replace("&amp;", "&"): int(count) for href, count in found}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "lead"])
def test_inactive_actions_are_flagged_on_dashboards_and_the_count_matches_its_list(client, owner, lead, role):
    quiet = factories.ActionFactory(owner=owner, in_progress=True, due_date=days(90))
    busy = factories.ActionFactory(owner=owner, in_progress=True, due_date=days(90))
    long_ago = timezone.now() - datetime.timedelta(days=45)
    Action.objects.filter(pk__in=[quiet.pk, busy.pk]).update(created_at=long_ago, last_progress_at=long_ago)
    services.record_progress(busy, by=owner, note="Still going")
    client.force_login(owner if role == "owner" else lead)

    links = card_links(client.get("/").content.decode())

    path = "/actions/mine/?inactive=1" if role == "owner" else "/actions/?inactive=1"
    assert links[path] == 1
    listed = client.get(path).context["page"]
    assert [action.pk for action in listed] == [quiet.pk]


@pytest.mark.django_db
def test_the_shipped_recommendation_suggests_an_immediate_deadline():
    from tracker.seeding import HERTFORDSHIRE_SEED, load_inspection

    inspection = load_inspection(HERTFORDSHIRE_SEED)
    recommendation = inspection.findings.get(kind=Finding.Kind.RECOMMENDATION)

    suggestion = recommendation.suggested_due
    assert (suggestion.date, suggestion.immediate) == (datetime.date(2017, 4, 1), True)
