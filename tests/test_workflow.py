"""The action workflow of DESIGN.md: every move, for every role, allowed or refused."""

import datetime

import pytest
from django.db import IntegrityError

from tests import factories
from tracker import services
from tracker.models import Action, ExtensionRequest, ProgressUpdate, SignOff
from tracker.services import ActionRefused

S = Action.Status
ROLES = ["owner", "other_owner", "lead", "reviewer", "auditor", "administrator"]


@pytest.fixture
def people(owner, other_owner, lead, reviewer, auditor, administrator):
    return {
        "owner": owner,
        "other_owner": other_owner,
        "lead": lead,
        "reviewer": reviewer,
        "auditor": auditor,
        "administrator": administrator,
    }


def action_in(status, owner, **kwargs):
    return factories.ActionFactory(owner=owner, **factories.STATUS_TRAITS[status], **kwargs)


def latest_history(action):
    return action.history.order_by("-history_id").first()


# Progress moves: start, block, unblock ----------------------------------------------------

PROGRESS_MOVES = [
    (S.NOT_STARTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.BLOCKED),
    (S.BLOCKED, S.IN_PROGRESS),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), PROGRESS_MOVES)
@pytest.mark.parametrize("role", ROLES)
def test_progress_moves_are_for_the_owner_and_leads(people, role, start, end):
    action = action_in(start, people["owner"])
    actor = people[role]

    if role in ("owner", "lead"):
        update = services.record_progress(action, by=actor, note="Moving on", move_to=end)
        action.refresh_from_db()
        assert action.status == end
        assert (update.status_from, update.status_to) == (start, end)
        history = latest_history(action)
        assert history.history_user == actor
        assert history.history_change_reason == "Moving on"
    else:
        with pytest.raises(ActionRefused, match="owner or an improvement lead"):
            services.record_progress(action, by=actor, note="Moving on", move_to=end)
        action.refresh_from_db()
        assert action.status == start
        assert not ProgressUpdate.objects.exists()


REFUSED_PROGRESS_MOVES = [
    (S.NOT_STARTED, S.BLOCKED),
    (S.NOT_STARTED, S.SUBMITTED),
    (S.NOT_STARTED, S.SIGNED_OFF),
    (S.IN_PROGRESS, S.NOT_STARTED),
    (S.IN_PROGRESS, S.SUBMITTED),  # submission has its own service, which checks evidence
    (S.IN_PROGRESS, S.SIGNED_OFF),
    (S.IN_PROGRESS, S.WITHDRAWN),
    (S.BLOCKED, S.SUBMITTED),
    (S.BLOCKED, S.NOT_STARTED),
    (S.SUBMITTED, S.IN_PROGRESS),  # only a reviewer's return does this
    (S.SUBMITTED, S.SIGNED_OFF),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), REFUSED_PROGRESS_MOVES)
def test_moves_outside_the_diagram_are_refused_even_for_a_lead(lead, owner, start, end):
    action = action_in(start, owner)

    with pytest.raises(ActionRefused, match="cannot move from"):
        services.record_progress(action, by=lead, note="Trying", move_to=end)

    action.refresh_from_db()
    assert action.status == start
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("final", [S.SIGNED_OFF, S.WITHDRAWN])
@pytest.mark.parametrize("role", ["owner", "lead"])
def test_final_actions_take_no_more_notes(people, role, final):
    action = action_in(final, people["owner"])

    with pytest.raises(ActionRefused, match="cannot be changed any more"):
        services.record_progress(action, by=people[role], note="One more thing")


@pytest.mark.django_db
def test_progress_note_without_a_move_keeps_the_status(owner):
    action = action_in(S.IN_PROGRESS, owner)

    update = services.record_progress(action, by=owner, note="Half the call handlers trained")

    action.refresh_from_db()
    assert action.status == S.IN_PROGRESS
    assert (update.status_from, update.status_to) == ("", "")
    assert update.author == owner


@pytest.mark.django_db
def test_empty_progress_note_is_refused(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="Write a progress note"):
        services.record_progress(action, by=owner, note="   ")


