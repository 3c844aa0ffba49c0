"""Back up, change, restore: the data, its history and the evidence files are as they were."""

import io
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
