"""An administrator adds a person and changes their roles, in a real browser, by what they see (issue 14)."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests import factories
from tracker.models import User


def test_administrator_adds_a_person_who_gets_a_link_then_changes_their_role(sign_in, settings, accessibility_problems):
    settings.TRACKER_SITE_URL = "https://tracker.herts.example"
    factories.AdministratorFactory(username="admin")
    page = sign_in("admin")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Username").fill("jsmith")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Email address").fill("jo.smith@herts.police.uk")
    page.get_by_label("Job title").fill("Head of the Control Room")
    page.get_by_label("Action owner").check()
    page.get_by_role("button", name="Add person").click()

    expect(page.get_by_role("alert").filter(has_text="Success")).to_contain_text("we have emailed them a link")
    expect(page.get_by_role("heading", name="Jo Smith", level=1)).to_be_visible()
    [email] = mail.outbox
    assert email.to == ["jo.smith@herts.police.uk"]
    assert re.search(r"https://tracker\.herts\.example/accounts/reset/\S+", email.body)

    page.get_by_role("link", name="Change roles").click()
    page.get_by_label("Action owner").uncheck()
    page.get_by_label("Improvement lead").check()
    page.get_by_label("Reason for the change").fill("Moved to the planning team")
    page.get_by_role("button", name="Change roles").click()

    expect(page.get_by_role("alert").filter(has_text="Success")).to_contain_text("Roles changed for Jo Smith")
    roles = page.locator(".summary-list > div").filter(has=page.locator("dt").get_by_text("Roles", exact=True))
    expect(roles.locator("dd")).to_have_text("Improvement lead")
    expect(page.get_by_role("cell", name="Moved to the planning team")).to_be_visible()
    assert list(User.objects.get(username="jsmith").groups.values_list("name", flat=True)) == ["Improvement lead"]
    assert not accessibility_problems(page)
