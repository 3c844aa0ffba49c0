"""Backing up and restoring the whole record: the database (with its history) and the evidence files.

Each database backs up with its own tool, which copies a consistent
snapshot while the site keeps running: SQLite's online backup API, and
PostgreSQL's pg_dump (custom format, restored with pg_restore). Evidence
files go into a tar archive beside the database copy.
"""

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

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


def back_up(folder: Path) -> Path:
    """Write a new backup into a fresh folder inside `folder`; return that folder."""
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = Path(folder) / f"tracker-backup-{stamp}"
    target.mkdir(parents=True)
    database = target / DATABASE_FILES[vendor]
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(database) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(database), *_postgres_args()])
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / EVIDENCE_FILE, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    manifest = {"database": vendor, "made_at": stamp, "media_root": str(media)}
    (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    return target


def restore(backup: Path) -> None:
    """Replace the database and the evidence files with those in a backup folder."""
    backup = Path(backup)
    try:
        manifest = json.loads((backup / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{backup} is not a backup made by this application (no readable {MANIFEST_FILE}).") from None
    vendor = connection.vendor
    if manifest.get("database") != vendor:
        raise BackupError(f"This backup is of a {manifest.get('database')} database; this site uses {vendor}.")
    database = backup / DATABASE_FILES[vendor]
    if not database.exists():
        raise BackupError(f"The backup has no {database.name}.")
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(database) as source:
            source.backup(connection.connection)
        source.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_postgres_args(),
                str(database),
            ]
        )
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(backup / EVIDENCE_FILE, "r:gz") as archive:
        staging = media.with_name(media.name + ".restoring")
        shutil.rmtree(staging, ignore_errors=True)
        archive.extractall(staging, filter="data")
        shutil.rmtree(media, ignore_errors=True)
        restored = staging / "media"
        if restored.exists():
            restored.rename(media)
        else:
            media.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
