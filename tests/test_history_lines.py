"""One change, one line of history: on the action page, each move the services make is told once, and in
the admin's history values read as labels and people by name. The internal version counter shows nowhere."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from tests.workflow import S, action_in
from tracker import services
from tracker.timeline import action_timeline


def visible_text(response) -> str:
    """What a person reads on the page: the main part, without its tags (hidden form fields included)."""
    page = response.content.decode()
    return html.unescape(re.sub(r"<[^>]+>", " ", page[page.index("<main") : page.index("</main>")]))


def lines_after(action, change) -> list[str]:
    """The headings the change added to the action's history."""
    before = len(action_timeline(action))
    change()
    return [entry.heading for entry in action_timeline(action)[before:]]


@pytest.mark.django_db
def test_a_return_is_one_line(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)

    lines = lines_after(action, lambda: services.return_action(action, by=reviewer, comment="Sample one more shift"))

    assert lines == ["Returned by the PCC's office"]


@pytest.mark.django_db
def test_a_sign_off_is_one_line(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)

    lines = lines_after(action, lambda: services.sign_off_action(action, by=reviewer, comment="Seen"))

    assert lines == ["Signed off by the PCC's office"]


@pytest.mark.django_db
def test_an_extension_decision_is_one_line(owner, lead):
    action = action_in(S.IN_PROGRESS, owner, due_date=datetime.date(2027, 1, 31))
    request = services.request_extension(
        action, by=owner, proposed_date=datetime.date(2027, 3, 31), reason="The system change lands later"
    )

    lines = lines_after(action, lambda: services.decide_extension(request, by=lead, approve=True, comment="Agreed"))

    assert lines == ["Extension approved"]


@pytest.mark.django_db
def test_a_reassignment_is_one_line_naming_the_new_owner(owner, other_owner, lead):
    owner.first_name, owner.last_name = "Jordan", "Ashby"
    owner.save()
    other_owner.first_name, other_owner.last_name = "Sam", "Okafor"
    other_owner.save()
    action = action_in(S.IN_PROGRESS, owner)

    lines = lines_after(
        action, lambda: services.edit_action(action, by=lead, reason="Moved to the control room", owner=other_owner)
    )

    assert lines == ["Reassigned to Sam Okafor"]
    assert action_timeline(action)[-1].text == "Moved to the control room"


@pytest.mark.django_db
def test_a_status_move_with_a_note_is_one_line(owner):
    action = action_in(S.IN_PROGRESS, owner)

    lines = lines_after(action, lambda: services.record_progress(action, by=owner, note="Waiting", move_to=S.BLOCKED))

    assert lines == ["In progress → Blocked"]


def a_full_story(owner, other_owner, lead, reviewer):
    """An action taken through every kind of change the services make."""
    action = action_in(S.NOT_STARTED, owner, due_date=datetime.date(2027, 1, 31))
    services.record_progress(action, by=owner, note="Started", move_to=S.IN_PROGRESS)
    request = services.request_extension(action, by=owner, proposed_date=datetime.date(2027, 3, 31), reason="Later")
    services.decide_extension(request, by=lead, approve=True, comment="Agreed")
    services.edit_action(action, by=lead, reason="Control room", owner=other_owner)
    services.add_evidence(action, by=other_owner, title="Audit", url="https://intranet.example/audit")
    services.submit_for_sign_off(action, by=other_owner)
    services.return_action(action, by=reviewer, comment="One more shift")
    services.submit_for_sign_off(action, by=other_owner)
    services.sign_off_action(action, by=reviewer)
    return action


@pytest.mark.django_db
def test_the_action_page_never_shows_the_version(client, owner, other_owner, lead, reviewer):
    action = a_full_story(owner, other_owner, lead, reviewer)
    client.force_login(lead)

    text = visible_text(client.get(action.get_absolute_url()))

    assert "Returned by the PCC's office" in text
    assert "version" not in text.lower()
    assert "Details changed" not in text


@pytest.mark.django_db
def test_the_admin_history_names_people_and_shows_labels_never_the_version(
    client, owner, other_owner, lead, reviewer, auditor
):
    owner.first_name, owner.last_name = "Jordan", "Ashby"
    owner.save()
    other_owner.first_name, other_owner.last_name = "Sam", "Okafor"
    other_owner.save()
    action = a_full_story(owner, other_owner, lead, reviewer)
    client.force_login(auditor)

    response = client.get(reverse("admin:tracker_action_history", args=[action.pk]))
    page = response.content.decode()
    text = html.unescape(re.sub(r"<[^>]+>", " ", page[page.index('id="change-history"') :]))
    changes = re.sub(r"\s+", " ", text)  # \s takes in the no-break spaces around the arrows

    assert response.status_code == 200
    assert "Status: In progress → Submitted for sign-off" in changes
    assert "Status: Submitted for sign-off → Signed off" in changes
    assert "Owner: Jordan Ashby → Sam Okafor" in changes
    assert "Submitted by: (none) → Sam Okafor" in changes
    assert "Deleted" not in changes
    assert "submitted →" not in changes
    assert "version" not in changes.lower()


@pytest.mark.django_db
def test_one_row_of_the_admin_history_never_shows_the_version(client, owner, reviewer, auditor):
    action = action_in(S.SUBMITTED, owner)
    services.sign_off_action(action, by=reviewer)
    client.force_login(auditor)
    row = action.history.order_by("-history_id").first()

    response = client.get(reverse("admin:tracker_action_simple_history", args=[action.pk, row.history_id]))

    assert response.status_code == 200
    assert "version" not in visible_text(response).lower()
