"""The GOV.UK date input in a real browser: a lead types the due date of a new action in the day, month and year
boxes, leaves one out, follows the error summary to the box, and the action page shows the date in words; its
owner asks for more time in the same three boxes."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import fill_date
from tracker.models import Action, ExtensionRequest


def test_a_lead_types_a_due_date_in_three_boxes_and_is_taken_to_the_one_left_out(sign_in, lead, owner):
    owner.first_name, owner.last_name = "Jordan", "Ashby"
    owner.save()
    finding = factories.FindingFactory(reference="AFI4", text="Improve supervision of investigations.")
    due = timezone.localdate() + datetime.timedelta(days=120)

    page = sign_in("lead")
    page.goto(f"/findings/{finding.pk}/actions/new/")
    page.get_by_label("Title").fill("Dip-sample supervisors' reviews")
    page.get_by_label("Owner").select_option(label="Jordan Ashby")
    due_date = page.get_by_role("group", name="Due date", exact=True)
    expect(due_date).to_contain_text("For example, 31 3 2027")
    for label in ("Day", "Month", "Year"):
        expect(due_date.get_by_label(label, exact=True)).to_have_attribute("inputmode", "numeric")
    fill_date(page, "Due date", (str(due.day), "", str(due.year)))
    page.get_by_role("button", name="Create action").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Due date must include a month")
    month = due_date.get_by_label("Month", exact=True)
    expect(month).to_have_attribute("aria-invalid", "true")
    expect(due_date.get_by_label("Day", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(due_date.get_by_label("Day", exact=True)).to_have_value(str(due.day))  # what was typed is kept
    summary.get_by_role("link", name="Due date must include a month").click()
    expect(month).to_be_focused()

    page.keyboard.type(due.strftime("%B"))  # the month's name is read too
    page.get_by_role("button", name="Create action").click()

    expect(page.get_by_role("alert").filter(has_text="Success")).to_contain_text("Action created")
    action = Action.objects.get(title="Dip-sample supervisors' reviews")
    assert action.due_date == due
    expect(page.locator(".summary-list > div").filter(has_text="Original due date").locator("dd")).to_have_text(
        f"{due:%-d %B %Y}"
    )


def test_an_owner_asks_for_a_new_due_date_in_the_three_boxes(sign_in, owner):
    due = timezone.localdate() + datetime.timedelta(days=30)
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Audit risk grading", due_date=due)
    later = due + datetime.timedelta(days=45)

    page = sign_in("owner")
    page.goto(f"/actions/{action.pk}/")
    fill_date(page, "New due date", (str(later.day), str(later.month), str(later.year)[2:]))
    page.get_by_label("Why is more time needed?").fill("The audit team is away.")
    page.get_by_role("button", name="Request extension").click()
    expect(page.locator(".error-summary")).to_contain_text("New due date must have a year of 4 numbers")
    fill_date(page, "New due date", later)
    page.get_by_role("button", name="Request extension").click()

    expect(page.get_by_role("alert").filter(has_text="Success")).to_contain_text("Extension requested")
    assert ExtensionRequest.objects.get(action=action).proposed_date == later
    expect(page.get_by_text(f"to move the due date from {due:%-d %B %Y} to")).to_contain_text(f"{later:%-d %B %Y}")
