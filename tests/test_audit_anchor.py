"""verify_audit --anchor FILE: the chain's head kept outside the database, which catches truncation and rollback."""

import datetime
import io
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests import factories
from tests.forgery import delete_newest_and_roll_back_head, raw, relink
from tracker import audit, services
from tracker.models import SignOff

ROOT = Path(__file__).resolve().parent.parent


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def decide(owner, reviewer, comment: str) -> SignOff:
    return services.sign_off_action(factories.ActionFactory(owner=owner, submitted=True), by=reviewer, comment=comment)


@pytest.fixture
def decisions(owner, reviewer):
    """Two sign-offs, then the newest decision: a return, which leaves the plan with nothing signed off by it."""
    returned = factories.ActionFactory(owner=owner, submitted=True)
    return [
        decide(owner, reviewer, "One"),
        decide(owner, reviewer, "Two"),
        services.return_action(returned, by=reviewer, comment="More evidence, please"),
    ]


@pytest.fixture
def anchor_file(tmp_path):
    return tmp_path / "audit-anchor"


def held(anchor_file) -> audit.Anchor:
    return audit.Anchor.parse(anchor_file.read_text())


@pytest.mark.django_db
def test_the_first_run_writes_the_anchor_readable_by_its_owner_only(decisions, anchor_file):
    out = verify("--anchor", str(anchor_file))

    assert out == (
        f"The sign-off record is intact: 3 decisions, none changed or removed; anchor written to {anchor_file}.\n"
    )
    anchor = held(anchor_file)
    assert (anchor.length, anchor.hash) == (3, decisions[2].record_hash)
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600
    assert [path.name for path in anchor_file.parent.iterdir()] == ["audit-anchor"]  # no temporary file left


@pytest.mark.django_db
def test_a_later_run_checks_the_anchor_and_moves_it_on(decisions, anchor_file, owner, reviewer):
    verify("--anchor", str(anchor_file))
    fourth = decide(owner, reviewer, "Four")

    out = verify("--anchor", str(anchor_file))

    assert out.startswith("The sign-off record is intact: 4 decisions, none changed or removed, the 3 that the anchor")
    assert out.count("\n") == 1  # one line, for the nightly job's log
    assert (held(anchor_file).length, held(anchor_file).hash) == (4, fourth.record_hash)


@pytest.mark.django_db
def test_an_anchor_on_an_empty_record_is_moved_on_by_the_first_decision(anchor_file, owner, reviewer):
    verify("--anchor", str(anchor_file))
    assert anchor_file.read_text().startswith("tracker-audit-anchor length=0 hash=- taken=")
    decide(owner, reviewer, "One")

    assert "intact: 1 decisions" in verify("--anchor", str(anchor_file))
    assert held(anchor_file).length == 1


@pytest.mark.django_db
def test_print_anchor_prints_the_head_to_keep_elsewhere(decisions):
    out = verify("--print-anchor").splitlines()

    assert out[0].startswith("The sign-off record is intact: 3 decisions")
    anchor = audit.Anchor.parse(out[1])
    assert (anchor.length, anchor.hash) == (3, decisions[2].record_hash)


@pytest.mark.django_db
def test_a_printed_anchor_kept_elsewhere_works_as_the_file(decisions, anchor_file, owner, reviewer):
    anchor_file.write_text(verify("--print-anchor").splitlines()[1] + "\n")
    delete_newest_and_roll_back_head()

    with pytest.raises(CommandError, match="saw 3 sign-offs, but the chain now holds 2"):
        verify("--anchor", str(anchor_file))


# The forger of issue 12: deletes the newest decision and rolls the chain's head back to the one before.


@pytest.mark.django_db
def test_the_newest_decision_deleted_with_the_head_rolled_back_is_not_caught_without_an_anchor(decisions):
    delete_newest_and_roll_back_head()

    # Honestly: what is left is a whole chain of genuine records, and the plan agrees with it (the deleted
    # decision was a return). Only something kept outside the database can say there were three.
    assert verify() == "The sign-off record is intact: 2 decisions, none changed or removed.\n"


@pytest.mark.django_db
def test_the_newest_approval_deleted_with_the_head_rolled_back_is_caught_by_the_plan_without_an_anchor(
    decisions, owner, reviewer
):
    approval = decide(owner, reviewer, "Four")
    delete_newest_and_roll_back_head()

    with pytest.raises(CommandError, match=rf"Action #{approval.action_id} .* is signed off, but no sign-off"):
        verify()


