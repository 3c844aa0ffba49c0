"""Multi-factor sign-in in a real browser: a reviewer sets up an authenticator app at first sign-in, keeps
the recovery codes, and at the next sign-in types a wrong code and then uses a recovery code.

The test is the authenticator app: it reads the key the set-up page writes out, as a person would type it
into their app, and works out the code from it (django_otp.oath.totp, the same RFC 6238 as any app).
"""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.chromium import CONTEXT_OPTIONS, PHONE_VIEWPORT
from tests.browser.conftest import PASSWORD


@pytest.fixture(autouse=True)
def second_factor_on(settings):
    settings.TRACKER_MFA = "powers"  # production's default; the live server reads it on each request


def app_code(typed_key: str) -> str:
    """What an authenticator app shows now for the key typed into it."""
    key = base64.b32decode(typed_key.replace(" ", ""))
    return f"{totp(key):06d}"


def password_step(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


# At a desktop's width and a phone's: each page passes axe and fits the window (SIDEWAYS in conftest.py).
@pytest.mark.parametrize("viewport", [CONTEXT_OPTIONS["viewport"], PHONE_VIEWPORT], ids=["1280", "390"])
def test_reviewer_sets_up_an_app_then_signs_in_with_a_wrong_code_and_a_recovery_code(
    new_page, accessibility_problems, viewport
):
    factories.ReviewerFactory(username="reviewer", first_name="Priya", last_name="Shah")

    def new_page_at_this_width() -> Page:
        page = new_page()
        page.set_viewport_size(viewport)
        return page

    # First sign-in: the password, then setting up the app.
    page = new_page_at_this_width()
    password_step(page, "reviewer")
    expect(page.get_by_role("heading", name="Set up your authenticator app", level=1)).to_be_visible()
    qr = page.get_by_role("img", name="QR code for adding the Improvement Plan Tracker to your authenticator app")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code is drawn, within the CSP"
    assert accessibility_problems(page) == []
    key = page.locator("#secret-key").inner_text()
    page.get_by_label("Code from your authenticator app").fill(app_code(key))
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", name="Your recovery codes", level=1)).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    assert accessibility_problems(page) == []
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    page.get_by_role("link", name="Sign-in security").click()
    expect(page.locator(".summary-list")).to_contain_text("Recovery codes left")
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Sign out").click()

    # Next sign-in, at another computer: a wrong code is refused, and nothing is lost.
    page = new_page_at_this_width()
    password_step(page, "reviewer")
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app", level=1)).to_be_visible()
    right = app_code(key)
    page.get_by_label("Code from your authenticator app").fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert accessibility_problems(page) == []
    page.goto("/review/")
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app", level=1)).to_be_visible()

    # No phone to hand: a recovery code instead, which lets them in once.
    page.get_by_role("link", name="Use a recovery code instead").click()
    expect(page.get_by_label("Recovery code")).to_be_visible()
    assert accessibility_problems(page) == []
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign-off queue", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Important")).to_contain_text("you have 9 left")
