"""A findings file uploaded on the import page, kept between the page that checks it and the import.

The bytes go to a file of their own under MEDIA_ROOT/imports, named by a random token; the session holds
the token and the file's name, one file per inspection, so only the person who uploaded it reaches it.
A newer upload, the import and the end of the session's life (an idle session is forgotten after
SESSION_COOKIE_AGE) each let it go: files older than that are removed whenever a file is kept.
"""

import contextlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import Inspection

FOLDER = "imports"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) gives


@dataclass(frozen=True)
class KeptFile:
    token: str
    name: str
    data: bytes


def _key(inspection: Inspection) -> str:
    return f"findings_import:{inspection.pk}"


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def keep(session, inspection: Inspection, data: bytes, name: str) -> KeptFile:
    """Keep the file for this session and inspection, in place of any kept before."""
    discard(session, inspection)
    _remove_stale()
    token = secrets.token_urlsafe(32)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / token).write_bytes(data)
    session[_key(inspection)] = {"token": token, "name": name}
    return KeptFile(token, name, data)


def kept(session, inspection: Inspection) -> KeptFile | None:
    """The file kept for this session and inspection, or None (none uploaded, imported already, or removed)."""
    entry = session.get(_key(inspection))
    if not isinstance(entry, dict) or not TOKEN.fullmatch(str(entry.get("token", ""))):
        return None
    try:
        data = (_folder() / entry["token"]).read_bytes()
    except FileNotFoundError:
        return None
    return KeptFile(entry["token"], str(entry.get("name", "")), data)


def discard(session, inspection: Inspection) -> None:
    entry = session.pop(_key(inspection), None)
    if isinstance(entry, dict) and TOKEN.fullmatch(str(entry.get("token", ""))):
        (_folder() / entry["token"]).unlink(missing_ok=True)


def _remove_stale() -> None:
    """Files no session can reach any more: older than a session lives without a request."""
    folder = _folder()
    if not folder.is_dir():
        return
    oldest = time.time() - settings.SESSION_COOKIE_AGE
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # removed by another request meanwhile
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink()
