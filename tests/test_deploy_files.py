"""The files docs/deploy/ ships are right on their own: every scheduled command exists and takes its
options, the settings example passes the gate once its secrets are filled in, nginx sends the one client
address the lockout counts, and tracker-manage reports a failure to a person. `make deploy-check` runs
them all for real; these catch a renamed command or option without it."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import load_command_class
from django.core.management.base import CommandError

from tests.deploy import shape
from tracker.middleware import UPLOAD_FORM_ALLOWANCE

DOCS = shape.DOCS
_, JOBS = shape.crontab(None)


def test_the_crontab_runs_reminders_notifications_backups_and_the_audit_check_as_the_service_user():
    names = [job.command[1] for job in JOBS]
    assert sorted(names) == ["backup", "send_notifications", "send_reminders", "verify_audit"]
    assert {job.user for job in JOBS} == {"tracker"}
    assert all(job.command[0].endswith("/docs/deploy/tracker-manage") for job in JOBS)
    text = (DOCS / "tracker.cron").read_text()
    assert re.search(r"^MAILTO=\S+@\S+$", text, re.MULTILINE), "a failure must be mailed to someone"


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.command[1])
def test_each_scheduled_command_exists_and_takes_its_options(job):
    name, *args = job.command[1:]
    command = load_command_class("tracker", name)
    parser = command.create_parser("manage.py", name)
    try:
        parser.parse_args(args)
    except CommandError as error:
        pytest.fail(f"tracker.cron's {name} line does not parse: {error}")


def example_settings(**more) -> dict[str, str]:
    values = shape.read_settings(DOCS / "tracker.env.example")
    secrets = {key: value for key, value in values.items() if "CHANGE-ME" in value}
    assert {"SECRET_KEY", "AUDIT_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD"} <= set(secrets), secrets
    filled = {
        key: re.sub(r"CHANGE-ME[\w-]*", "x7Qp-Lm2Vd9Kr4Ts8Wn3Hb6Yc1Jf5Gz0" * 2, value) for key, value in values.items()
    }
    filled["AUDIT_KEY"] = "k9Zr-Ua3Ee7Ny5Bw2Pq8Xs4Mt6Gh1Do0" * 2  # a key of its own, not the SECRET_KEY
    return {**filled, **more}


def test_the_settings_example_passes_the_gate_once_its_secrets_are_filled_in():
    env = {"PATH": os.environ["PATH"], **example_settings()}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert env["TRUSTED_PROXIES"] == "1"
    assert env["MEDIA_ROOT"].startswith("/var/lib/tracker/")


def test_nginx_sends_one_client_address_and_lets_the_evidence_limit_through():
    conf = (DOCS / "nginx-tracker.conf").read_text()
    active = [line.split("#", 1)[0].strip() for line in conf.splitlines() if line.split("#", 1)[0].strip()]
    assert active.count("proxy_set_header X-Forwarded-For $remote_addr;") == 2  # the HTTP and HTTPS servers
    assert not [line for line in active if "proxy_add_x_forwarded_for" in line]
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in active
    assert "proxy_set_header Host $host;" in active
    assert "proxy_set_header X-Request-ID $request_id;" in active
    megabytes = int(re.search(r"^client_max_body_size (\d+)m;$", "\n".join(active), re.MULTILINE).group(1))
    assert megabytes * 1024 * 1024 > settings.TRACKER_EVIDENCE_MAX_BYTES + UPLOAD_FORM_ALLOWANCE


def test_the_unit_runs_the_gate_then_gunicorn_where_nginx_sends_requests():
    unit = shape.unit(None)
    assert unit.user == "tracker"
    assert unit.environment_file == "/etc/tracker/tracker.env"
    gate = ["/srv/tracker/.venv/bin/python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    assert unit.start_pre == [gate]
    assert unit.start[:4] == ["/srv/tracker/.venv/bin/gunicorn", "config.wsgi", "--bind", "127.0.0.1:8000"]
    assert "proxy_pass http://127.0.0.1:8000;" in (DOCS / "nginx-tracker.conf").read_text()


def tracker_manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "tracker.env"
    env_file.write_text("# the settings\nDEBUG=1\nDEFAULT_FROM_EMAIL=Tracker <tracker@example.test>\n")
    return subprocess.run(
        [str(DOCS / "tracker-manage"), *args],
        env={
            "PATH": os.environ["PATH"],
            "TRACKER_ENV": str(env_file),
            "TRACKER_JOB_LOG": str(tmp_path / "jobs.log"),
            "TRACKER_PYTHON": sys.executable,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_tracker_manage_is_silent_when_a_job_succeeds_and_logs_it(tmp_path):
    result = tracker_manage(tmp_path, "check")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    log = (tmp_path / "jobs.log").read_text().splitlines()
    assert "System check identified no issues" in log[0]
    assert re.fullmatch(r"\S+Z tracker-manage check OK \(exit 0, \d+ s\)", log[-1])


def test_a_failing_job_exits_non_zero_and_says_so_where_cron_mails_it(tmp_path):
    result = tracker_manage(tmp_path, "send_reminders", "--no-such-option")
    assert result.returncode != 0
    assert "unrecognized arguments: --no-such-option" in result.stderr
    assert re.search(r"tracker-manage send_reminders FAILED \(exit [1-9]\d*, \d+ s\)$", result.stderr.strip())
    assert "FAILED" in (tmp_path / "jobs.log").read_text().splitlines()[-1]


def test_settings_given_before_the_command_override_the_file(tmp_path):
    show = "from django.conf import settings; print(settings.DEFAULT_FROM_EMAIL)"
    result = tracker_manage(
        tmp_path, "DEFAULT_FROM_EMAIL=scratch@example.test", "shell", "-c", show, TRACKER_JOB_ECHO="1"
    )
    assert result.returncode == 0, result.stdout
    assert "scratch@example.test" in result.stdout.splitlines()


def test_tracker_manage_refuses_to_run_without_its_settings(tmp_path):
    result = subprocess.run(
        [str(DOCS / "tracker-manage"), "check"],
        env={"PATH": os.environ["PATH"], "TRACKER_ENV": str(tmp_path / "missing.env")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot read the settings" in result.stderr
