"""The action page and its forms, through the test client."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import evidence_files, factories
from tests.pages import date_boxes
from tests.workflow import decide_on_the_site, withdraw_on_the_site
from tracker import services
from tracker.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOff

S = Action.Status
PDF = evidence_files.pdf()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, action, *args):
    return reverse(f"tracker:{name}", args=[action.pk, *args])


def page(client, user, action):
    client.force_login(user)
    response = client.get(url("action-detail", action))
    assert response.status_code == 200
    return response


# Which forms each person sees -------------------------------------------------------------

FORMS = ["progress_form", "evidence_form", "submit_form", "extension_form", "sign_off_form", "withdraw_form"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status", "shown"),
    [
        ("owner", S.IN_PROGRESS, {"progress_form", "evidence_form", "submit_form", "extension_form"}),
        ("other_owner", S.IN_PROGRESS, set()),
        ("lead", S.IN_PROGRESS, {"progress_form", "evidence_form", "submit_form", "extension_form", "withdraw_form"}),
        ("reviewer", S.IN_PROGRESS, set()),
        ("auditor", S.IN_PROGRESS, set()),
        ("owner", S.SUBMITTED, {"progress_form"}),
        ("reviewer", S.SUBMITTED, {"sign_off_form"}),
        ("lead", S.SUBMITTED, {"progress_form", "withdraw_form"}),
        ("owner", S.SIGNED_OFF, set()),
        ("lead", S.SIGNED_OFF, set()),
        ("reviewer", S.SIGNED_OFF, set()),
    ],
)
def test_the_action_page_offers_only_the_forms_this_person_may_use(
    client, owner, other_owner, lead, reviewer, auditor, role, status, shown
):
    people = {"owner": owner, "other_owner": other_owner, "lead": lead, "reviewer": reviewer, "auditor": auditor}
    traits = {S.IN_PROGRESS: "in_progress", S.SUBMITTED: "submitted", S.SIGNED_OFF: "signed_off"}
    action = factories.ActionFactory(owner=owner, **{traits[status]: True})
    factories.EvidenceFactory(action=action)

    response = page(client, people[role], action)

    assert {name for name in FORMS if response.context.get(name)} == shown


@pytest.mark.django_db
def test_a_reviewer_who_owns_the_action_is_told_another_must_decide(client):
    reviewer = factories.ReviewerFactory()
    reviewer.groups.add(*factories.OwnerFactory().groups.all())
    action = factories.ActionFactory(owner=reviewer, submitted=True)

    response = page(client, reviewer, action)

    assert response.context.get("sign_off_form") is None
    assert b"another PCC reviewer must decide it" in response.content


# The page shows the whole story -----------------------------------------------------------


@pytest.mark.django_db
def test_action_page_shows_due_dates_drift_and_the_timeline(client, owner, lead, reviewer):
    action = services.create_action(
        factories.FindingFactory(title="Supervisors' review"),
        by=lead,
        title="Dip-sample supervisor reviews",
        owner=owner,
        due_date=datetime.date(2027, 1, 31),
    )
    services.record_progress(action, by=owner, note="Sampling started", move_to=S.IN_PROGRESS)
    request = services.request_extension(
        action, by=owner, proposed_date=datetime.date(2027, 3, 31), reason="Sample needs a second month"
    )
    services.decide_extension(request, by=lead, approve=True, comment="Agreed")
    services.edit_action(action, by=lead, reason="Clearer title", title="Dip-sample 100 supervisor reviews")
    services.add_evidence(action, by=owner, title="Sample results", url="https://intranet.example/sample")
    services.submit_for_sign_off(action, by=owner)
    services.return_action(action, by=reviewer, comment="Which districts were sampled?")

    response = page(client, owner, action)
    html = response.content.decode()

    assert response.context["drift"] == 1
    assert "31 March 2027" in html and "31 January 2027" in html
    headings = [entry.heading for entry in response.context["timeline"]]
    assert headings[0] == "Action created"
    for expected in [
        "Not started → In progress",
        "Extension requested: 31 January 2027 → 31 March 2027",
        "Extension approved",
        "Details changed",
        "Evidence added: Sample results",
        "In progress → Submitted for sign-off",
        "Returned by the PCC's office",
    ]:
        assert expected in headings
    assert "Title: Dip-sample supervisor reviews → Dip-sample 100 supervisor reviews" in html
    # The owner sees the return, and what to do about it, at the top.
    assert "Which districts were sampled?" in html
    assert 'id="returned"' in html


@pytest.mark.django_db
def test_action_page_escapes_what_people_typed(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="<script>alert(1)</script>")
    services.record_progress(action, by=owner, note="<img src=x onerror=alert(2)>")

    html = page(client, owner, action).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.django_db
def test_an_action_nobody_may_see_looks_like_one_that_does_not_exist(client):
    action = factories.ActionFactory()
    client.force_login(factories.UserFactory())  # signed in, but with no role

    assert client.get(url("action-detail", action)).status_code == 404
    assert client.get(reverse("tracker:action-detail", args=[999999])).status_code == 404


# Each form: success, refusal, bad input ---------------------------------------------------


@pytest.mark.django_db
def test_progress_note_with_a_move(client, owner):
    action = factories.ActionFactory(owner=owner)
    client.force_login(owner)

    response = client.post(url("action-progress", action), {"note": "Started", "move_to": S.IN_PROGRESS})

    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).status == S.IN_PROGRESS


@pytest.mark.django_db
def test_progress_note_that_is_empty_or_a_move_not_offered_is_refused(client, owner):
    action = factories.ActionFactory(owner=owner)
    client.force_login(owner)

    empty = client.post(url("action-progress", action), {"note": "  ", "move_to": ""})
    bad_move = client.post(url("action-progress", action), {"note": "Kept text", "move_to": S.SIGNED_OFF})

    assert empty.status_code == 400
    assert b"There is a problem" in empty.content
    assert bad_move.status_code == 400
    assert b"Kept text" in bad_move.content
    assert not ProgressUpdate.objects.exists()
    assert Action.objects.get(pk=action.pk).status == S.NOT_STARTED


@pytest.mark.django_db
def test_evidence_file_is_stored_privately_and_served_only_to_people_who_may_see_it(client, owner, settings):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)
    upload = SimpleUploadedFile("audit report.pdf", PDF, content_type="application/pdf")

    response = client.post(url("action-evidence", action), {"title": "Audit", "file": upload})

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    download = client.get(url("evidence-download", action, evidence.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    client.force_login(factories.UserFactory())
    assert client.get(url("evidence-download", action, evidence.pk)).status_code == 404
    client.logout()
    assert client.get(url("evidence-download", action, evidence.pk)).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ\x90\x00", "must be one of these types"),
        ("fake.pdf", b"<html>not a pdf</html>", "content is not a PDF"),
        ("empty.txt", b"", "The submitted file is empty"),
        ("binary.txt", b"abc\x00def", "content is not a TXT"),
    ],
)
def test_evidence_files_are_checked_by_type_and_content(client, owner, name, content, message):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    response = client.post(
        url("action-evidence", action), {"title": "Kept title", "file": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"Kept title" in response.content
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_evidence_larger_than_the_limit_is_refused(client, owner, settings):
    settings.TRACKER_EVIDENCE_MAX_BYTES = 100
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    response = client.post(
        url("action-evidence", action), {"title": "Big", "file": SimpleUploadedFile("big.pdf", PDF + b"x" * 200)}
    )

    # Refused as the file is read, before the form sees it (tests/test_upload_checks.py)
    assert response.status_code == 413
    assert b"must be smaller than 100 bytes" in response.content
    assert not Evidence.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"title": "Both", "url": "https://intranet.example/a"},  # with a file added below
        {"title": "Neither"},
        {"title": "", "url": "https://intranet.example/a"},
        {"title": "Bad link", "url": "not a link at all"},
    ],
)
def test_evidence_form_refuses_bad_input(client, owner, data):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)
    if data["title"] == "Both":
        data = {**data, "file": SimpleUploadedFile("a.pdf", PDF)}

    response = client.post(url("action-evidence", action), data)

    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_submit_without_evidence_explains_why(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    response = client.post(url("action-submit", action), {"note": "Done, I think"})

    assert response.status_code == 400
    assert b"Add evidence before submitting" in response.content
    assert b"Done, I think" in response.content
    assert Action.objects.get(pk=action.pk).status == S.IN_PROGRESS


@pytest.mark.django_db
def test_sign_off_and_return_through_the_site(client, owner, reviewer):
    signed = factories.ActionFactory(owner=owner, submitted=True)
    returned = factories.ActionFactory(owner=owner, submitted=True)
    client.force_login(reviewer)

    assert decide_on_the_site(client, signed, "sign_off").status_code == 302
    empty_return = client.post(url("action-return", returned), {"decision": "return", "comment": " "})
    assert empty_return.status_code == 400
    assert decide_on_the_site(client, returned, "return", "Add the audit").status_code == 302

    assert Action.objects.get(pk=signed.pk).status == S.SIGNED_OFF
    assert Action.objects.get(pk=returned.pk).status == S.IN_PROGRESS
    assert SignOff.objects.count() == 2


@pytest.mark.django_db
def test_an_owner_opening_the_sign_off_form_by_its_url_is_refused_with_a_reason(client, owner):
    action = factories.ActionFactory(owner=owner, submitted=True)
    client.force_login(owner)

    for response in (client.get(url("action-sign-off", action)), client.post(url("action-sign-off", action))):
        assert response.status_code == 403
        assert b"Only a PCC reviewer can sign off" in response.content
    assert Action.objects.get(pk=action.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_withdraw_needs_a_reason(client, owner, lead):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(lead)

    assert client.post(url("action-withdraw", action), {"reason": ""}).status_code == 400
    assert Action.objects.get(pk=action.pk).status == S.IN_PROGRESS
    assert withdraw_on_the_site(client, action, "Superseded").status_code == 302
    assert Action.objects.get(pk=action.pk).status == S.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**date_boxes("proposed_date", "//"), "reason": "More time"}, "Enter the new due date you are asking for"),
        ({**date_boxes("proposed_date", "31/02/2027"), "reason": "More time"}, "New due date must be a real date"),
        ({**date_boxes("proposed_date", "1/1/2020"), "reason": "More time"}, "must be after the current one"),
        ({**date_boxes("proposed_date", "1/1/2099"), "reason": ""}, "Enter why more time is needed"),
    ],
)
def test_extension_request_refuses_bad_input(client, owner, data, message):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    response = client.post(url("extension-request", action), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_extension_decision_through_the_site(client, owner, lead):
    request = factories.ExtensionRequestFactory(action=factories.ActionFactory(owner=owner, in_progress=True))
    client.force_login(lead)
    decide = reverse("tracker:extension-decide", args=[request.pk])

    assert client.post(decide, {"decision": "refuse", "comment": ""}).status_code == 400
    assert client.post(decide, {}).status_code == 400
    assert ExtensionRequest.objects.get().status == ExtensionRequest.Status.PENDING
    assert client.post(decide, {"decision": "approve", "comment": "Fine"}).status_code == 302
    action = Action.objects.get()
    assert action.due_date == request.proposed_date
    assert action.original_due_date == request.previous_due_date


@pytest.mark.django_db
def test_owner_cannot_decide_their_own_extension(client, owner):
    request = factories.ExtensionRequestFactory(action=factories.ActionFactory(owner=owner, in_progress=True))
    client.force_login(owner)

    response = client.post(reverse("tracker:extension-decide", args=[request.pk]), {"decision": "approve"})

    assert response.status_code == 403
    assert ExtensionRequest.objects.get().status == ExtensionRequest.Status.PENDING


@pytest.mark.django_db
def test_lead_edits_and_reassigns(client, owner, other_owner, lead):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="Old")
    client.force_login(lead)
    edit = url("action-edit", action)

    missing_reason = client.post(edit, {"title": "New", "owner": other_owner.pk, "reason": "", "version": 1})
    assert missing_reason.status_code == 400
    assert b"New" in missing_reason.content
    assert Action.objects.get().title == "Old"

    saved = client.post(edit, {"title": "New", "owner": other_owner.pk, "reason": "Handover", "version": 1})
    assert saved.status_code == 302
    action = Action.objects.get()
    assert (action.title, action.owner) == ("New", other_owner)
