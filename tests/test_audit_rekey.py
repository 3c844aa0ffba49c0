"""verify_audit --rekey: a chain from before AUDIT_KEY (plain SHA-256), or under an old key, linked under AUDIT_KEY."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests import factories
from tests.forgery import raw, relink
from tracker import audit, services
from tracker.models import SignOff, SignOffChain

OLD_KEY = b"the key this chain was signed with last year"


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def links() -> list[tuple[str, str]]:
    return list(SignOff.objects.order_by("pk").values_list("previous_hash", "record_hash"))


@pytest.fixture
def decisions(owner, reviewer):
    return [
        services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment=comment)
        for comment in ("One", "Two", "Three")
    ]


@pytest.fixture
def unkeyed(decisions):
    """The database as a version before AUDIT_KEY left it: the same decisions, linked with plain SHA-256."""
    relink(key=None)
    return decisions


@pytest.fixture
def anchor_file(tmp_path):
    return tmp_path / "audit-anchor"


@pytest.mark.django_db
def test_an_unkeyed_chain_is_reported_until_it_is_re_keyed(unkeyed, anchor_file):
    with pytest.raises(CommandError, match=r"form a chain of plain SHA-256 links.*verify_audit --rekey"):
        verify()

    out = verify("--rekey", "--anchor", str(anchor_file))

    assert out == (
        "The sign-off record has been re-keyed: 3 decisions, now linked under AUDIT_KEY; "
        f"anchor written to {anchor_file}.\n"
    )
    assert "intact: 3 decisions" in verify("--anchor", str(anchor_file))
    newest = SignOff.objects.order_by("pk").last()
    assert newest.record_hash == newest.compute_hash(settings.AUDIT_KEY.encode())
    assert (
        audit.Anchor.parse(anchor_file.read_text()).hash == newest.record_hash == SignOffChain.objects.get().last_hash
    )


@pytest.mark.django_db
def test_decisions_after_re_keying_continue_the_chain(unkeyed, anchor_file, owner, reviewer):
    verify("--rekey", "--anchor", str(anchor_file))
    services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment="Four")

    assert "intact: 4 decisions" in verify("--anchor", str(anchor_file))


@pytest.mark.django_db
def test_a_broken_unkeyed_chain_is_not_re_keyed(unkeyed, anchor_file):
    raw("UPDATE tracker_signoff SET comment = 'Rewritten' WHERE id = %s", unkeyed[1].pk)
    before = links()

    with pytest.raises(CommandError) as caught:
        verify("--rekey", "--anchor", str(anchor_file))

    assert str(caught.value).splitlines() == [
        "The old chain is broken, so it has not been re-keyed.",
        f"Sign-off #{unkeyed[1].pk} has been changed since it was recorded.",
    ]
    assert links() == before
    assert not anchor_file.exists()


@pytest.mark.django_db
def test_a_keyed_chain_is_not_re_keyed(decisions, anchor_file):
    before = links()

    with pytest.raises(CommandError, match="already linked under AUDIT_KEY: there is nothing to re-key"):
        verify("--rekey", "--anchor", str(anchor_file))

    assert links() == before


@pytest.mark.django_db
def test_re_keying_needs_an_anchor_file(unkeyed):
    with pytest.raises(CommandError, match="--rekey needs --anchor FILE"):
        verify("--rekey")


@pytest.mark.django_db
def test_a_keyed_chain_rewritten_unkeyed_is_not_laundered_by_re_keying_against_its_anchor(decisions, anchor_file):
    verify("--anchor", str(anchor_file))
    # The forger rewrites a decision and relinks everything with plain SHA-256, hoping the operator re-keys.
    raw("UPDATE tracker_signoff SET comment = 'Rewritten' WHERE id = %s", decisions[0].pk)
    relink(key=None)
    before = links()

    with pytest.raises(CommandError, match=r"(?s)has not been re-keyed.*Sign-off number 3 in the chain is not the one"):
        verify("--rekey", "--anchor", str(anchor_file))

    assert links() == before  # rolled back


@pytest.mark.django_db
def test_an_anchor_taken_before_the_upgrade_is_checked_by_re_keying(unkeyed, anchor_file):
    before_upgrade = SignOff.objects.order_by("pk").last().record_hash
    anchor_file.write_text(f"tracker-audit-anchor length=3 hash={before_upgrade} taken=2026-01-01T02:00:00+00:00\n")

    assert "re-keyed: 3 decisions" in verify("--rekey", "--anchor", str(anchor_file))


@pytest.mark.django_db
def test_changing_the_key_re_links_the_chain_checked_under_the_old_key(decisions, anchor_file, tmp_path, settings):
    relink(key=OLD_KEY)
    old_key_file = tmp_path / "old-key"
    old_key_file.write_bytes(OLD_KEY + b"\n")

    out = verify("--rekey", "--old-key-file", str(old_key_file), "--anchor", str(anchor_file))

    assert "re-keyed: 3 decisions" in out
    assert "intact: 3 decisions" in verify()
    settings.AUDIT_KEY = OLD_KEY.decode()
    with pytest.raises(CommandError, match="None of the 3 sign-offs has a link that matches it under AUDIT_KEY"):
        verify()


@pytest.mark.django_db
def test_a_wrong_old_key_re_keys_nothing(decisions, anchor_file, tmp_path):
    relink(key=OLD_KEY)
    old_key_file = tmp_path / "old-key"
    old_key_file.write_text("not the old key at all, but long enough")
    before = links()

    with pytest.raises(CommandError, match="The old chain is broken, so it has not been re-keyed"):
        verify("--rekey", "--old-key-file", str(old_key_file), "--anchor", str(anchor_file))

    assert links() == before