# Submission -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_submission_is_for_the_owner_and_leads(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    factories.EvidenceFactory(action=action)
    actor = people[role]

    if role in ("owner", "lead"):
        services.submit_for_sign_off(action, by=actor, note="All call handlers trained")
        action.refresh_from_db()
        assert action.status == S.SUBMITTED
        assert action.submitted_by == actor
        assert latest_history(action).history_user == actor
        assert latest_history(action).history_change_reason == "All call handlers trained"
    else:
        with pytest.raises(ActionRefused):
            services.submit_for_sign_off(action, by=actor)
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert action.submitted_by is None


@pytest.mark.django_db
def test_submission_needs_evidence(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="Add evidence"):
        services.submit_for_sign_off(action, by=owner)

    action.refresh_from_db()
    assert action.status == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("start", [S.NOT_STARTED, S.BLOCKED, S.SUBMITTED])
def test_only_an_action_in_progress_can_be_submitted(owner, start):
    action = action_in(start, owner)
    factories.EvidenceFactory(action=action)

    with pytest.raises(ActionRefused, match="Only an action in progress"):
        services.submit_for_sign_off(action, by=owner)


# Sign-off and return ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_pcc_reviewer_signs_off(people, role):
    action = action_in(S.SUBMITTED, people["owner"])
    actor = people[role]

    if role == "reviewer":
        sign_off = services.sign_off_action(action, by=actor, comment="Evidence seen at the panel")
        action.refresh_from_db()
        assert action.status == S.SIGNED_OFF
        assert (sign_off.decision, sign_off.decided_by, sign_off.comment) == (
            SignOff.Decision.APPROVE,
            actor,
            "Evidence seen at the panel",
        )
        assert latest_history(action).history_user == actor
    else:
        with pytest.raises(ActionRefused, match="Only a PCC reviewer"):
            services.sign_off_action(action, by=actor)
        action.refresh_from_db()
        assert action.status == S.SUBMITTED
        assert not SignOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_pcc_reviewer_returns(people, role):
    action = action_in(S.SUBMITTED, people["owner"])
    actor = people[role]

    if role == "reviewer":
        services.return_action(action, by=actor, comment="The audit covers one shift only")
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert SignOff.objects.get().decision == SignOff.Decision.RETURN
        history = latest_history(action)
        assert history.history_user == actor
        assert "The audit covers one shift only" in history.history_change_reason
    else:
        with pytest.raises(ActionRefused, match="Only a PCC reviewer"):
            services.return_action(action, by=actor, comment="No")
        action.refresh_from_db()
        assert action.status == S.SUBMITTED


@pytest.mark.django_db
def test_return_needs_a_comment(reviewer, owner):
    action = action_in(S.SUBMITTED, owner)

    with pytest.raises(ActionRefused, match="Say why"):
        services.return_action(action, by=reviewer, comment="  ")

    action.refresh_from_db()
    assert action.status == S.SUBMITTED
    assert not SignOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("service", ["sign_off_action", "return_action"])
@pytest.mark.parametrize("start", [S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.SIGNED_OFF, S.WITHDRAWN])
def test_only_a_submitted_action_is_decided(reviewer, owner, service, start):
    action = action_in(start, owner)

    with pytest.raises(ActionRefused, match="Only a submitted action"):
        getattr(services, service)(action, by=reviewer, comment="Decided")

    action.refresh_from_db()
    assert action.status == start


@pytest.mark.django_db
def test_reviewer_cannot_sign_off_an_action_they_own():
    reviewer = factories.UserFactory(role="PCC reviewer")
    reviewer.groups.add(*factories.OwnerFactory().groups.all())
    action = action_in(S.SUBMITTED, reviewer)

    with pytest.raises(ActionRefused, match="own or submitted"):
        services.sign_off_action(action, by=reviewer)
    with pytest.raises(ActionRefused, match="own or submitted"):
        services.return_action(action, by=reviewer, comment="Not mine to judge")


