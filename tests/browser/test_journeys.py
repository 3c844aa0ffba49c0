"""Whole journeys through the site in a real browser, each person starting at the sign-in page
and clicking as they would: by the labels and the names of the buttons and links they see."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import fill_date
from tracker.models import Action


def small_pdf(text: str) -> bytes:
    """A real one-page PDF, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return pdf


def success(page: Page, text: str) -> None:
    expect(page.get_by_role("alert").filter(has_text="Success")).to_contain_text(text)


def summary_value(page: Page, term: str):
    """The value beside a term in the page's summary list."""
    row = page.locator(".summary-list > div").filter(has=page.locator("dt").get_by_text(term, exact=True))
    return row.locator("dd")


def open_action_from_list(page: Page, nav: str, title: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=nav, exact=True).click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def review_queue_decide(page: Page, title: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue", exact=True).click()
    # The title is in visually hidden text, which the accessible name sets off with a space.
    page.get_by_role("link", name=re.compile(rf"^Review and decide\W+{re.escape(title)}$")).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def test_owner_submits_reviewer_returns_owner_resubmits_reviewer_signs_off_and_discharges(sign_in, owner, reviewer):
    finding = factories.FindingFactory(
        reference="AFI2", text="The force should improve how it investigates stalking and harassment."
    )
    title = "Train investigators in stalking and harassment"
    factories.ActionFactory(finding=finding, owner=owner, title=title)

    # The owner records progress, attaches a PDF and submits the action.
    owner_page = sign_in("owner")
    open_action_from_list(owner_page, "My actions", title)
    owner_page.get_by_label("Progress note").fill("Training package commissioned from the College of Policing.")
    owner_page.get_by_label("Move to in progress").check()
    owner_page.get_by_role("button", name="Add progress note").click()
    success(owner_page, "Progress note added")
    expect(summary_value(owner_page, "Status")).to_have_text("In progress")

    owner_page.get_by_label("What the evidence shows").fill("Attendance register")
    owner_page.get_by_label("File (optional)").set_input_files(
        files=[{"name": "attendance.pdf", "mimeType": "application/pdf", "buffer": small_pdf("Attendance")}]
    )
    owner_page.get_by_role("button", name="Add evidence").click()
    success(owner_page, "Evidence added")
    expect(owner_page.get_by_role("link", name="Attendance register")).to_be_visible()

    owner_page.get_by_label("Note for the reviewer (optional)").fill("Every investigator has attended.")
    owner_page.get_by_role("button", name="Submit for sign-off").click()
    success(owner_page, "Submitted for sign-off")

    # The PCC's reviewer returns it with a comment, through the page that checks the decision.
    reviewer_page = sign_in("reviewer")
    review_queue_decide(reviewer_page, title)
    reviewer_page.get_by_label("Return to the owner").check()
    reviewer_page.get_by_label("Comment (optional)").fill("Show that supervisors attended too.")
    reviewer_page.get_by_role("button", name="Continue").click()
    expect(reviewer_page.get_by_role("heading", name="Check your decision", level=1)).to_be_visible()
    expect(summary_value(reviewer_page, "Comment").first).to_have_text("Show that supervisors attended too.")
    reviewer_page.get_by_role("button", name="Return to the owner").click()
    success(reviewer_page, "Action returned to its owner")

    # The owner sees the return on their dashboard, answers it and resubmits.
    owner_page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True).click()
    returned = owner_page.get_by_role("link", name="1 action: Returned to you by the PCC's office")
    expect(returned).to_have_attribute("data-count", "1")
    returned.click()
    expect(owner_page.get_by_role("heading", name="1 action", exact=True)).to_be_visible()
    owner_page.get_by_role("link", name=title).click()
    expect(owner_page.locator("#returned")).to_contain_text("Show that supervisors attended too.")
    owner_page.get_by_label("Progress note").fill("Supervisors attended the second session: register attached.")
    owner_page.get_by_role("button", name="Add progress note").click()
    success(owner_page, "Progress note added")
    owner_page.get_by_label("Note for the reviewer (optional)").fill("Supervisors' attendance is in the register.")
    owner_page.get_by_role("button", name="Submit for sign-off").click()
    success(owner_page, "Submitted for sign-off")

    # The reviewer chooses to sign it off, changes the comment from the check page, then signs off.
    review_queue_decide(reviewer_page, title)
    expect(reviewer_page.get_by_role("heading", name="Progress note", level=3).first).to_be_visible()
    reviewer_page.get_by_label("Sign off", exact=True).check()
    reviewer_page.get_by_label("Comment (optional)").fill("Register checked.")
    reviewer_page.get_by_role("button", name="Continue").click()
    expect(reviewer_page.locator(".warning-text")).to_contain_text("It is final")
    reviewer_page.get_by_role("link", name="Change comment").click()
    expect(reviewer_page.get_by_label("Sign off", exact=True)).to_be_checked()
    expect(reviewer_page.get_by_label("Comment (optional)")).to_have_value("Register checked.")
    reviewer_page.get_by_label("Comment (optional)").fill("Register checked against the training list.")
    reviewer_page.get_by_role("button", name="Continue").click()
    expect(summary_value(reviewer_page, "Comment").first).to_have_text("Register checked against the training list.")
    reviewer_page.get_by_role("button", name="Sign off this action").click()
    success(reviewer_page, "Action signed off")

    reviewer_page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="AFI2").click()
    force_status = reviewer_page.get_by_role("region", name="The force's status")
    expect(force_status.locator(".tag")).to_have_text("Ready to discharge")
    reviewer_page.get_by_label("Comment (optional)").fill("The force now investigates stalking properly.")
    reviewer_page.get_by_role("button", name="Continue").click()
    expect(reviewer_page.get_by_role("heading", name="Check before you discharge this finding")).to_be_visible()
    reviewer_page.get_by_role("button", name="Discharge this finding").click()
    success(reviewer_page, "Finding discharged")
    expect(force_status.locator(".tag")).to_have_text("Discharged")
    expect(reviewer_page.get_by_role("heading", name="Discharge this finding", exact=True)).to_have_count(0)


