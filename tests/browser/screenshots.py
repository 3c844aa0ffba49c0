"""Screenshots of the main pages as each demo account sees them, into screenshots/ (not kept in git).

    make screenshots
    .venv/bin/python -m tests.browser.screenshots [--output DIR]

Builds a fresh demo database (migrate and seed_demo into a temporary SQLite
file), serves it with gunicorn on a free loopback port, signs in as each demo
account in Debian's Chromium and saves full-page PNGs 1280 pixels wide, and
the same pages again at a phone's 390 (named ...-phone.png). The demo's dates
are relative to today, so the pictures change from day to day.
"""

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.chromium import CONTEXT_OPTIONS, PHONE_VIEWPORT, chromium_missing, launch

ROOT = Path(__file__).resolve().parents[2]
# The full set is made on demand and not kept in git; the README keeps a few, optimised, in docs/screenshots/.
OUTPUT = ROOT / "screenshots"

# Each account's action page: one that shows what that role does on it.
ACTION_FOR = {
    "owner": "Introduce an initial investigation checklist for response officers",
    "lead": "Train investigators and supervisors in stalking and harassment investigation",
    "reviewer": "Set a minimum standard for supervisory review of investigations",
    "auditor": "Control room supervisors dip-sample call handlers' risk assessments every week",
    "admin": "Control room supervisors dip-sample call handlers' risk assessments every week",
}
INSPECTION = re.compile(r"^PEEL: Police effectiveness 2016\b")
FINDING = "Rec1"
# Each set: the window, and what its files' names end with.
SIZES = {"": CONTEXT_OPTIONS["viewport"], "-phone": PHONE_VIEWPORT}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_environment(folder: Path, password: str) -> dict[str, str]:
    return {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEY": secrets.token_urlsafe(50),
        "DEBUG": "",
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback interface, for this throwaway copy only.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DEMO_PASSWORD": password,
        # The demo accounts sign in with the password alone, as in make run (tracker/mfa.py).
        "TRACKER_MFA": "off",
        "LOG_LEVEL": "ERROR",
        # This copy sends no mail and is reached on loopback only (tracker/checks.py would refuse it otherwise).
        "SILENCED_SYSTEM_CHECKS": "tracker.E001,tracker.E002",
    }


@contextmanager
def demo_site() -> Iterator[tuple[str, str]]:
    """A freshly seeded demo site, served until the block ends: (its URL, the demo password)."""
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="tracker-screenshots-") as folder:
        env = site_environment(Path(folder), password)
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run(manage + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        gunicorn = ["gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers=2", "--log-level=warning"]
        server = subprocess.Popen([sys.executable, "-m", *gunicorn], cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/healthz", server)
            yield url, password
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The site stopped before it answered (exit code {server.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The site did not answer at {url} within {seconds} seconds.")


def save(page: Page, output: Path, name: str) -> None:
    path = output / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def shoot_account(page: Page, username: str, password: str, output: Path, suffix: str = "") -> None:
    def shot(name: str) -> None:
        save(page, output, f"{username}-{name}{suffix}")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    shot("dashboard")

    nav(page, "Actions")
    shot("action-list")
    page.get_by_role("link", name=ACTION_FOR[username], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACTION_FOR[username])
    shot("action")
    if username == "reviewer":
        # The decision's check page, left unconfirmed so the demo stays as it was.
        page.get_by_label("Sign off", exact=True).check()
        page.get_by_label("Comment (optional)").fill("Dip-sample results for October and November checked.")
        page.get_by_role("button", name="Continue").click()
        shot("decision-check")

    nav(page, "Inspections")
    page.get_by_role("link", name=INSPECTION).click()
    shot("inspection")
    page.locator(".tree").get_by_role("link", name=f"{FINDING}:").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(FINDING)
    shot("finding")

    if username == "reviewer":
        nav(page, "Review queue")
        shot("review-queue")

    page.goto("/reports/panel/")
    shot("panel-report")
    page.goto("/reports/panel/?public=1")
    shot("panel-report-public")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to save the PNGs (default {OUTPUT})")
    output = parser.parse_args().output.resolve()
    if reason := chromium_missing():
        raise SystemExit(f"Cannot take screenshots: {reason}")
    output.mkdir(parents=True, exist_ok=True)
    with demo_site() as (url, password), sync_playwright() as playwright:
        browser = launch(playwright)
        for suffix, viewport in SIZES.items():
            for username in ACTION_FOR:
                print(f"{username}{suffix}:")
                context = browser.new_context(base_url=url, **{**CONTEXT_OPTIONS, "viewport": viewport})
                shoot_account(context.new_page(), username, password, output, suffix)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
