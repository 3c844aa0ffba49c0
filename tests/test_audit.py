"""The tamper-evident chain over sign-off decisions, and verify_audit: each link an HMAC under AUDIT_KEY."""

import hashlib
import hmac
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests import factories
from tests.forgery import raw, relink
from tracker import audit, services
from tracker.models import SignOff


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def decisions(owner, reviewer):
    """Three decisions through the services: sign-off, return, sign-off."""
    first = services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment="One")
    second = services.return_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment="Two")
    third = services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment="3")
    return first, second, third


@pytest.mark.django_db
def test_each_decision_links_to_the_one_before(decisions):
    first, second, third = decisions

    assert first.previous_hash == ""
    assert second.previous_hash == first.record_hash
    assert third.previous_hash == second.record_hash
    assert "intact: 3 decisions" in verify()


@pytest.mark.django_db
def test_each_link_is_an_hmac_under_the_audit_key_of_the_content_and_the_link_before(decisions):
    second = SignOff.objects.get(pk=decisions[1].pk)

    expected = hmac.new(settings.AUDIT_KEY.encode(), second.canonical_content(), hashlib.sha256).hexdigest()

    assert second.record_hash == expected
    assert second.previous_hash.encode() in second.canonical_content()
    assert second.record_hash != second.unkeyed_hash()


@pytest.mark.django_db
def test_an_empty_record_is_intact():
    assert verify() == "The sign-off record is intact: 0 decisions, none changed or removed.\n"


@pytest.mark.django_db
def test_a_comment_rewritten_with_sql_is_reported(decisions):
    raw("UPDATE tracker_signoff SET comment = %s WHERE id = %s", "Rewritten", decisions[1].pk)

    with pytest.raises(CommandError, match=rf"Sign-off #{decisions[1].pk} has been changed"):
        verify()


@pytest.mark.django_db
def test_a_decision_flipped_with_sql_is_reported(decisions):
    raw("UPDATE tracker_signoff SET decision = 'approve', comment = 'x' WHERE id = %s", decisions[1].pk)

    with pytest.raises(CommandError, match="has been changed"):
        verify()


@pytest.mark.django_db
def test_a_record_deleted_from_the_middle_is_reported(decisions):
    raw("DELETE FROM tracker_signoff WHERE id = %s", decisions[1].pk)

    with pytest.raises(
        CommandError, match=rf"Sign-off #{decisions[2].pk} does not follow.*after sign-off #{decisions[0].pk}"
    ):
        verify()


@pytest.mark.django_db
def test_the_newest_record_deleted_is_reported(decisions):
    raw("DELETE FROM tracker_signoff WHERE id = %s", decisions[2].pk)

    with pytest.raises(CommandError, match=r"should hold 3 sign-offs.*but holds 2"):
        verify()


@pytest.mark.django_db
def test_a_record_inserted_with_sql_is_reported(decisions, reviewer):
    action = factories.ActionFactory(submitted=True)
    raw(
        "INSERT INTO tracker_signoff"
        " (action_id, decision, comment, decided_by_id, decided_at, previous_hash, record_hash)"
        " VALUES (%s, 'approve', '', %s, CURRENT_TIMESTAMP, %s, 'forged')",
        action.pk,
        reviewer.pk,
        decisions[2].record_hash,
    )

    with pytest.raises(CommandError, match="has been changed"):
        verify()
    assert SignOff.objects.count() == 4


# The forger of issue 12: changes a decision, then recomputes every link so that each follows the one before.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        "UPDATE tracker_signoff SET comment = 'Evidence seen and accepted' WHERE id = %s",
        "UPDATE tracker_signoff SET decision = 'approve', comment = 'x' WHERE id = %s",
    ],
    ids=["comment", "decision"],
)
def test_a_decision_changed_and_every_link_recomputed_with_plain_sha256_is_caught(decisions, change):
    raw(change, decisions[1].pk)
    relink(key=None)
    # The forged chain is whole: the unkeyed check verify_audit made before AUDIT_KEY passes it.
    assert audit.walk_chain(SignOff.unkeyed_hash).problems == []

    with pytest.raises(CommandError, match="None of the 3 sign-offs has a link made with AUDIT_KEY") as caught:
        verify()

    assert "recomputed every link without the key" in str(caught.value)


@pytest.mark.django_db
def test_a_decision_changed_and_every_link_recomputed_under_a_wrong_key_is_caught(decisions):
    raw("UPDATE tracker_signoff SET comment = 'Evidence seen and accepted' WHERE id = %s", decisions[1].pk)
    relink(key=b"a guess at the audit key, 32 chars+")

    with pytest.raises(CommandError, match="None of the 3 sign-offs has a link that matches it under AUDIT_KEY"):
        verify()


@pytest.mark.django_db
def test_links_recomputed_under_a_wrong_key_from_the_changed_decision_on_name_each_record(decisions):
    first, second, third = decisions
    raw("UPDATE tracker_signoff SET decision = 'approve', comment = 'x' WHERE id = %s", second.pk)
    relink(key=b"a guess at the audit key, 32 chars+", start=1)

    with pytest.raises(CommandError) as caught:
        verify()

    message = str(caught.value)
    assert f"Sign-off #{second.pk} has been changed" in message
    assert f"Sign-off #{third.pk} has been changed" in message
    assert f"#{first.pk} has been changed" not in message


@pytest.mark.django_db
def test_without_the_audit_key_the_command_says_what_to_set(decisions, settings):
    settings.AUDIT_KEY = ""

    with pytest.raises(CommandError, match="AUDIT_KEY is not set"):
        verify()
