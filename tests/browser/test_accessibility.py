"""Every page, for every role, passes axe-core's WCAG 2.2 AA rules in a real browser, forms
with their errors showing too, at 1280 pixels wide and at a phone's 390, where nothing may be
wider than the window; and the sign-off journey works by keyboard alone, with the
focus visible at every step."""

import io
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import resolve
from playwright.sync_api import Locator, Page, expect

import tracker.urls
from tests import factories
from tests.browser.chromium import CONTEXT_OPTIONS, PHONE_VIEWPORT
from tests.browser.conftest import PASSWORD
from tracker import seeding, services
from tracker.models import Action, ExtensionRequest, Finding, Inspection, User


@dataclass
class Visit:
    path: str
    status: int = 200
    # Submit the page's form as it is after these fields are cleared (or filled), to see its errors.
    errors: bool = False
    clear: list[str] = field(default_factory=list)
    fill: dict[str, str] = field(default_factory=dict)
    # Answer the page's question (choose these radios, fill `fill`) and check the page it leads to as well.
    check_page: str = ""
    choose: list[str] = field(default_factory=list)
    # Files to choose before answering: label -> (name, content).
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@pytest.fixture
def demo(monkeypatch):
    """The demo plan (seed_demo), with one finding made ready to discharge."""
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())
    lead = User.objects.get(username="lead")
    checklist = Action.objects.get(title__startswith="Introduce an initial investigation checklist")
    services.withdraw_action(checklist, by=lead, reason="Folded into the crime recording system change.")

    def action(title_start: str) -> Action:
        return Action.objects.get(title__startswith=title_start)

    return SimpleNamespace(
        inspection=Inspection.objects.get(slug=seeding.HERTFORDSHIRE_SLUG),
        ready_finding=checklist.finding,
        open_finding=Finding.objects.get(reference="Rec1"),
        returned=action("Control room supervisors dip-sample"),  # nadia.brook's: returned, with evidence
        submitted=action("Set a minimum standard for supervisory review"),  # owner's: waiting for sign-off
        extension=ExtensionRequest.objects.get(status=ExtensionRequest.Status.PENDING),
        owners_own=action("Audit risk grading"),  # owner's: not started
        leads_own=action("Build a what-works evidence base"),  # the lead's: in progress, with evidence
        signed_off=action("Train every call handler"),
    )


def common_pages(demo) -> list[Visit]:
    slug = demo.inspection.slug
    return [
        Visit("/"),
        Visit("/actions/"),
        Visit("/actions/?due_from=2027-02-01&due_to=2027-01-01"),  # the filter form, with an error
        Visit(f"/actions/{demo.signed_off.pk}/"),
        Visit("/inspections/"),
        Visit(f"/inspections/{slug}/"),
        Visit(f"/findings/{demo.open_finding.pk}/"),
        Visit(f"/findings/{demo.ready_finding.pk}/"),
        Visit("/reports/panel/"),
        Visit("/reports/panel/?public=1"),
        Visit("/account/email/"),
        Visit("/no-such-page/", status=404),
    ]


def owner_pages(action: Action) -> list[Visit]:
    pk = action.pk
    pages = [
        Visit("/actions/mine/"),
        Visit(f"/actions/{pk}/"),
        Visit(f"/actions/{pk}/progress/", errors=True),
        Visit(f"/actions/{pk}/evidence/", errors=True),
        Visit(f"/actions/{pk}/extension/", errors=True),
        Visit("/review/", status=403),
    ]
    if action.status == Action.Status.IN_PROGRESS:
        pages.append(Visit(f"/actions/{pk}/submit/"))  # the note is optional: an empty submission would succeed
    return pages


# Findings files for the import page: one with an error on most rows, one with a theme not known yet.
HEADER = "reference,kind,text,parent_reference,theme\n"
FILE_WITH_ERRORS = HEADER + "Rec1,recommendation,Again.,,\nNew1,suggestion,,Nope,\nNew2,area_for_improvement,Fine.,,\n"
FILE_WITH_A_NEW_THEME = HEADER + "New1,area_for_improvement,Use the new system.,,Digital policing\n"


