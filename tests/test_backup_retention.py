"""backup --keep N: the nightly backup keeps the N newest and deletes the rest, and nothing else.

Transactional tests, as in test_backup.py: SQLite cannot copy a database while a test transaction holds it."""

import io

import pytest
from django.core.management import CommandError, call_command


def made_backups(folder) -> list[str]:
    return sorted(path.name for path in folder.glob("tracker-backup-*"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_keep_deletes_all_but_the_newest(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backups"
    for _ in range(3):
        call_command("backup", str(folder), stdout=io.StringIO())
    three = made_backups(folder)

    out = io.StringIO()
    call_command("backup", str(folder), "--keep", "2", stdout=out)

    kept = made_backups(folder)
    assert len(kept) == 2
    assert kept[0] == three[-1]  # the newest of the earlier three, and the one just made
    assert kept[1] not in three
    assert out.getvalue().count("Deleted the older backup") == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_keep_touches_only_backups_this_application_made(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "tracker-backup-00000000-notes").mkdir()  # no manifest: someone else's folder
    (folder / "keep-me.txt").write_text("operator's notes")

    call_command("backup", str(folder), "--keep", "1", stdout=io.StringIO())
    call_command("backup", str(folder), "--keep", "1", stdout=io.StringIO())

    assert (folder / "tracker-backup-00000000-notes").is_dir()
    assert (folder / "keep-me.txt").read_text() == "operator's notes"
    assert len([path for path in folder.glob("tracker-backup-*") if (path / "backup.json").exists()]) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_keep_below_one_is_refused_before_any_backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backups"
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        call_command("backup", str(folder), "--keep", "0", stdout=io.StringIO())
    assert not folder.exists()
