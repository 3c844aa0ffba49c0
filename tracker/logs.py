"""The site's log: one JSON object per line on standard output, for an operator's log collector.

Every line has the time, level, logger and message; a line written while a
request is served also has its request id and the signed-in person's id. Only
the fields named in FIELDS are written, so nothing a person typed (a password,
a note) reaches the log by way of a logging call's extra data. Sign-ins, their
failures and lockouts are logged here from Django's and django-axes's signals,
with the client's address (tracker/client_address.py);
each request, with a refusal's reason, by tracker.middleware.RequestLog.
"""

import contextvars
import datetime
import json
import logging
import re
import traceback
import uuid

from django.utils.functional import empty

log = logging.getLogger("tracker")

# The request being served in this thread or task, for RequestContext.
current_request = contextvars.ContextVar("current_request", default=None)

FIELDS = (
    "event",
    "request_id",
    "user_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "reason",
    "username",
    "sign_in_with",
    "client_address",
)

# A proxy's X-Request-ID is kept when it looks like an id (nginx's $request_id, a UUID), else we make one.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")


def request_id_for(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def user_id_of(request) -> int | None:
    """The signed-in person's id, if this request has already looked them up (never a query from a log line)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:
        return None
    return wrapped.pk


class RequestContext(logging.Filter):
    """Adds the current request's id and person to every record written while it is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request.get()
        if request is not None:
            if getattr(record, "request_id", None) is None:
                record.request_id = getattr(request, "request_id", None)
            if getattr(record, "user_id", None) is None:
                record.user_id = user_id_of(request)
        return True


class OneLineWarning(logging.Filter):
    """Turns a record into a warning without its traceback (for django.security.DisallowedHost)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = f"{type(error).__name__}: {error}"
            if record.levelno >= logging.ERROR:
                line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        # json.dumps escapes newlines, so a traceback stays on its one line.
        return json.dumps(line, default=str)


def address_of(request) -> str | None:
    """The client's address for a sign-in line, by the rule the lockout and the throttle use."""
    from .client_address import client_address  # imported late: LOGGING loads this module before the apps

    return client_address(request) if request is not None else None


def signed_in(sender, request, user, **kwargs):
    # How: "single sign-on" (tracker/sso.py) or "password".
    how = "single sign-on" if getattr(user, "backend", "") == "tracker.sso.SingleSignOnBackend" else "password"
    log.info(
        "Signed in",
        extra={"event": "sign_in", "user_id": user.pk, "sign_in_with": how, "client_address": address_of(request)},
    )


def signed_out(sender, request, user, **kwargs):
    log.info("Signed out", extra={"event": "sign_out", "user_id": getattr(user, "pk", None)})


def sign_in_failed(sender, credentials, request=None, **kwargs):
    if "nonce" in credentials:
        return  # a refused single sign-on: tracker/sso.py logs it with its reason
    # The username and address only: Django masks the password in credentials, and it is never written anyway.
    log.warning(
        "Sign-in failed",
        extra={
            "event": "sign_in_failed",
            "username": credentials.get("username"),
            "client_address": address_of(request),
        },
    )


def locked_out(sender, request, username, ip_address, **kwargs):
    log.warning(
        "Sign-in locked out after repeated failures",
        extra={"event": "sign_in_locked_out", "username": username, "client_address": ip_address},
    )


def connect_signals() -> None:
    """Called from TrackerConfig.ready: this module is also loaded by LOGGING, before the apps are."""
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(signed_in, dispatch_uid="tracker.logs.signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="tracker.logs.signed_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="tracker.logs.sign_in_failed")
    user_locked_out.connect(locked_out, dispatch_uid="tracker.logs.locked_out")
