"""The evidence archive is unpacked as plain files and folders inside the staging folder, on every
Python the site runs on: with tarfile's "data" filter, and without it (before 3.11.4, as Debian 12's)."""

import io
import tarfile

import pytest

from tracker.backups import BackupError, _stage_evidence


def archive(tmp_path, *members: tarfile.TarInfo, content: bytes = b"%PDF-1.4\n") -> str:
    path = tmp_path / "evidence.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if member.isfile():
                member.size = len(content)
                tar.addfile(member, io.BytesIO(content))
            else:
                tar.addfile(member)
    return path


def entry(name: str, kind=tarfile.REGTYPE, **attrs) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = kind
    for key, value in attrs.items():
        setattr(member, key, value)
    return member


@pytest.fixture(params=["with the data filter", "without filters"])
def python(request, monkeypatch):
    if request.param == "without filters":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    elif not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile filters")


def test_plain_files_and_folders_unpack(tmp_path, python):
    made = archive(tmp_path, entry("media", tarfile.DIRTYPE, mode=0o755),
                   entry("media/evidence/a.pdf", mode=0o4777))  # fmt: skip
    staging = _stage_evidence(made, tmp_path / "live" / "media")
    restored = staging / "media" / "evidence" / "a.pdf"
    assert restored.read_bytes() == b"%PDF-1.4\n"
    assert restored.stat().st_mode & 0o7022 == 0  # no setuid bit, nothing writable by others


@pytest.mark.parametrize(
    "hostile",
    [
        entry("../escaped.pdf"),
        entry("media/link", tarfile.SYMTYPE, linkname="/etc/passwd"),
        entry("media/device", tarfile.CHRTYPE),
    ],
    ids=["parent", "symlink", "device"],
)
def test_anything_else_is_refused_and_nothing_is_left(tmp_path, python, hostile):
    made = archive(tmp_path, entry("media", tarfile.DIRTYPE), hostile)
    (tmp_path / "live").mkdir()
    with pytest.raises(BackupError, match="cannot be unpacked"):
        _stage_evidence(made, tmp_path / "live" / "media")
    assert list((tmp_path / "live").iterdir()) == []
    assert not (tmp_path / "escaped.pdf").exists()


def test_an_absolute_name_lands_inside_the_staging_folder_or_nowhere(tmp_path, python):
    made = archive(tmp_path, entry("media", tarfile.DIRTYPE), entry(str(tmp_path / "absolute.pdf")))
    try:
        staging = _stage_evidence(made, tmp_path / "live" / "media")
    except BackupError:
        staging = None  # refused (without the filter)
    assert not (tmp_path / "absolute.pdf").exists()
    if staging is not None:  # the data filter drops the leading "/"
        assert list(staging.rglob("absolute.pdf"))