@pytest.mark.django_db
def test_reviewer_cannot_sign_off_an_action_they_submitted(owner):
    reviewer_and_lead = factories.UserFactory(role="PCC reviewer")
    reviewer_and_lead.groups.add(*factories.LeadFactory().groups.all())
    action = action_in(S.IN_PROGRESS, owner)
    factories.EvidenceFactory(action=action)
    services.submit_for_sign_off(action, by=reviewer_and_lead)

    with pytest.raises(ActionRefused, match="own or submitted"):
        services.sign_off_action(action, by=reviewer_and_lead)


@pytest.mark.django_db
def test_a_returned_action_can_be_resubmitted_and_signed_off(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)
    services.return_action(action, by=reviewer, comment="Add the dip-sample results")
    services.record_progress(action, by=owner, note="Dip-sample results attached")
    services.submit_for_sign_off(action, by=owner)

    services.sign_off_action(action, by=reviewer)

    action.refresh_from_db()
    assert action.status == S.SIGNED_OFF
    assert list(action.sign_offs.values_list("decision", flat=True)) == ["return", "approve"]


@pytest.mark.django_db
def test_a_second_sign_off_is_refused(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)
    services.sign_off_action(action, by=reviewer)

    with pytest.raises(ActionRefused, match="signed off"):
        services.sign_off_action(action, by=factories.ReviewerFactory())

    assert SignOff.objects.count() == 1


@pytest.mark.django_db
def test_sign_off_that_fails_leaves_nothing_half_written(owner, reviewer):
    action = action_in(S.SUBMITTED, owner)
    # An approval already on record (written outside the workflow) makes the
    # sign-off's second write fail after its first has been made.
    SignOff.objects.create(action=action, decision=SignOff.Decision.APPROVE, decided_by=reviewer)
    history_before = action.history.count()

    with pytest.raises(IntegrityError):
        services.sign_off_action(action, by=reviewer)

    action.refresh_from_db()
    assert action.status == S.SUBMITTED
    assert action.history.count() == history_before
    assert SignOff.objects.count() == 1


# Sign-offs are append-only ----------------------------------------------------------------


@pytest.mark.django_db
def test_sign_offs_cannot_be_changed_or_deleted(owner, reviewer):
    sign_off = services.sign_off_action(action_in(S.SUBMITTED, owner), by=reviewer)

    sign_off.comment = "Rewritten later"
    with pytest.raises(TypeError, match="append-only"):
        sign_off.save()
    with pytest.raises(TypeError, match="append-only"):
        sign_off.delete()
    with pytest.raises(TypeError, match="append-only"):
        SignOff.objects.filter(pk=sign_off.pk).update(comment="Rewritten later")
    with pytest.raises(TypeError, match="append-only"):
        SignOff.objects.all().delete()

    sign_off.refresh_from_db()
    assert sign_off.comment == ""


# Withdrawal -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("start", [S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.SUBMITTED])
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_withdraws(people, role, start):
    action = action_in(start, people["owner"])
    actor = people[role]

    if role == "lead":
        services.withdraw_action(action, by=actor, reason="Superseded by the new control room model")
        action.refresh_from_db()
        assert action.status == S.WITHDRAWN
        history = latest_history(action)
        assert history.history_user == actor
        assert "Superseded by the new control room model" in history.history_change_reason
        assert action.progress_updates.get().status_to == S.WITHDRAWN
    else:
        with pytest.raises(ActionRefused, match="Only an improvement lead"):
            services.withdraw_action(action, by=actor, reason="No")
        action.refresh_from_db()
        assert action.status == start


@pytest.mark.django_db
def test_withdrawal_needs_a_reason(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="reason"):
        services.withdraw_action(action, by=lead, reason="")

    action.refresh_from_db()
    assert action.status == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("final", [S.SIGNED_OFF, S.WITHDRAWN])
def test_final_actions_cannot_be_withdrawn(lead, owner, final):
    action = action_in(final, owner)

    with pytest.raises(ActionRefused, match="cannot be changed any more"):
        services.withdraw_action(action, by=lead, reason="Tidying up")