def import_visit(slug: str, content: str) -> Visit:
    file = ("findings.csv", content.encode())
    return Visit(
        f"/inspections/{slug}/import/",
        files={"CSV or Excel file": file},
        check_page=f"/inspections/{slug}/import/check/",
    )


def lead_pages(demo) -> list[Visit]:
    slug, pk, finding = demo.inspection.slug, demo.leads_own.pk, demo.open_finding.pk
    return [
        Visit("/actions/mine/"),
        Visit(f"/actions/{pk}/"),
        Visit(f"/actions/{demo.extension.action_id}/"),
        Visit(f"/extensions/{demo.extension.pk}/decide/", errors=True),
        Visit(f"/actions/{pk}/edit/", errors=True, clear=["Title", "Reason for the change"]),
        Visit(f"/actions/{pk}/withdraw/", errors=True),
        Visit(
            f"/actions/{pk}/withdraw/",
            fill={"Why is this action being withdrawn?": "Folded into another action."},
            check_page=f"/actions/{pk}/withdraw/check/",
        ),
        Visit(f"/actions/{pk}/extension/", errors=True),
        Visit(f"/actions/{pk}/submit/"),
        Visit(f"/findings/{finding}/actions/new/", errors=True),
        # A half-typed date: only the month box in error.
        Visit(f"/findings/{finding}/actions/new/", errors=True, fill={"Day": "31", "Year": "2027"}),
        Visit(f"/findings/{finding}/edit/", errors=True, clear=["Reference", "Text"]),
        Visit(f"/findings/{finding}/register/", errors=True),
        Visit(f"/actions/{pk}/public-summary/", errors=True),
        Visit(f"/inspections/{slug}/findings/new/", errors=True),
        Visit(f"/inspections/{slug}/import/", errors=True),
        import_visit(slug, FILE_WITH_ERRORS),  # the check page, every error by line
        import_visit(slug, FILE_WITH_A_NEW_THEME),  # the check page, with "Add these themes" and the button
        Visit("/inspections/new/", errors=True),
        Visit(f"/inspections/{slug}/edit/", errors=True, clear=["Title", "Slug"]),
        Visit("/review/", status=403),
    ]


def reviewer_pages(demo) -> list[Visit]:
    pk, slug, ready = demo.submitted.pk, demo.inspection.slug, demo.ready_finding.pk
    return [
        Visit("/review/"),
        Visit(f"/actions/{pk}/"),
        Visit(f"/actions/{demo.returned.pk}/"),
        Visit(f"/actions/{pk}/sign-off/", errors=True),
        Visit(f"/actions/{pk}/return/", errors=True),
        Visit(
            f"/actions/{pk}/sign-off/",
            choose=["Return to the owner"],
            fill={"Comment (optional)": "Which districts were sampled?"},
            check_page=f"/actions/{pk}/sign-off/check/",
        ),
        Visit(f"/findings/{ready}/discharge/", check_page=f"/findings/{ready}/discharge/check/"),
        Visit(f"/findings/{demo.open_finding.pk}/public-summary/", errors=True),
        Visit(f"/inspections/{slug}/response/", errors=True, fill={"Link to the published response": "not a link"}),
        Visit("/inspections/new/", status=403),
    ]


def auditor_pages(demo) -> list[Visit]:
    return [
        Visit("/review/"),  # read-only
        Visit(f"/actions/{demo.returned.pk}/"),
        Visit(f"/actions/{demo.returned.pk}/progress/", status=403),
    ]


