"""At a phone's width (390 pixels): the sign-off queue's decision link is on the screen, the action
list's filters fold away and open without script, and the burn-up chart's labels stay readable.
(test_accessibility.py checks every page fits the phone's width.)"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.chromium import CONTEXT_OPTIONS, PHONE_VIEWPORT


@pytest.fixture
def phone(sign_in):
    """sign_in at a phone's width."""

    def sign_in_on_a_phone(username: str) -> Page:
        page = sign_in(username)
        page.set_viewport_size(PHONE_VIEWPORT)
        return page

    return sign_in_on_a_phone


def on_screen(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_the_queues_review_and_decide_link_is_on_the_screen(phone):
    factories.ReviewerFactory(username="reviewer")
    action = factories.ActionFactory(title="Audit the control room", submitted=True)
    page = phone("reviewer")

    page.goto("/review/")
    decide = page.get_by_role("link", name="Review and decide")

    expect(decide).to_be_visible()
    assert on_screen(page, decide)
    decide.click()
    expect(page).to_have_url(re.compile(rf"/actions/{action.pk}/$"))


def test_the_action_lists_filters_fold_away_and_open_without_script(phone):
    factories.LeadFactory(username="lead")
    factories.ActionFactory(title="Audit the control room")
    factories.ActionFactory(title="Train call handlers")
    page = phone("lead")
    page.goto("/actions/")
    search = page.get_by_label("Search")

    expect(search).to_be_hidden()
    page.get_by_text("Filter actions", exact=True).click()
    expect(search).to_be_visible()
    search.fill("audit")
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("#result-count")).to_have_text("1 action")
    expect(page.get_by_label("Search")).to_have_value("audit")  # a filter is set: they stay open
    assert on_screen(page, page.get_by_role("link", name="Audit the control room"))


# Each label's size on the screen, in CSS pixels, and its box.
CHART_TEXT = """svg => [...svg.querySelectorAll("text")].map(text => {
  const box = text.getBoundingClientRect();
  return {text: text.textContent, size: parseFloat(getComputedStyle(text).fontSize) * svg.getScreenCTM().a,
          left: box.left, right: box.right, top: box.top, bottom: box.bottom};
})"""


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("viewport", [CONTEXT_OPTIONS["viewport"], PHONE_VIEWPORT], ids=["1280", "390"])
def test_the_burn_up_charts_labels_are_readable(sign_in, viewport):
    factories.AuditorFactory(username="auditor")
    inspection = factories.InspectionFactory()
    finding = factories.FindingFactory(inspection=inspection)
    factories.ActionFactory(finding=finding, signed_off=True)
    factories.ActionFactory(finding=finding, withdrawn=True)
    page = sign_in("auditor")
    page.set_viewport_size(viewport)

    page.goto(f"/inspections/{inspection.slug}/")
    labels = page.locator("svg.chart").evaluate(CHART_TEXT)

    assert {"Actions done (signed off)", "Total actions (scope)", "Actions withdrawn"} <= {x["text"] for x in labels}
    too_small = [(label["text"], round(label["size"], 1)) for label in labels if label["size"] < 12]
    assert not too_small, f"labels under 12px: {too_small}"
    overlapping = [(a["text"], b["text"]) for n, a in enumerate(labels) for b in labels[n + 1 :] if overlap(a, b)]
    assert not overlapping