@pytest.mark.django_db
def test_withdrawal_closes_a_pending_extension(lead, owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))

    services.withdraw_action(request.action, by=lead, reason="Merged into another action")

    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REFUSED
    assert request.decided_by == lead


# Evidence ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_evidence_is_added_by_the_owner_and_leads(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    actor = people[role]

    if role in ("owner", "lead"):
        evidence = services.add_evidence(action, by=actor, title="Audit", url="https://intranet.example/audit")
        assert evidence.added_by == actor
        assert evidence.history.get().history_user == actor
    else:
        with pytest.raises(ActionRefused):
            services.add_evidence(action, by=actor, title="Audit", url="https://intranet.example/audit")
        assert not action.evidence.exists()


@pytest.mark.django_db
def test_evidence_is_a_file_or_a_link_not_neither(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="either a file or a link"):
        services.add_evidence(action, by=owner, title="Nothing attached")


@pytest.mark.django_db
def test_evidence_of_a_submitted_action_is_frozen(owner):
    action = action_in(S.SUBMITTED, owner)

    with pytest.raises(ActionRefused, match="waiting for sign-off"):
        services.add_evidence(action, by=owner, title="Late", url="https://intranet.example/late")


# Extensions -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_extensions_are_requested_by_the_owner_and_leads(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    actor = people[role]
    new_date = action.due_date + datetime.timedelta(days=30)

    if role in ("owner", "lead"):
        request = services.request_extension(action, by=actor, proposed_date=new_date, reason="Training delayed")
        assert (request.status, request.requested_by, request.previous_due_date) == (
            ExtensionRequest.Status.PENDING,
            actor,
            action.due_date,
        )
    else:
        with pytest.raises(ActionRefused):
            services.request_extension(action, by=actor, proposed_date=new_date, reason="Training delayed")
        assert not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_extension_must_move_the_date_later(owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ActionRefused, match="must be after"):
        services.request_extension(action, by=owner, proposed_date=action.due_date, reason="Same day")


@pytest.mark.django_db
def test_only_one_extension_request_waits_at_a_time(owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))

    with pytest.raises(ActionRefused, match="already has an extension request"):
        services.request_extension(request.action, by=owner, proposed_date=request.proposed_date, reason="Asking again")


@pytest.mark.django_db
def test_extension_of_a_submitted_action_is_refused(owner):
    action = action_in(S.SUBMITTED, owner)

    with pytest.raises(ActionRefused, match="waiting for sign-off"):
        services.request_extension(
            action, by=owner, proposed_date=action.due_date + datetime.timedelta(days=1), reason="More time"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_decides_extensions(people, role):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, people["owner"]))
    actor = people[role]

    if role == "lead":
        services.decide_extension(request, by=actor, approve=True, comment="Agreed at the board")
        request.refresh_from_db()
        assert request.status == ExtensionRequest.Status.APPROVED
        assert request.decided_by == actor
    else:
        with pytest.raises(ActionRefused):
            services.decide_extension(request, by=actor, approve=True)
        request.refresh_from_db()
        assert request.status == ExtensionRequest.Status.PENDING


@pytest.mark.django_db
def test_approved_extension_moves_the_due_date_and_keeps_the_original(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    original = action.due_date
    request = services.request_extension(
        action, by=owner, proposed_date=original + datetime.timedelta(days=45), reason="Training places"
    )

    services.decide_extension(request, by=lead, approve=True, comment="Agreed")

    action.refresh_from_db()
    assert action.due_date == original + datetime.timedelta(days=45)
    assert action.original_due_date == original
    history = latest_history(action)
    assert history.history_user == lead
    assert "Extension approved" in history.history_change_reason


@pytest.mark.django_db
def test_refused_extension_leaves_the_due_date_and_needs_a_reason(lead, owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))
    due = request.action.due_date

    with pytest.raises(ActionRefused, match="why the extension is refused"):
        services.decide_extension(request, by=lead, approve=False)
    services.decide_extension(request, by=lead, approve=False, comment="The panel expects this by spring")

    request.refresh_from_db()
    request.action.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REFUSED
    assert request.action.due_date == due


