"""The tamper-evident chain over sign-off decisions, and verify_audit."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from tracker import services
from tracker.models import SignOff


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


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
def test_an_empty_record_is_intact():
    assert "intact: 0 decisions" in verify()


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
