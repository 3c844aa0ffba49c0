"""A person's choice of emails (each straight away, or once a day), the page they choose it on, and
send_reminders: it carries a daily person's emails, and tells an owner of a return made that day."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.pages import main_text
from tests.smtp import smtp_server  # noqa: F401 (a fixture)
from tracker import clock, services
from tracker.models import Notification, User
from tracker.reminders import build_digests
from tracker.services import ActionRefused

State = Notification.State
DAILY = User.EmailPreference.DAILY
SITE = "https://tracker.example.police.uk"


def command(name: str) -> str:
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


def return_one(owner, reviewer, title="Train call handlers", comment="Only one shift audited"):
    action = factories.ActionFactory(owner=owner, submitted=True, title=title)
    services.return_action(action, by=reviewer, comment=comment)
    return action


@pytest.mark.django_db
def test_someone_who_chose_a_daily_email_gets_one_digest_and_nothing_straight_away(
    smtp_server,  # noqa: F811
    owner,
    reviewer,
):
    services.set_email_preference(owner, by=owner, preference=DAILY)
    action = return_one(owner, reviewer)

    assert "0 notification email(s) sent" in command("send_notifications")
    assert smtp_server.inbox.messages == []

    command("send_reminders")
    [digest] = smtp_server.inbox.to(owner.email)
    body = digest.get_content()
    assert "What has happened since your last email:" in body
    assert f"Action returned to you: Train call handlers, by {reviewer} on {clock.today():%-d %B %Y}" in body
    assert f"{SITE}/actions/{action.pk}/" in body
    assert "returned to you by" in body and "Only one shift audited" in body  # the return, in the reminder part
    notice = Notification.objects.get()
    assert (notice.state, notice.in_digest) == (State.SENT, True)

    command("send_reminders")
    command("send_notifications")
    assert len(smtp_server.inbox.messages) == 1


@pytest.mark.django_db
def test_a_digest_of_updates_alone_says_so_in_its_subject(smtp_server, owner, lead):  # noqa: F811
    services.set_email_preference(owner, by=owner, preference=DAILY)
    action = factories.ActionFactory(owner=owner, in_progress=True, due_date=clock.today() + datetime.timedelta(90))
    services.decide_extension(
        factories.ExtensionRequestFactory(action=action), by=lead, approve=False, comment="Not yet"
    )

    command("send_reminders")

    [digest] = smtp_server.inbox.to(owner.email)
    assert digest["Subject"] == "Improvement plan: 1 update on your actions"
    assert "These improvement plan items need your attention" not in digest.get_content()


@pytest.mark.django_db
def test_a_digest_that_cannot_be_sent_keeps_its_emails_for_the_next_run(smtp_server, owner, reviewer):  # noqa: F811
    services.set_email_preference(owner, by=owner, preference=DAILY)
    return_one(owner, reviewer)
    smtp_server.stop()

    with pytest.raises(CommandError, match="could not be sent"):
        command("send_reminders")

    assert Notification.objects.get().state == State.PENDING
    smtp_server.start()
    command("send_reminders")
    assert Notification.objects.get().state == State.SENT


@pytest.mark.django_db
def test_switching_back_to_immediate_sends_what_was_waiting(smtp_server, owner, reviewer):  # noqa: F811
    services.set_email_preference(owner, by=owner, preference=DAILY)
    return_one(owner, reviewer)
    services.set_email_preference(owner, by=owner, preference=User.EmailPreference.IMMEDIATE)

    command("send_notifications")

    [message] = smtp_server.inbox.to(owner.email)
    assert message["Subject"] == "Action returned to you: Train call handlers"


@pytest.mark.django_db
def test_the_morning_reminder_tells_an_owner_of_yesterdays_return_and_not_of_older_ones(owner, reviewer):
    now = timezone.now()
    with clock.held_at(now - datetime.timedelta(hours=20)):
        return_one(owner, reviewer, title="Returned yesterday", comment="Add the March audit")
    with clock.held_at(now - datetime.timedelta(days=3)):
        return_one(owner, reviewer, title="Returned last week", comment="Old news")

    [digest] = build_digests(clock.today(), now)

    [item] = digest.items
    day = timezone.localdate(now - datetime.timedelta(hours=20))
    assert item.text.startswith("Returned yesterday (")
    assert f"returned to you by {reviewer} on {day:%-d %B %Y}: Add the March audit" in item.text
    assert "Returned last week" not in digest.body


@pytest.mark.django_db
def test_building_digests_does_not_grow_with_the_emails_waiting(owner, reviewer, django_assert_max_num_queries):
    services.set_email_preference(owner, by=owner, preference=DAILY)
    return_one(owner, reviewer)
    with django_assert_max_num_queries(100) as few:
        build_digests()
    for n in range(5):
        return_one(factories.OwnerFactory(email_preference=DAILY), reviewer, title=f"Another {n}")
    with django_assert_max_num_queries(len(few)):
        digests = build_digests()
    assert len(digests) == 6


# The email settings page ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_person_chooses_a_daily_email_on_their_email_settings_page(client, owner):
    client.force_login(owner)
    assert f'href="{reverse("tracker:account-email")}">Email settings</a>' in client.get("/").content.decode()
    page = client.get(reverse("tracker:account-email"))
    assert page.status_code == 200
    assert "Email settings" in main_text(page)
    assert f"Emails go to {owner.email}" in main_text(page)
    assert re.search(r'value="immediate"[^>]*checked', page.content.decode())  # what they have now

    response = client.post(reverse("tracker:account-email"), {"email_preference": "daily"}, follow=True)

    assert response.redirect_chain == [(reverse("tracker:account-email"), 302)]
    assert "Your email settings are saved" in response.content.decode()
    owner.refresh_from_db()
    assert owner.email_preference == DAILY
    assert owner.history.order_by("-history_id").first().history_change_reason == "Email settings changed"


@pytest.mark.django_db
@pytest.mark.parametrize("posted", [{}, {"email_preference": "hourly"}])
def test_a_bad_choice_is_an_error_on_the_form_and_changes_nothing(client, owner, posted):
    client.force_login(owner)

    response = client.post(reverse("tracker:account-email"), posted)

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    owner.refresh_from_db()
    assert owner.email_preference == User.EmailPreference.IMMEDIATE


@pytest.mark.django_db
def test_nobody_changes_someone_elses_email_settings(owner, lead):
    with pytest.raises(ActionRefused, match="only change your own"):
        services.set_email_preference(owner, by=lead, preference=DAILY)
    owner.refresh_from_db()
    assert owner.email_preference == User.EmailPreference.IMMEDIATE
