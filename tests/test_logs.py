"""The log: one JSON line per event on standard output, with the request id and the person, never what they typed."""

import io
import json
import logging
import re
import sys

import pytest
from django.conf import settings
from django.utils.html import escape

from tests import factories
from tracker.logs import JsonFormatter

PASSWORD = "correct horse battery staple"


@pytest.fixture
def log_output():
    """What the site's configured log handler writes, captured in place of standard output."""
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    captured = io.StringIO()
    original = handler.setStream(captured)

    def lines() -> list[dict]:
        text = captured.getvalue()
        return [json.loads(line) for line in text.splitlines()]

    lines.text = captured.getvalue
    yield lines
    handler.setStream(original)


def events(lines: list[dict], event: str) -> list[dict]:
    return [line for line in lines if line.get("event") == event]


def test_the_log_goes_to_standard_output_at_the_level_set():
    handler = settings.LOGGING["handlers"]["stdout"]

    assert handler["stream"] == "ext://sys.stdout"
    assert settings.LOGGING["root"]["level"] == "INFO"
    assert logging.getLogger().getEffectiveLevel() == logging.INFO


@pytest.mark.django_db
def test_each_request_is_one_line_with_its_id_and_the_person(client, owner, log_output):
    client.force_login(owner)

    response = client.get("/actions/")

    [line] = events(log_output(), "request")
    assert line["method"] == "GET" and line["path"] == "/actions/" and line["status"] == 200
    assert line["user_id"] == owner.pk
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert response["X-Request-ID"] == line["request_id"]
    assert line["level"] == "INFO" and isinstance(line["duration_ms"], int)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "kept"), [("0f8fad5b-d9cb-469f-a165-70867728950e", True), ("a b", False), ("x" * 200, False)]
)
def test_the_proxys_request_id_is_kept_when_it_looks_like_one(client, log_output, given, kept):
    response = client.get("/accounts/login/", headers={"x-request-id": given})

    [line] = events(log_output(), "request")
    assert response["X-Request-ID"] == line["request_id"]
    assert (line["request_id"] == given) is kept


@pytest.mark.django_db
def test_sign_in_and_its_failure_are_logged_without_the_password(client, log_output):
    person = factories.OwnerFactory(username="dsupt")

    client.post("/accounts/login/", {"username": "dsupt", "password": "not-the-password-xyzzy"})
    client.post("/accounts/login/", {"username": "dsupt", "password": PASSWORD})

    lines = log_output()
    [failed] = events(lines, "sign_in_failed")
    [signed_in] = events(lines, "sign_in")
    assert failed["username"] == "dsupt" and failed["level"] == "WARNING" and failed["request_id"]
    assert signed_in["user_id"] == person.pk
    assert "not-the-password-xyzzy" not in log_output.text()
    assert PASSWORD not in log_output.text()


@pytest.mark.django_db
def test_a_lockout_is_logged(client, settings, log_output):
    factories.OwnerFactory(username="dsupt")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "dsupt", "password": "wrong password"})

    [locked] = events(log_output(), "sign_in_locked_out")
    assert locked["username"] == "dsupt" and locked["level"] == "WARNING"


@pytest.mark.django_db
def test_a_refusal_is_logged_with_its_reason(client, owner, other_owner, log_output):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(other_owner)

    response = client.post(f"/actions/{action.pk}/progress/", {"note": "Not mine to write"})

    assert response.status_code == 403
    [line] = events(log_output(), "request")
    assert line["status"] == 403 and line["level"] == "WARNING"
    # The reason the person was shown on the 403 page.
    assert line["reason"] and escape(line["reason"]) in response.content.decode()
    assert line["user_id"] == other_owner.pk


@pytest.mark.django_db
def test_a_progress_notes_text_is_not_logged(client, owner, log_output):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    response = client.post(f"/actions/{action.pk}/progress/", {"note": "Met the custody sergeant-zq81 today"})

    assert response.status_code == 302
    assert events(log_output(), "request")
    assert "zq81" not in log_output.text()


@pytest.mark.django_db
def test_a_bad_host_header_is_one_warning_line_not_a_traceback(client, settings, log_output):
    settings.ALLOWED_HOSTS = ["tracker.example.police.uk"]

    response = client.get("/actions/", headers={"host": "evil.example"})

    assert response.status_code == 400
    lines = log_output()
    [refused] = [line for line in lines if line["logger"] == "django.security.DisallowedHost"]
    assert refused["level"] == "WARNING"
    assert "evil.example" in refused["message"]
    assert "traceback" not in refused
    assert "Traceback" not in log_output.text()
    assert [line["status"] for line in events(lines, "request")] == [400]


def test_a_service_error_is_one_line_with_its_traceback(log_output):
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        logging.getLogger("django.request").error("Internal Server Error: %s", "/actions/", exc_info=sys.exc_info())

    [line] = log_output()
    assert line["level"] == "ERROR"
    assert line["error"] == "RuntimeError: the database went away"
    assert "Traceback (most recent call last)" in line["traceback"]
    assert log_output.text().count("\n") == 1
