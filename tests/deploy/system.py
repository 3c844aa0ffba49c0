"""What the deploy check's steps share: its names, and running a command, as root or another user."""

import socket
import subprocess  # nosec B404 - the check drives nginx, openssl, psql and the site's own commands
import time

DATABASE = ROLE = "h_deploy_check"  # this check's own names; dropped at the end
RESTORE_DATABASE = "h_deploy_check_restore"
POSTGRES = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
SERVICE_USER = "tracker-check"
OWNER, REVIEWER, LOCKED = "owner", "reviewer", "dan.whitlock"  # demo accounts: an Action owner, a PCC reviewer
MB = 1024 * 1024


def as_user(user: str | None) -> dict:
    """subprocess's arguments that run a command as `user` and its group only, as systemd's User= does
    (user= alone would keep root's groups); none for root."""
    return {"user": user, "group": user, "extra_groups": []} if user else {}


def run(command: list[str], *, user: str | None = None, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **as_user(user), **kwargs)  # nosec B603
    if check and result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-800:]
        raise AssertionError(f"{' '.join(command[:4])} ... exited {result.returncode}: {output}")
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url_check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if url_check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not answer within {seconds:.0f} s")
