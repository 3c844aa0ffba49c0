"""Browser tests: Playwright driving Debian's Chromium against the site served by the test run.

One Chromium for all the tests in this folder; a fresh browser context
(cookies, storage) for each person in each test. Without Chromium the tests are
skipped and say why, unless REQUIRE_BROWSER=1 (as in CI), where they fail.

Every test here uses the live server, so it runs in real transactions and
every table is emptied after it. The `database` fixture asks for serialized
rollback, so each test starts from the migrated database again, with the
roles that migration 0002 makes.
"""

import datetime
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from django.test import override_settings
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.chromium import CONTEXT_OPTIONS, chromium_missing, launch

PASSWORD = "correct horse battery staple"  # the factories' password
# The rules WCAG 2.2 AA asks for, as axe-core tags them.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="package")
def browser(django_db_setup, django_db_blocker):
    """Chromium, for the tests in this folder only.

    Playwright's sync API leaves an event loop marked as running in this
    thread. While it runs, Django refuses the test's own ORM calls as "async"
    (hence DJANGO_ALLOW_ASYNC_UNSAFE) and keeps a second set of database
    connections for this thread. Those are given the migrated database's
    serialized contents, which serialized rollback restores from, and are
    closed before Playwright stops; the tests after this folder find the
    connections they had, and the migrated data again.
    """
    reason = chromium_missing()
    if reason:
        if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"REQUIRE_BROWSER is set but the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"Browser tests skipped: {reason}")
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        chromium = launch(playwright)
        yield chromium
        chromium.close()
        # The last test left every table empty: the tests after this folder expect the migrated data.
        with django_db_blocker.unblock():
            for alias, contents in serialized.items():
                connections[alias].creation.deserialize_db_from_string(contents)
            connections.close_all()


@pytest.fixture(scope="session")
def plain_http_live_server():
    # The live server builds its middleware once, when it starts, before any
    # test's `settings` fixture applies: so its plain HTTP is set for the session.
    # The Secure session and CSRF cookies stay as in production: Chromium keeps
    # them on http://localhost, which it treats as a secure origin.
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture(scope="session")
def live_server(plain_http_live_server, live_server):
    assert live_server.url.startswith("http://localhost:"), "Secure cookies need a localhost URL"
    return live_server


@pytest.fixture(autouse=True)
def database(browser, transactional_db, django_db_serialized_rollback):
    """Real transactions, for the live server; each test starts from the migrated database."""


@pytest.fixture(autouse=True)
def evidence_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def new_page(browser, live_server):
    """A page in a browser context of its own: new_page() is a new person at a new computer."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, **CONTEXT_OPTIONS)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(new_page):
    """sign_in("owner"): a new person at the sign-in page, signed in and looking at their dashboard."""

    def sign_in_as(username: str, *, heading: str = "Dashboard") -> Page:
        page = new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        return page

    return sign_in_as


def fill_date(page: Page, legend: str, date: datetime.date | tuple[str, str, str]) -> None:
    """Type a date into the day, month and year boxes of the date question `legend`, as a person does."""
    parts = (str(date.day), str(date.month), str(date.year)) if isinstance(date, datetime.date) else date
    group = page.get_by_role("group", name=legend, exact=True)
    for label, value in zip(("Day", "Month", "Year"), parts, strict=True):
        group.get_by_label(label, exact=True).fill(value)


DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""


# Nothing scrolls sideways (WCAG 1.4.10, reflow): neither the page nor a box inside it, such as a
# table in its wrapper, whose hidden columns would take a phone's reader off the screen.
SIDEWAYS = """() => {
  const page = document.documentElement, problems = [];
  if (page.scrollWidth > window.innerWidth)
    problems.push(`the page is ${page.scrollWidth}px wide in a window ${window.innerWidth}px wide`);
  for (const el of document.body.querySelectorAll("*")) {
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${el.outerHTML.slice(0, 80)} scrolls sideways: ${el.scrollWidth}px in ${el.clientWidth}px`);
  }
  return problems;
}"""


@pytest.fixture(scope="session")
def axe():
    return Axe()


def find_problems(axe: Axe, page: Page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, one line per element, any id used
    twice, and anything wider than the window (SIDEWAYS).

    axe no longer reports duplicate ids (WCAG 2.2 made 4.1.1 obsolete), but a
    label whose "for" names an id used twice labels the wrong field.
    """
    options = {"runOnly": {"type": "tag", "values": WCAG_AA_TAGS}, "resultTypes": ["violations"]}
    results = axe.run(page, options=options).response
    problems = [
        f"{page.url} {violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"    {node['target']} {node['html'][:200]}\n    {node['failureSummary']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
    problems += [f"{page.url} duplicate id: {id_}" for id_ in page.evaluate(DUPLICATE_IDS)]
    problems += [f"{page.url} {problem}" for problem in page.evaluate(SIDEWAYS)]
    return problems


@pytest.fixture
def accessibility_problems(axe):
    """accessibility_problems(page): what axe-core (and the duplicate id check) finds on the page now."""
    return lambda page: find_problems(axe, page)
