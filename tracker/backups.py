"""Backing up and restoring the whole record: the database (with its history) and the evidence files.

Each database backs up with its own tool, which copies a consistent
snapshot while the site keeps running: SQLite's online backup API, and
PostgreSQL's pg_dump (custom format, restored with pg_restore). Evidence
files go into a tar archive beside the database copy. A manifest gives the
SHA-256 and size of each part, and everything is readable by its owner only.

Restore is all or nothing: every part is checked against the manifest and
staged (the evidence unpacked beside MEDIA_ROOT, the SQLite copy checked)
before anything changes; then the database is replaced and the evidence
folder swapped in, and if any of that fails, both are put back as they were.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection

DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
EVIDENCE_FILE = "evidence.tar.gz"
MANIFEST_FILE = "backup.json"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason."""


def _postgres_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _postgres_args() -> list[str]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, env=_postgres_env(), check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: install the PostgreSQL client tools.") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()}") from None


def _private_file(path: Path) -> Path:
    """Create an empty file that only its owner can read or write."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _describe(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def back_up(folder: Path) -> Path:
    """Write a new backup into a fresh folder inside `folder`; return that folder."""
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
    folder = Path(folder)
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)
    target = folder / f"tracker-backup-{stamp}"
    target.mkdir(mode=0o700)
    target.chmod(0o700)
    database = _private_file(target / DATABASE_FILES[vendor])
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(database) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(database), *_postgres_args()])
    media = Path(settings.MEDIA_ROOT)
    evidence = _private_file(target / EVIDENCE_FILE)
    with tarfile.open(evidence, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    parts = {path.name: _describe(path) for path in (database, evidence)}
    manifest = {"database": vendor, "made_at": stamp, "media_root": str(media), "parts": parts}
    _private_file(target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    for path in (database, evidence, target / MANIFEST_FILE):
        path.chmod(0o600)
    return target


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups in `folder`; return those deleted, oldest first.

    Only folders this application made are touched: named tracker-backup-<time> and holding its
    manifest. Their names sort by the time they were made."""
    if keep < 1:
        raise BackupError("--keep must be at least 1: the backup just made is always kept.")
    made = sorted(
        path
        for path in Path(folder).glob("tracker-backup-*")
        if path.is_dir() and not path.is_symlink() and (path / MANIFEST_FILE).is_file()
    )
    old = made[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


def _checked_parts(backup: Path) -> tuple[Path, Path]:
    """The database part and the evidence part, each checked against the manifest."""
    try:
        manifest = json.loads((backup / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{backup} is not a backup made by this application (no readable {MANIFEST_FILE}).") from None
    vendor = connection.vendor
    if manifest.get("database") != vendor:
        raise BackupError(f"This backup is of a {manifest.get('database')} database; this site uses {vendor}.")
    parts = manifest.get("parts")
    if not isinstance(parts, dict):
        raise BackupError(f"{MANIFEST_FILE} lists no parts with their checksums, so the backup cannot be checked.")
    for name in (DATABASE_FILES[vendor], EVIDENCE_FILE):
        path = backup / name
        if not path.is_file():
            raise BackupError(f"The backup has no {name}.")
        if name not in parts or _describe(path) != parts[name]:
            raise BackupError(f"{name} does not match its checksum in {MANIFEST_FILE}: it is damaged or was changed.")
    return backup / DATABASE_FILES[vendor], backup / EVIDENCE_FILE


def _extract_data(tar: tarfile.TarFile, target: Path) -> None:
    """Unpack plain files and folders only, inside `target`, owned by whoever restores, as tarfile's
    "data" filter does. Python before 3.11.4 (Debian 12's is 3.11.2) has no filters: the same rules here."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(target, filter="data")
        return
    members = tar.getmembers()
    for member in members:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise tarfile.TarError(f"{member.name} is not a plain file or folder inside the archive")
        member.mode &= 0o755  # no setuid, setgid or sticky bit; nothing writable by others
        member.uid, member.gid, member.uname, member.gname = os.geteuid(), os.getegid(), "", ""
    # Every member was checked above.
    tar.extractall(target, members=members)  # noqa: S202  # nosec B202


def _stage_evidence(archive: Path, media: Path) -> Path:
    """Unpack the evidence into a new folder beside MEDIA_ROOT; return the folder to swap in."""
    media.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=media.name + ".restoring-", dir=media.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            _extract_data(tar, staging)
    except (OSError, tarfile.TarError, EOFError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"{archive.name} cannot be unpacked: {error}") from None
    restored = staging / "media"
    restored.mkdir(exist_ok=True)
    return staging


def _check_sqlite_copy(database: Path) -> None:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as copy:
            result = copy.execute("PRAGMA integrity_check").fetchone()
        copy.close()
    except sqlite3.Error as error:
        raise BackupError(f"{database.name} is not a readable SQLite database: {error}") from None
    if result != ("ok",):
        raise BackupError(f"{database.name} fails SQLite's integrity check: {result[0]}")


def _keep_database(safety: Path) -> None:
    """Copy the live database into `safety`, so that it can be put back."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(safety) as kept:
            connection.connection.backup(kept)
        kept.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(safety), *_postgres_args()])


def _replace_database(database: Path) -> None:
    if connection.vendor == "sqlite":
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as source:
            source.backup(connection.connection)
        source.close()
    else:
        _pg_restore(database)


def _pg_restore(dump: Path) -> None:
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *_postgres_args(), str(dump)])


def _put_database_back(safety: Path) -> None:
    if connection.vendor == "sqlite":
        with sqlite3.connect(safety) as kept:
            kept.backup(connection.connection)
        kept.close()
    else:
        _pg_restore(safety)


def restore(backup: Path) -> None:
    """Replace the database and the evidence files with those in a backup folder, or change nothing.

    Raises BackupError whose message says whether anything was changed.
    """
    backup = Path(backup)
    media = Path(settings.MEDIA_ROOT)
    work = None
    try:
        database, evidence = _checked_parts(backup)
        if connection.vendor == "sqlite":
            _check_sqlite_copy(database)
        work = Path(tempfile.mkdtemp(prefix="tracker-restore-"))
        safety = _private_file(work / "database-before-restore")
        staging = _stage_evidence(evidence, media)
    except (BackupError, OSError, sqlite3.Error) as error:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"nothing was changed. {error}") from None
    aside = media.with_name(media.name + ".before-restore")
    database_touched = media_moved = False
    try:
        _keep_database(safety)
        # From here the live database may differ from the copy kept (a failed SQLite copy can stop halfway).
        database_touched = True
        _replace_database(database)
        if media.exists():
            media.rename(aside)
            media_moved = True
        (staging / "media").rename(media)
    except (BackupError, OSError, sqlite3.Error) as error:
        try:
            if media_moved:
                aside.rename(media)
                media_moved = False
            if database_touched:
                _put_database_back(safety)
        except (BackupError, OSError, sqlite3.Error) as undo_error:
            raise BackupError(
                f"the restore failed ({error}) and putting things back failed too ({undo_error}): "
                f"the database as it was is kept in {safety}, the evidence folder as it was in "
                f"{aside if media_moved else media}."
            ) from None
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"everything was put back as it was. {error}") from None
    shutil.rmtree(staging, ignore_errors=True)
    if media_moved:
        shutil.rmtree(aside, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