@pytest.mark.django_db
def test_a_lead_cannot_decide_their_own_extension_request(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    request = services.request_extension(
        action, by=lead, proposed_date=action.due_date + datetime.timedelta(days=10), reason="Lead asks"
    )

    with pytest.raises(ActionRefused, match="your own extension request"):
        services.decide_extension(request, by=lead, approve=True)


@pytest.mark.django_db
def test_a_decided_extension_cannot_be_decided_again(lead, owner):
    request = factories.ExtensionRequestFactory(action=action_in(S.IN_PROGRESS, owner))
    services.decide_extension(request, by=lead, approve=False, comment="No")

    with pytest.raises(ActionRefused, match="already been decided"):
        services.decide_extension(request, by=lead, approve=True)


@pytest.mark.django_db
def test_extension_decision_that_fails_leaves_nothing_half_written(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    request = factories.ExtensionRequestFactory(action=action)
    # The action closed after the request was made (outside the workflow), so
    # the decision must refuse before writing anything.
    Action.objects.filter(pk=action.pk).update(status=S.WITHDRAWN)

    with pytest.raises(ActionRefused):
        services.decide_extension(request, by=lead, approve=True)

    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.PENDING
    assert request.history.count() == 1


# Plan editing -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_creates_actions(people, role):
    finding = factories.FindingFactory()
    actor = people[role]
    due = datetime.date(2027, 6, 30)

    if role == "lead":
        action = services.create_action(
            finding, by=actor, title="Audit THRIVE use", owner=people["owner"], due_date=due
        )
        assert (action.status, action.due_date, action.original_due_date, action.created_by) == (
            S.NOT_STARTED,
            due,
            due,
            actor,
        )
        assert action.history.get().history_user == actor
    else:
        with pytest.raises(ActionRefused, match="Only an improvement lead"):
            services.create_action(finding, by=actor, title="Audit", owner=people["owner"], due_date=due)
        assert not Action.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "auditor", "administrator"])
