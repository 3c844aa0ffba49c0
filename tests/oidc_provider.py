"""A real OpenID Connect provider for the single sign-on tests: tests/oidc/provider.js (panva's oidc-provider).

start_provider() runs it with Node on a free loopback port and waits for its discovery document;
`make test` installs its node_modules (npm ci) first. Without Node or those modules the tests that
need it are skipped and say why, unless REQUIRE_BROWSER=1 (as in CI), where they fail.
sign_in_at_provider() goes through the provider's own sign-in and consent pages over HTTP, as a
browser would, for the tests that use Django's test client.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess  # nosec B404: starts the test provider, a fixed command
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "improvement-plan-tracker"
CLIENT_SECRET = "test-only-client-secret"  # the test provider's, on loopback only
# The provider's test accounts' group ids (tests/oidc/provider.js).
REVIEWERS = "6f1c2a52-0b8e-4c1e-9a55-2b1f0c7e9a01"
OWNERS = "0d7e4b1a-3c2f-4f6d-8e9a-1b2c3d4e5f60"
CANTEEN = "9a9a9a9a-0000-4000-8000-000000000000"
ROLE_MAP = f"{REVIEWERS}=PCC reviewer;{OWNERS}=Action owner"


@dataclass(frozen=True)
class Provider:
    issuer: str

    @property
    def discovery(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def missing() -> str:
    """Why the provider cannot run here, or "" when it can."""
    if not shutil.which("node"):
        return "Node.js is not installed (the single sign-on tests run panva's oidc-provider on it)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc/node_modules is missing: run `npm ci` in tests/oidc (make test does)"
    return ""


def skip_or_fail(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"REQUIRE_BROWSER is set but the single sign-on tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"Single sign-on tests skipped: {reason}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def start_provider(*redirect_uris: str):
    """The provider on a free loopback port, knowing one client whose callbacks are `redirect_uris`."""
    reason = missing()
    if reason:
        skip_or_fail(reason)
    port = free_port()
    env = {
        **os.environ,
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": ",".join(redirect_uris),
    }
    command = [shutil.which("node"), "provider.js", str(port)]
    process = subprocess.Popen(command, cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # nosec B603
    provider = Provider(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                pytest.fail(f"The test OpenID provider stopped at start:\n{output}", pytrace=False)
            with contextlib.suppress(requests.RequestException):
                if requests.get(provider.discovery, timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail("The test OpenID provider did not answer within 20 seconds", pytrace=False)
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def sign_in_at_provider(authorize_url: str, login: str, *, callback_prefix: str) -> str:
    """Follow the provider from its authorization URL through its sign-in and consent pages, as `login`.

    Returns the URL it finally sends the browser to: the tracker's callback, with the code and state.
    """
    browser = requests.Session()
    url, data = authorize_url, None
    for _ in range(12):
        response = (
            browser.post(url, data=data, allow_redirects=False) if data else browser.get(url, allow_redirects=False)
        )
        data = None
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith(callback_prefix):
                return url
            continue
        assert response.status_code == 200, (response.status_code, response.text[:500])
        action, body = FORM.search(response.text).groups()
        data = {name: unescape(value) for name, value in HIDDEN.findall(body)}
        if 'name="login"' in body:
            data |= {"login": login, "password": "any password: the test provider does not check it"}
        url = urljoin(url, unescape(action))
    raise AssertionError(f"The provider never sent the browser back to {callback_prefix}")
