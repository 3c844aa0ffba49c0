"""Public summaries: what the panel's public report may say, written (and so approved) by a lead or reviewer.

Progress notes are internal and never published; the note form says so.
"""

from html import unescape

import pytest

from tests import factories
from tests.pages import main_text
from tracker import services
from tracker.models import PublicSummary
from tracker.permissions import ActionRefused

pytestmark = pytest.mark.django_db

INTERNAL = (
    "Progress notes are internal: they are never published. The panel's public report shows only the public "
    "summaries an improvement lead or the PCC's office writes."
)


@pytest.fixture
def action(owner):
    return factories.ActionFactory(owner=owner, in_progress=True, finding__reference="AFI1")


def test_lead_publishes_a_summary_of_a_finding_from_its_page(client, lead, action):
    finding = action.finding
    client.force_login(lead)
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert f'action="/findings/{finding.pk}/public-summary/"' in page

    response = client.post(f"/findings/{finding.pk}/public-summary/", {"text": "  Training has begun.  "})

    assert response.status_code == 302
    summary = PublicSummary.objects.get()
    assert (summary.finding, summary.action, summary.text, summary.written_by) == (
        finding,
        None,
        "Training has begun.",
        lead,
    )
    page = main_text(client.get(f"/findings/{finding.pk}/"))
    assert "Training has begun." in page
    assert f"by {lead}" in page


def test_reviewer_publishes_a_summary_of_an_action_and_the_older_one_stays_on_record(client, reviewer, lead, action):
    services.write_public_summary(action.finding, action=action, by=lead, text="First words.")
    client.force_login(reviewer)

    response = client.post(f"/actions/{action.pk}/public-summary/", {"text": "Second words."})

    assert response.status_code == 302
    assert list(PublicSummary.objects.order_by("pk").values_list("text", "written_by", "action")) == [
        ("First words.", lead.pk, action.pk),
        ("Second words.", reviewer.pk, action.pk),
    ]
    page = main_text(client.get(f"/actions/{action.pk}/"))
    assert page.index("Second words.") < page.index("Earlier public summaries (1)") < page.index("First words.")


@pytest.mark.parametrize("role", ["owner", "auditor"])
def test_owners_and_auditors_cannot_publish(client, request, role, action):
    client.force_login(request.getfixturevalue(role))

    page = client.get(f"/actions/{action.pk}/").content.decode()
    response = client.post(f"/actions/{action.pk}/public-summary/", {"text": "Leaked."})

    assert "Publish summary" not in page
    assert response.status_code == 403
    assert "Only an improvement lead or a PCC reviewer can write a public summary" in response.content.decode()
    assert not PublicSummary.objects.exists()


def test_a_blank_summary_is_refused_plainly_and_nothing_is_written(client, lead, action):
    client.force_login(lead)

    response = client.post(f"/actions/{action.pk}/public-summary/", {"text": "   "})

    assert response.status_code == 400
    assert "There is a problem" in main_text(response)
    assert not PublicSummary.objects.exists()
    with pytest.raises(ActionRefused, match="Write the public summary"):
        services.write_public_summary(action.finding, by=lead, text=" \n ")


def test_a_summary_cannot_put_an_action_under_another_finding(lead, action):
    other = factories.FindingFactory()

    with pytest.raises(ActionRefused, match="another finding"):
        services.write_public_summary(other, action=action, by=lead, text="Misfiled.")

    assert not PublicSummary.objects.exists()


def test_the_progress_note_forms_say_plainly_that_notes_are_internal(client, owner, action):
    client.force_login(owner)

    assert INTERNAL in unescape(main_text(client.get(f"/actions/{action.pk}/progress/")))
    assert INTERNAL in unescape(main_text(client.get(f"/actions/{action.pk}/")))