def test_actions_are_owned_only_by_owners_and_leads(people, lead, role):
    finding = factories.FindingFactory()

    with pytest.raises(ActionRefused, match="cannot own actions"):
        services.create_action(finding, by=lead, title="Audit", owner=people[role], due_date=datetime.date(2027, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_edits_and_reassigns_an_action(people, role):
    action = action_in(S.IN_PROGRESS, people["owner"])
    actor = people[role]

    if role == "lead":
        services.edit_action(action, by=actor, reason="Handover", owner=people["other_owner"], title="New title")
        action.refresh_from_db()
        assert (action.owner, action.title) == (people["other_owner"], "New title")
        assert latest_history(action).history_change_reason == "Handover"
    else:
        with pytest.raises(ActionRefused):
            services.edit_action(action, by=actor, reason="Mine now", owner=actor)
        action.refresh_from_db()
        assert action.owner == people["owner"]


@pytest.mark.django_db
def test_edit_action_never_moves_the_due_date(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)

    with pytest.raises(ValueError, match="due_date"):
        services.edit_action(action, by=lead, reason="Quietly", due_date=datetime.date(2030, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("final", [S.SIGNED_OFF, S.WITHDRAWN])
def test_final_actions_cannot_be_edited(lead, owner, final):
    action = action_in(final, owner)

    with pytest.raises(ActionRefused, match="cannot be changed any more"):
        services.edit_action(action, by=lead, reason="Typo", title="Rewritten")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_lead_creates_inspections_and_findings(people, role):
    actor = people[role]
    fields = {"slug": "vulnerability-2018", "title": "Vulnerability", "force": "Herts", "published": "2018-01-01"}

    if role == "lead":
        inspection = services.create_inspection(by=actor, **fields)
        finding = services.create_finding(
            by=actor, inspection=inspection, kind="area_for_improvement", reference="AFI1", text="Improve."
        )
        assert inspection.history.get().history_user == actor
        assert finding.history.get().history_user == actor
    else:
        with pytest.raises(ActionRefused, match="Only an improvement lead"):
            services.create_inspection(by=actor, **fields)


@pytest.mark.django_db
def test_recommendation_sits_only_under_a_cause_of_concern_in_its_own_inspection(lead):
    concern = factories.FindingFactory(cause_of_concern=True)
    afi = factories.FindingFactory(inspection=concern.inspection)
    elsewhere = factories.FindingFactory(cause_of_concern=True)

    def add(parent, kind="recommendation"):
        return services.create_finding(
            by=lead,
            inspection=concern.inspection,
            kind=kind,
            reference=f"R-{parent.pk}-{kind}",
            text="T",
            parent=parent,
        )

    assert add(concern).parent == concern
    with pytest.raises(ActionRefused, match="only under a cause of concern"):
        add(afi)
    with pytest.raises(ActionRefused, match="only under a cause of concern"):
        add(concern, kind="area_for_improvement")
    with pytest.raises(ActionRefused, match="same inspection"):
        add(elsewhere)


# The PCC response -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_pcc_office_records_the_response(people, role):
    inspection = factories.InspectionFactory()
    actor = people[role]
    dates = {
        "comments_invited": datetime.date(2017, 3, 3),
        "comments_received": datetime.date(2017, 3, 20),
        "response_published": datetime.date(2017, 4, 1),
    }

    if role == "reviewer":
        services.record_pcc_response(inspection, by=actor, **dates)
        inspection.refresh_from_db()
        assert inspection.response_published == datetime.date(2017, 4, 1)
        assert inspection.history.order_by("-history_id").first().history_user == actor
    else:
        with pytest.raises(ActionRefused, match="PCC's office"):
            services.record_pcc_response(inspection, by=actor, **dates)


@pytest.mark.django_db
def test_comments_cannot_be_received_before_they_were_invited(reviewer):
    inspection = factories.InspectionFactory()

    with pytest.raises(ActionRefused, match="before they were invited"):
        services.record_pcc_response(
            inspection,
            by=reviewer,
            comments_invited=datetime.date(2017, 3, 20),
            comments_received=datetime.date(2017, 3, 3),
            response_published=None,
        )


# Finding discharge ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_a_pcc_reviewer_discharges_a_finding(people, role):
    finding = factories.FindingFactory()
    action_in(S.SIGNED_OFF, people["owner"], finding=finding)
    action_in(S.WITHDRAWN, people["owner"], finding=finding)
    actor = people[role]

    if role == "reviewer":
        sign_off = services.discharge_finding(finding, by=actor, comment="Panel satisfied")
        assert (sign_off.finding, sign_off.decided_by) == (finding, actor)
    else:
        with pytest.raises(ActionRefused, match="Only a PCC reviewer"):
            services.discharge_finding(finding, by=actor)
        assert not SignOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("open_status", [S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.SUBMITTED])
def test_a_finding_with_an_open_action_cannot_be_discharged(reviewer, owner, open_status):
    finding = factories.FindingFactory()
    action_in(S.SIGNED_OFF, owner, finding=finding)
    action_in(open_status, owner, finding=finding)

    with pytest.raises(ActionRefused, match="Every action must be signed off or withdrawn"):
        services.discharge_finding(finding, by=reviewer)


@pytest.mark.django_db
def test_a_finding_without_actions_cannot_be_discharged(reviewer):
    with pytest.raises(ActionRefused, match="no actions yet"):
        services.discharge_finding(factories.FindingFactory(), by=reviewer)


@pytest.mark.django_db
def test_a_discharged_finding_is_final(reviewer, lead, owner):
    finding = factories.FindingFactory()
    action_in(S.SIGNED_OFF, owner, finding=finding)
    services.discharge_finding(finding, by=reviewer)

    with pytest.raises(ActionRefused, match="already been discharged"):
        services.discharge_finding(finding, by=factories.ReviewerFactory())
    with pytest.raises(ActionRefused, match="discharged"):
        services.update_finding(finding, by=lead, text="Rewritten")
    with pytest.raises(ActionRefused, match="discharged"):
        services.create_action(finding, by=lead, title="More", owner=owner, due_date=datetime.date(2027, 1, 1))