@pytest.mark.django_db
def test_the_newest_decision_deleted_with_the_head_rolled_back_is_caught_by_an_earlier_anchor(decisions, anchor_file):
    verify("--anchor", str(anchor_file))
    before = anchor_file.read_text()
    delete_newest_and_roll_back_head()

    with pytest.raises(CommandError) as caught:
        verify("--anchor", str(anchor_file))

    assert "The sign-off record has been tampered with:" in str(caught.value)
    taken = held(anchor_file).taken.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert f"The anchor taken {taken} saw 3 sign-offs, but the chain now holds 2: the newest were removed" in str(
        caught.value
    )
    assert anchor_file.read_text() == before  # a failed check does not move the anchor


@pytest.mark.django_db
def test_a_rolled_back_chain_grown_back_to_the_anchors_length_is_caught(decisions, anchor_file, owner, reviewer):
    verify("--anchor", str(anchor_file))
    delete_newest_and_roll_back_head()
    decide(owner, reviewer, "A new third decision, in place of the deleted one")

    with pytest.raises(CommandError, match="Sign-off number 3 in the chain is not the one the anchor taken"):
        verify("--anchor", str(anchor_file))


@pytest.mark.django_db
def test_history_rewritten_even_with_the_key_is_caught_by_the_anchor(decisions, anchor_file):
    verify("--anchor", str(anchor_file))
    # Someone who has the key as well as the database: the chain itself then verifies, the anchor does not.
    raw("UPDATE tracker_signoff SET comment = 'Rewritten' WHERE id = %s", decisions[0].pk)
    relink(key=settings.AUDIT_KEY.encode())
    assert audit.chain_problems() == []

    with pytest.raises(CommandError, match=r"Sign-off number 3 .* the records up to it were rewritten"):
        verify("--anchor", str(anchor_file))


# A file that is not an anchor, or cannot be read or written: a sentence, never a traceback.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "",
        "not an anchor\n",
        "tracker-audit-anchor length=3 hash=abc taken=2026-01-01T00:00:00+00:00\n",
        f"tracker-audit-anchor length=3 hash={'a' * 64} taken=yesterday\n",
        f"tracker-audit-anchor length=3 hash={'a' * 64} taken=2026-01-01T00:00:00\n",
        "tracker-audit-anchor length=3 hash=- taken=2026-01-01T00:00:00+00:00\n",
    ],
    ids=["empty", "words", "short-hash", "bad-time", "no-zone", "length-without-hash"],
)
def test_a_garbled_anchor_file_is_refused_with_a_clear_message_and_left_alone(decisions, anchor_file, text):
    anchor_file.write_text(text)

    with pytest.raises(CommandError, match=r"is not one verify_audit wrote .* should hold one line like"):
        verify("--anchor", str(anchor_file))

    assert anchor_file.read_text() == text


@pytest.mark.django_db
def test_an_anchor_in_a_folder_that_does_not_exist_is_refused_with_a_clear_message(decisions, tmp_path):
    with pytest.raises(CommandError, match=r"The anchor could not be written to .*: No such file or directory"):
        verify("--anchor", str(tmp_path / "missing" / "audit-anchor"))


@pytest.mark.django_db
def test_an_anchor_path_that_is_a_folder_is_refused_with_a_clear_message(decisions, tmp_path):
    with pytest.raises(CommandError, match=r"The anchor file .* cannot be read: Is a directory"):
        verify("--anchor", str(tmp_path))


# The nightly job's interface (docs/deploy.md): exit 0 and one line when intact; exit 1 and sentences when not.


def test_the_nightly_command_exits_0_with_one_line_then_1_with_a_sentence_and_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "SILENCED_SYSTEM_CHECKS"}}
    env |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.sqlite3'}",
        "EMAIL_HOST": "relay.example.police.uk",
        "TRACKER_SITE_URL": "https://tracker.example.police.uk",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    anchor_file = tmp_path / "audit-anchor"

    def manage(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    intact = manage("verify_audit", "--anchor", str(anchor_file))
    assert (intact.returncode, intact.stdout.count("\n"), intact.stderr) == (0, 1, "")
    assert intact.stdout.startswith("The sign-off record is intact: 0 decisions")

    anchor_file.write_text("tracker-audit-anchor length=2 hash=-\n")
    garbled = manage("verify_audit", "--anchor", str(anchor_file))
    assert garbled.returncode == 1
    assert garbled.stderr.startswith(f"CommandError: The anchor file {anchor_file} is not one verify_audit wrote")
    assert "Traceback" not in garbled.stderr
