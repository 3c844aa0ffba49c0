"""The findings tree holds from both sides: a recommendation sits only under a cause of concern, and a
cause of concern with recommendations under it stays one until they are moved or gone."""

import pytest

from tests import factories
from tests.pages import edit_data, url
from tracker import services
from tracker.models import Finding
from tracker.permissions import ActionRefused


@pytest.fixture
def recommendation(cause):
    return factories.FindingFactory(
        inspection=cause.inspection, kind=Finding.Kind.RECOMMENDATION, reference="Rec1", parent=cause
    )


@pytest.mark.parametrize("kind", [Finding.Kind.AREA_FOR_IMPROVEMENT, Finding.Kind.RECOMMENDATION])
def test_a_cause_of_concern_with_recommendations_keeps_its_kind_on_the_site(client, lead, cause, recommendation, kind):
    client.force_login(lead)

    response = client.post(url(cause, "edit/"), edit_data(cause, kind=kind))

    assert response.status_code == 400
    assert response.context["form"].errors["kind"] == [
        "This cause of concern has recommendations under it (Rec1): it stays a cause of concern"
        " until they are moved to another or removed."
    ]
    cause.refresh_from_db()
    assert cause.kind == Finding.Kind.CAUSE_OF_CONCERN
    assert cause.history.count() == 1  # nothing written


@pytest.mark.parametrize("kind", [Finding.Kind.AREA_FOR_IMPROVEMENT, Finding.Kind.RECOMMENDATION])
def test_the_service_refuses_to_change_a_parents_kind(lead, cause, recommendation, kind):
    with pytest.raises(ActionRefused, match=r"has recommendations under it \(Rec1\)"):
        services.update_finding(cause, by=lead, kind=kind)

    cause.refresh_from_db()
    assert cause.kind == Finding.Kind.CAUSE_OF_CONCERN


def test_the_service_names_every_recommendation_under_it(lead, cause, recommendation):
    factories.FindingFactory(
        inspection=cause.inspection, kind=Finding.Kind.RECOMMENDATION, reference="Rec2", parent=cause
    )

    with pytest.raises(ActionRefused, match=r"\(Rec1, Rec2\)"):
        services.update_finding(cause, by=lead, kind=Finding.Kind.AREA_FOR_IMPROVEMENT)


def test_a_cause_of_concern_with_nothing_under_it_may_change_kind(client, lead, cause):
    client.force_login(lead)

    response = client.post(url(cause, "edit/"), edit_data(cause, kind=Finding.Kind.AREA_FOR_IMPROVEMENT))

    assert response.status_code == 302
    cause.refresh_from_db()
    assert cause.kind == Finding.Kind.AREA_FOR_IMPROVEMENT


def test_a_parent_with_recommendations_may_still_be_edited_otherwise(lead, cause, recommendation):
    services.update_finding(cause, by=lead, title="Risk at first contact")

    cause.refresh_from_db()
    assert (cause.kind, cause.title) == (Finding.Kind.CAUSE_OF_CONCERN, "Risk at first contact")


def test_a_recommendation_cannot_be_put_under_an_area_for_improvement(lead, finding):
    recommendation = factories.FindingFactory(inspection=finding.inspection, kind=Finding.Kind.RECOMMENDATION)

    with pytest.raises(ActionRefused, match="only under a cause of concern"):
        services.update_finding(recommendation, by=lead, parent=finding)
