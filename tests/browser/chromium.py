"""Where the browser tests and the screenshots find Chromium, and how they start it.

Debian's Chromium (apt-get install chromium), not Playwright's own download:
the machines that run these have no internet beyond the package registries.
"""

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
# --no-sandbox: CI runs as root, where Chromium's sandbox cannot start. The
# rest keep it from reaching out to Google's services.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A British user: dates in forms read day/month/year, as the hints say.
CONTEXT_OPTIONS = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB", "timezone_id": "Europe/London"}
# A phone held upright (an iPhone 12 to 15 is 390 CSS pixels wide): every page must fit it.
PHONE_VIEWPORT = {"width": 390, "height": 844}


def chromium_missing() -> str:
    """Why Chromium cannot be used here, or "" when it can."""
    path = Path(CHROMIUM)
    if not path.is_file() or not os.access(path, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
    return ""


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
