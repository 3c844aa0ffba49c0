"""Single sign-on in Chromium: the button on the sign-in page, the force's provider's own pages
(panva's oidc-provider on loopback, tests/oidc_provider.py), and back to the tracker signed in."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.oidc_provider import start_provider
from tests.test_sso import configure
from tracker.models import User

BUTTON = "Sign in with Hertfordshire Constabulary account"


@pytest.fixture(scope="module")
def provider(live_server):
    with start_provider(f"{live_server.url}/oidc/callback/") as running:
        yield running


@pytest.fixture(autouse=True)
def sso_on(settings, provider):
    configure(settings, provider.issuer)
    return settings


def sign_on(page: Page, login: str) -> None:
    """From the tracker's sign-in page: the button, then the provider's sign-in and consent pages."""
    page.goto("/accounts/login/")
    page.get_by_role("button", name=BUTTON).click()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password: the test provider does not check it")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_reviewer_signs_on_and_lands_on_their_dashboard_with_the_mapped_role(new_page, accessibility_problems):
    page = new_page()
    page.goto("/accounts/login/")
    assert accessibility_problems(page) == []

    sign_on(page, "rita.reviewer")

    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="The PCC's office")).to_be_visible()
    assert [role.name for role in User.objects.get(username="rita.reviewer").groups.all()] == ["PCC reviewer"]


def test_someone_with_no_mapped_group_lands_on_the_no_role_page_saying_whom_to_ask(new_page):
    factories.AdministratorFactory(first_name="Ada", last_name="Admin", email="ada.admin@example.org")
    page = new_page()

    sign_on(page, "nora.nogroup")

    expect(page.get_by_role("heading", name="You do not have a role yet", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="ada.admin@example.org")).to_be_visible()


def test_with_local_passwords_off_the_sign_in_page_has_only_the_button(new_page, sso_on, accessibility_problems):
    sso_on.TRACKER_LOCAL_PASSWORDS = False
    page = new_page()

    page.goto("/accounts/login/")

    expect(page.get_by_role("button", name=BUTTON)).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_label("Username")).to_have_count(0)
    assert accessibility_problems(page) == []
    sign_on(page, "olly.owner")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
