"""make seed (and so make run): the demo password and the second factor setting it hands to seed_demo.

The real Makefile runs in a scratch folder with a stand-in for the virtualenv's python, which prints what
it was given instead of seeding; the migrate step is taken as done (make -o migrate).
"""

import os
import shutil
import subprocess  # nosec B404 - runs make on a copy of this project's Makefile, in a test
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAKE_PYTHON = """#!/bin/sh
echo "args=$*"
echo "DEMO_PASSWORD=$DEMO_PASSWORD"
echo "TRACKER_MFA=$TRACKER_MFA"
"""

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="no make on this machine")


@pytest.fixture
def checkout(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".demo-password").write_text("from-the-file\n")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return tmp_path


def make_seed(checkout, **env) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DEMO_PASSWORD", "TRACKER_MFA"}}
    result = subprocess.run(  # nosec B603 - a fixed command
        [MAKE, "-s", "-o", "migrate", "seed", "VENV=venv"],
        cwd=checkout,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_demo_password_from_the_environment_wins(checkout):
    given = make_seed(checkout, DEMO_PASSWORD="chosen by me, not the file")

    assert given["args"] == "manage.py seed_demo"
    assert given["DEMO_PASSWORD"] == "chosen by me, not the file"


def test_without_it_the_checkouts_demo_password_file_is_used(checkout):
    assert make_seed(checkout)["DEMO_PASSWORD"] == "from-the-file"
    assert make_seed(checkout, DEMO_PASSWORD="")["DEMO_PASSWORD"] == "from-the-file"


def test_the_local_demo_runs_without_a_second_factor_unless_told_otherwise(checkout):
    assert make_seed(checkout)["TRACKER_MFA"] == "off"
    assert make_seed(checkout, TRACKER_MFA="powers")["TRACKER_MFA"] == "powers"


def test_make_run_serves_the_demo_with_the_same_setting():
    dry_run = subprocess.run(  # nosec B603 - a fixed command
        [MAKE, "-n", "-o", "seed", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    assert 'TRACKER_MFA="${TRACKER_MFA:-off}"' in dry_run and "runserver" in dry_run
