"""Back up, change, restore: the data, its history and the evidence files are as they were."""

import io
import os
import re
import stat
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests import factories
from tracker import services
from tracker.audit import chain_problems
from tracker.models import Action, ProgressUpdate, SignOff

PDF = b"%PDF-1.4 control room audit\n%%EOF\n"


def snapshot() -> dict:
    return {
        "actions": list(Action.objects.order_by("pk").values_list("pk", "title", "status", "version")),
        "history": list(Action.history.order_by("history_id").values_list("history_id", "title", "history_user_id")),
        "notes": list(ProgressUpdate.objects.order_by("pk").values_list("pk", "note")),
        "sign_offs": list(SignOff.objects.order_by("pk").values_list("pk", "record_hash")),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_back_up_change_restore(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, lead, reviewer = factories.OwnerFactory(), factories.LeadFactory(), factories.ReviewerFactory()
    action = services.create_action(
        factories.FindingFactory(), by=lead, title="Audit THRIVE", owner=owner, due_date=factories.TODAY
    )
    services.record_progress(action, by=owner, note="Started", move_to=Action.Status.IN_PROGRESS)
    evidence = services.add_evidence(action, by=owner, title="Audit", file=SimpleUploadedFile("audit.pdf", PDF))
    services.submit_for_sign_off(action, by=owner)
    services.sign_off_action(action, by=reviewer, comment="Seen")
    before = snapshot()
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    backup = Path(out.getvalue().split("Backed up to ", 1)[1].strip())

    # Changes after the backup: a new action with its history, and the evidence file lost.
    other = services.create_action(action.finding, by=lead, title="Later", owner=owner, due_date=factories.TODAY)
    services.record_progress(other, by=owner, note="Later note")
    Path(evidence.file.path).unlink()
    assert snapshot() != before

    call_command("restore", str(backup), no_input=True, stdout=io.StringIO())

    assert snapshot() == before
    assert Path(evidence.file.path).read_bytes() == PDF
    assert chain_problems() == []


@pytest.mark.django_db
def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup made by this application"):
        call_command("restore", str(tmp_path), no_input=True)


@pytest.mark.django_db
def test_restore_asks_first_and_changes_nothing_when_told_no(tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Restore cancelled: nothing was changed"):
        call_command("restore", str(tmp_path))


def _plan_with_evidence(tmp_path, settings):
    """A plan with an action, its history and one evidence file; return it with a fresh backup of it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, lead = factories.OwnerFactory(), factories.LeadFactory()
    action = services.create_action(
        factories.FindingFactory(), by=lead, title="Audit THRIVE", owner=owner, due_date=factories.TODAY
    )
    evidence = services.add_evidence(action, by=owner, title="Audit", file=SimpleUploadedFile("audit.pdf", PDF))
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    backup = Path(out.getvalue().split("Backed up to ", 1)[1].strip())
    # Changes after the backup, which a refused or failed restore must leave in place.
    services.create_action(action.finding, by=lead, title="Later", owner=owner, due_date=factories.TODAY)
    Path(evidence.file.path).write_bytes(b"%PDF-1.4 changed after the backup\n%%EOF\n")
    (Path(settings.MEDIA_ROOT) / "added-later.txt").write_text("later")
    return backup


def media_files(settings) -> dict:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def truncate_evidence(backup: Path) -> str:
    archive = backup / "evidence.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-40])
    return "evidence.tar.gz"


def alter_database(backup: Path) -> str:
    (database,) = [path for path in backup.iterdir() if path.name.startswith("database.")]
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    return database.name


def remove_manifest(backup: Path) -> str:
    (backup / "backup.json").unlink()
    return "backup.json"


@pytest.mark.parametrize("damage", [truncate_evidence, alter_database, remove_manifest])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path, settings, damage):
    backup = _plan_with_evidence(tmp_path, settings)
    before, files_before = snapshot(), media_files(settings)
    part = damage(backup)

    with pytest.raises(CommandError, match=rf"nothing was changed\..*{re.escape(part)}"):
        call_command("restore", str(backup), no_input=True, stdout=io.StringIO())

    assert snapshot() == before
    assert media_files(settings) == files_before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_while_swapping_puts_everything_back(tmp_path, settings):
    backup = _plan_with_evidence(tmp_path, settings)
    before, files_before = snapshot(), media_files(settings)
    # The old evidence folder cannot be moved aside, after the database has been replaced.
    blocker = tmp_path / "media.before-restore"
    blocker.write_text("in the way")

    with pytest.raises(CommandError, match=r"everything was put back as it was\..*media\.before-restore"):
        call_command("restore", str(backup), no_input=True, stdout=io.StringIO())

    assert snapshot() == before
    assert media_files(settings) == files_before
    assert blocker.read_text() == "in the way"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backups", "media", "media.before-restore"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backups_are_readable_by_their_owner_only(tmp_path, settings):
    backup = _plan_with_evidence(tmp_path, settings)

    assert stat.S_IMODE(os.stat(tmp_path / "backups").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o700
    parts = sorted(backup.iterdir())
    assert len(parts) == 3
    assert {path.name: stat.S_IMODE(os.stat(path).st_mode) for path in parts} == {path.name: 0o600 for path in parts}