def admin_pages() -> list[Visit]:
    owner, reviewer = User.objects.get(username="owner").pk, User.objects.get(username="reviewer").pk
    return [
        Visit("/people/"),
        Visit(f"/people/{owner}/"),
        Visit(f"/people/{owner}/deactivate/"),  # owns open actions: listed, and deactivating is refused
        Visit(f"/people/{reviewer}/deactivate/", errors=True),
        Visit("/people/new/", errors=True),
        Visit(f"/people/{owner}/roles/", errors=True),
        Visit(f"/people/{owner}/reset-link/"),
        Visit(f"/people/{owner}/second-factor/"),
        Visit(f"/people/{owner}/single-sign-on/", status=403),  # not linked to single sign-on
        Visit("/people/import/", errors=True),
    ]


ROLE_PAGES = {
    "owner": lambda demo: owner_pages(demo.owners_own),
    "nadia.brook": lambda demo: owner_pages(demo.returned),
    "lead": lead_pages,
    "reviewer": reviewer_pages,
    "auditor": auditor_pages,
    "admin": lambda demo: [*admin_pages(), Visit("/review/")],  # the queue read-only, as for an auditor
}


def show_errors(page: Page, visit: Visit) -> None:
    """Submit the form on a form page with its required fields empty, and wait for its error summary."""
    form = page.locator("main form").last
    for label in visit.clear:
        form.get_by_label(label, exact=False).first.fill("")
    for label, value in visit.fill.items():
        form.get_by_label(label).fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()


def answer(page: Page, visit: Visit) -> None:
    """Answer the question on a decision's page, and wait for the page that checks the answers."""
    form = page.locator("main form").last
    for label in visit.choose:
        form.get_by_label(label, exact=True).check()
    for label, value in visit.fill.items():
        form.get_by_label(label).fill(value)
    for label, (name, content) in visit.files.items():
        form.get_by_label(label).set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(visit.check_page) + "$"))
    expect(page.locator("main form button[type=submit]")).to_be_visible()


# A desktop's window, then a phone's: every page passes axe, and fits the window (SIDEWAYS in conftest.py).
VIEWPORTS = pytest.mark.parametrize("viewport", [CONTEXT_OPTIONS["viewport"], PHONE_VIEWPORT], ids=["1280", "390"])


@VIEWPORTS
@pytest.mark.parametrize("username", ROLE_PAGES)
def test_every_page_passes_axe(username, viewport, demo, sign_in, accessibility_problems):
    page = sign_in(username)
    page.set_viewport_size(viewport)
    problems = []
    for visit in common_pages(demo) + ROLE_PAGES[username](demo):
        response = page.goto(visit.path)
        assert response.status == visit.status, f"{visit.path} answered {response.status}"
        problems += accessibility_problems(page)
        if visit.errors:
            show_errors(page, visit)
            problems += accessibility_problems(page)
        if visit.check_page:
            answer(page, visit)
            problems += accessibility_problems(page)
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


# Not pages: the load balancers' health check (plain text) and evidence downloads (files).
NOT_PAGES = {"tracker:healthz", "tracker:evidence-download", "tracker:favicon"}  # the favicon: a file
# Multi-factor sign-in's pages need it turned on: test_mfa_journey.py checks them, at both widths.
CHECKED_IN_THE_MFA_JOURNEY = {
    "tracker:second-factor",
    "tracker:second-factor-set-up",
    "tracker:second-factor-recovery",
    "tracker:account-security",
}


def test_every_page_of_the_site_is_in_the_check(demo):
    visits = common_pages(demo) + [visit for pages in ROLE_PAGES.values() for visit in pages(demo)]
    paths = [visit.path for visit in visits if visit.status != 404] + [v.check_page for v in visits if v.check_page]
    checked = {resolve(urlsplit(path).path).view_name for path in paths}
    every_page = {f"tracker:{pattern.name}" for pattern in tracker.urls.urlpatterns}
    unchecked = every_page - NOT_PAGES - CHECKED_IN_THE_MFA_JOURNEY - checked
    assert unchecked == set(), "Add these pages to the accessibility check"