def test_lead_assigns_owner_asks_for_time_lead_approves_and_auditor_reads_the_history(sign_in, lead, owner, auditor):
    owner.first_name, owner.last_name, owner.job_title = "Jordan", "Ashby", "Detective Chief Inspector"
    owner.save()
    factories.FindingFactory(
        reference="AFI3", inspection__title="PEEL 2016: effectiveness", text="Improve initial investigations."
    )
    title = "Introduce an initial investigation checklist"
    today = timezone.localdate()
    due, extended = today + datetime.timedelta(days=30), today + datetime.timedelta(days=75)

    # The lead creates the action from the finding and assigns it.
    lead_page = sign_in("lead")
    lead_page.get_by_role("navigation", name="Main").get_by_role("link", name="Inspections", exact=True).click()
    lead_page.get_by_role("link", name="PEEL 2016: effectiveness").click()
    lead_page.get_by_role("link", name=re.compile(r"^AFI3:")).click()
    lead_page.get_by_role("link", name="Create an action").click()
    lead_page.get_by_label("Title").fill(title)
    lead_page.get_by_label("Owner").select_option(label="Jordan Ashby (Detective Chief Inspector)")
    fill_date(lead_page, "Due date", due)
    lead_page.get_by_role("button", name="Create action").click()
    success(lead_page, "Action created and assigned to Jordan Ashby")
    action = Action.objects.get(title=title)

    # Its owner asks for more time.
    owner_page = sign_in("owner")
    open_action_from_list(owner_page, "My actions", title)
    fill_date(owner_page, "New due date", extended)
    owner_page.get_by_label("Why is more time needed?").fill("The crime recording system change lands later.")
    owner_page.get_by_role("button", name="Request extension").click()
    success(owner_page, "Extension requested")

    # The lead approves it from the dashboard.
    lead_page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True).click()
    lead_page.get_by_role("link", name=title).click()
    lead_page.get_by_label("Approve: move the due date").check()
    lead_page.get_by_role("button", name="Save decision").click()
    success(lead_page, "Extension approved: the due date has moved")
    expect(summary_value(lead_page, "Due")).to_have_text(f"{extended:%-d %B %Y}")
    expect(summary_value(lead_page, "Original due date")).to_have_text(f"{due:%-d %B %Y}")
    expect(summary_value(lead_page, "Drift")).to_have_text("1 approved extension")

    # The auditor reads its history on the site and in the admin, and can change nothing.
    auditor_page = sign_in("auditor")
    open_action_from_list(auditor_page, "Actions", title)
    timeline = auditor_page.locator(".timeline")
    expect(timeline.get_by_role("heading", name="Extension approved")).to_be_visible()
    expect(timeline.get_by_role("heading", name=re.compile("^Extension requested"))).to_be_visible()
    expect(timeline.get_by_role("heading", name="Action created")).to_be_visible()
    expect(auditor_page.locator("main form")).to_have_count(0)

    auditor_page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    auditor_page.get_by_role("link", name="Actions", exact=True).click()
    auditor_page.get_by_role("link", name=title).click()
    expect(auditor_page.get_by_role("button", name=re.compile("save", re.IGNORECASE))).to_have_count(0)
    auditor_page.get_by_role("link", name="History").click()
    expect(auditor_page).to_have_url(re.compile(rf"/admin/tracker/action/{action.pk}/history/$"))
    history_rows = auditor_page.locator("#change-history tbody tr")
    expect(history_rows).to_have_count(action.history.count())

    token = auditor_page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    data = {"csrfmiddlewaretoken": token, "title": "Changed by the auditor", "reason": "Audit"}
    change = auditor_page.request.post(f"/admin/tracker/action/{action.pk}/change/", form=data)
    progress = auditor_page.request.post(f"/actions/{action.pk}/progress/", form={**data, "note": "Audit"})
    assert (change.status, progress.status) == (403, 403)
    assert "CSRF" not in change.text() + progress.text()
    action.refresh_from_db()
    assert action.title == title
    assert not action.progress_updates.exists()


def test_owner_sees_no_forms_on_someone_elses_action_and_cannot_sign_it_off(sign_in, owner, other_owner):
    action = factories.ActionFactory(title="Dispatch by assessed risk", owner=other_owner, submitted=True)

    page = sign_in("owner")
    open_action_from_list(page, "Actions", "Dispatch by assessed risk")
    expect(page.locator("main form")).to_have_count(0)

    response = page.goto(f"/actions/{action.pk}/sign-off/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot do this", level=1)).to_be_visible()
    expect(page.locator("main .lead")).to_have_text(re.compile("^Only a PCC reviewer can sign off or return an action"))
