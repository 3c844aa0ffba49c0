"""send_reminders: who hears about what, once a day at most."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests import factories
from tracker import services
from tracker.models import Action, ReminderSent
from tracker.reminders import build_digests, send_digests

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.mark.django_db
def test_owners_hear_about_actions_due_soon_and_overdue_in_one_email(owner):
    due_soon = factories.ActionFactory(owner=owner, in_progress=True, title="Due soon", due_date=days(5))
    overdue = factories.ActionFactory(owner=owner, title="Overdue", due_date=days(-3))
    factories.ActionFactory(owner=owner, in_progress=True, title="Far off", due_date=days(60))
    factories.ActionFactory(owner=owner, submitted=True, title="With the PCC", due_date=days(-1))
    factories.ActionFactory(owner=owner, signed_off=True, title="Done", due_date=days(-1))

    run()

    [message] = emails_to(owner)
    assert "Due soon" in message.body and "Overdue" in message.body
    assert f"due {days(5):%-d %B %Y}" in message.body
    assert f"overdue since {days(-3):%-d %B %Y}" in message.body
    assert f"/actions/{due_soon.pk}/" in message.body and f"/actions/{overdue.pk}/" in message.body
    for absent in ("Far off", "With the PCC", "Done"):
        assert absent not in message.body


@pytest.mark.django_db
def test_the_same_item_is_not_sent_twice_in_one_day(owner):
    factories.ActionFactory(owner=owner, title="Overdue", due_date=days(-3))

    run()
    second = run()

    assert len(emails_to(owner)) == 1
    assert "0 reminder email(s) sent" in second


@pytest.mark.django_db
def test_a_new_item_on_the_same_day_is_sent_alone(owner):
    factories.ActionFactory(owner=owner, title="First", due_date=days(-3))
    run()
    factories.ActionFactory(owner=owner, title="Second", due_date=days(2))

    run()

    _, second = emails_to(owner)
    assert "Second" in second.body
    assert "First" not in second.body


@pytest.mark.django_db
def test_the_next_day_reminds_again(owner):
    action = factories.ActionFactory(owner=owner, title="Overdue", due_date=days(-3))
    send_digests(build_digests(days(-1)), days(-1))

    digests = build_digests(TODAY)

    assert [item.key for item in digests[0].items] == [f"action:{action.pk}"]


@pytest.mark.django_db
def test_a_reassigned_action_reminds_its_new_owner_only(owner, other_owner, lead):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Handed over", due_date=days(3))
    services.edit_action(action, by=lead, reason="Handover", owner=other_owner)

    run()

    assert emails_to(owner) == []
    assert "Handed over" in emails_to(other_owner)[0].body


@pytest.mark.django_db
def test_inactive_actions_are_flagged_to_their_owner(owner, settings):
    settings.TRACKER_INACTIVITY_DAYS = 30
    quiet = factories.ActionFactory(owner=owner, in_progress=True, title="Quiet", due_date=days(90))
    busy = factories.ActionFactory(owner=owner, in_progress=True, title="Busy", due_date=days(90))
    long_ago = timezone.now() - datetime.timedelta(days=45)
    Action.objects.filter(pk__in=[quiet.pk, busy.pk]).update(created_at=long_ago, last_progress_at=long_ago)
    services.record_progress(busy, by=owner, note="Still going")

    run()

    [message] = emails_to(owner)
    assert "Quiet" in message.body and "no progress note for over 30 days" in message.body
    assert "Busy" not in message.body
    assert list(Action.objects.inactive(timezone.now())) == [quiet]


@pytest.mark.django_db
def test_leads_hear_about_extension_requests_except_their_own(owner, lead, other_lead):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Needs time", due_date=days(90))
    services.request_extension(action, by=lead, proposed_date=days(120), reason="Lead asks")

    run()

    assert emails_to(lead) == []
    assert "Extension request for Needs time" in emails_to(other_lead)[0].body


@pytest.mark.django_db
def test_reviewers_hear_about_the_queue_they_may_decide(owner, reviewer):
    factories.ActionFactory(owner=owner, submitted=True, title="Ready for you", due_date=days(90))
    conflicted = factories.UserFactory(role="PCC reviewer", email="conflicted@example.police.uk")
    conflicted.groups.add(*factories.OwnerFactory().groups.all())
    factories.ActionFactory(owner=conflicted, submitted=True, title="Their own", due_date=days(90))

    run()

    body = emails_to(reviewer)[0].body
    assert "Waiting for sign-off: Ready for you" in body
    assert "Their own" in body  # another reviewer may decide it
    assert "Their own" not in emails_to(conflicted)[0].body


@pytest.mark.django_db
def test_dry_run_prints_and_sends_nothing(owner):
    factories.ActionFactory(owner=owner, title="Overdue", due_date=days(-3))

    output = run("--dry-run")

    assert f"To: {owner.email}" in output and "Overdue" in output
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


@pytest.mark.django_db
def test_people_without_an_email_address_are_skipped(owner):
    owner.email = ""
    owner.save()
    factories.ActionFactory(owner=owner, title="Overdue", due_date=days(-3))

    run()

    assert mail.outbox == []


@pytest.mark.django_db
def test_someone_who_has_left_is_not_reminded_of_the_actions_still_in_their_name(owner, other_owner):
    owner.is_active = False
    owner.save()
    factories.ActionFactory(owner=owner, title="Overdue, left behind", due_date=days(-3))
    factories.ActionFactory(owner=other_owner, title="Overdue, still here", due_date=days(-3))

    run()

    assert emails_to(owner) == []
    assert len(emails_to(other_owner)) == 1