@VIEWPORTS
def test_sign_in_and_error_pages_pass_axe_signed_out(new_page, accessibility_problems, settings, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    problems = []
    page.goto("/accounts/login/")
    problems += accessibility_problems(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_be_visible()
    problems += accessibility_problems(page)
    assert page.goto("/no-such-page/").status == 404
    problems += accessibility_problems(page)

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    problems += accessibility_problems(page)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator(".error-summary")).to_be_visible()
    problems += accessibility_problems(page)
    page.get_by_label("Email address").fill("someone@example.police.uk")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    problems += accessibility_problems(page)

    factories.OwnerFactory(username="owner")
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("owner")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in is paused for this account")
    problems += accessibility_problems(page)
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


@VIEWPORTS
def test_the_page_for_an_account_with_no_role_passes_axe(sign_in, accessibility_problems, viewport):
    factories.UserFactory(username="newcomer")
    page = sign_in("newcomer", heading="You do not have a role yet")
    page.set_viewport_size(viewport)
    problems = accessibility_problems(page)  # the page with its success banner
    assert not problems, "\n".join(problems)


# Keyboard only ---------------------------------------------------------------------------

STYLE = """el => {
  const s = getComputedStyle(el);
  return {outline: [s.outlineStyle, s.outlineWidth, s.outlineColor], boxShadow: s.boxShadow,
          background: s.backgroundColor, color: s.color, underline: s.textDecorationLine, border: s.borderColor};
}"""
TRANSPARENT = "rgba(0, 0, 0, 0)"


def assert_focus_visible(page: Page) -> None:
    """The focused element looks different from how it looks unfocused, and not only in a transparent outline."""
    focused = page.locator(":focus")
    expect(focused).to_have_count(1)
    with_focus = focused.evaluate(STYLE)
    without_focus = focused.evaluate(f"el => {{ el.blur(); const style = ({STYLE})(el); el.focus(); return style; }}")
    style, width, colour = with_focus["outline"]
    outline_shows = style != "none" and width != "0px" and colour != TRANSPARENT
    changed = {name for name in with_focus if with_focus[name] != without_focus[name]}
    visible = changed - {"outline"} or ("outline" in changed and outline_shows)
    assert visible, f"No visible focus on {focused.evaluate('el => el.outerHTML.slice(0, 160)')}"


def tab_to(page: Page, target: Locator, *, key: str = "Tab", limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus, checking the focus is visible at every stop."""
    for _ in range(limit):
        page.keyboard.press(key)
        assert_focus_visible(page)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus in {limit} presses of {key}")


def test_reviewer_signs_off_by_keyboard_alone_with_the_focus_always_visible(demo, new_page, accessibility_problems):
    page = new_page()
    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type("reviewer")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    tab_to(page, page.get_by_role("link", name="Review queue", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign-off queue", level=1)).to_be_visible()

    title = demo.submitted.title
    tab_to(page, page.locator("td").get_by_role("link").filter(has_text=title))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()

    # The decision, then past the comment to the button, and back to write the comment first.
    tab_to(page, page.get_by_label("Sign off", exact=True))
    page.keyboard.press("Space")
    expect(page.get_by_label("Sign off", exact=True)).to_be_checked()
    carry_on = page.get_by_role("button", name="Continue")
    tab_to(page, carry_on)
    tab_to(page, page.get_by_label("Comment (optional)"), key="Shift+Tab")
    page.keyboard.type("Standard and system change checked.")
    tab_to(page, carry_on)
    page.keyboard.press("Enter")

    # The page that checks the decision, then the decision.
    expect(page.get_by_role("heading", name="Check your decision", level=1)).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Sign off this action"))
    page.keyboard.press("Space")
    expect(page.get_by_role("alert").filter(has_text="Success")).to_contain_text("Action signed off")
    demo.submitted.refresh_from_db()
    assert demo.submitted.status == Action.Status.SIGNED_OFF
    problems = accessibility_problems(page)  # the page with its success banner
    assert not problems, "\n".join(problems)
