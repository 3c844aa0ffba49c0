"""Settings, roles and migrations: what a fresh install depends on."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from tracker import permissions

ROOT = Path(__file__).resolve().parent.parent


def run_settings(env: dict[str, str], code: str = "from django.conf import settings; settings.DATABASES"):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = run_settings({})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_runs_without_a_secret_key():
    assert run_settings({"DEBUG": "1"}).returncode == 0


def test_database_url_chooses_the_database():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"

    default = run_settings({"DEBUG": "1"}, code)
    postgres = run_settings({"DEBUG": "1", "DATABASE_URL": "postgres://u@db.example:5432/tracker"}, code)

    assert default.stdout.strip() == "django.db.backends.sqlite3"
    assert postgres.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_is_set_up_for_several_users_at_once():
    options = settings.DATABASES["default"]["OPTIONS"]

    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_sqlite_file_database_uses_wal(tmp_path):
    code = (
        "django.setup(); from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )

    result = run_settings({"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}"}, code)

    assert result.stdout.strip() == "wal", result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_every_role_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(permissions.ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (permissions.OWNER, {"update_own_action"}),
        (permissions.LEAD, {"update_own_action", "manage_plan"}),
        (permissions.REVIEWER, {"sign_off"}),
        (permissions.AUDITOR, set()),
        (permissions.ADMINISTRATOR, set()),
    ],
)
def test_each_role_holds_exactly_its_workflow_permissions(role, allowed):
    codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))

    assert codenames & {"update_own_action", "manage_plan", "sign_off"} == allowed
    assert "view_action" in codenames
    # Nobody changes tracked records except through the workflow.
    assert not codenames & {"change_action", "delete_action", "add_signoff", "change_signoff", "delete_signoff"}


@pytest.mark.django_db
def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_other_pages_need_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"
