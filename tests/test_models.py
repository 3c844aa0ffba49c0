"""The rules the database holds itself, and the questions models answer."""

import datetime
import importlib

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from tests import factories
from tracker import services
from tracker.models import (
    Action,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    ProgressUpdate,
    RegisterEntry,
    SignOff,
    Theme,
)

TODAY = factories.TODAY


def refused(create):
    """The database refuses the write, and the surrounding transaction survives."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# Valid choices ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Inspection, "kind"),
        (Inspection, "overall_grade"),
        (Finding, "kind"),
        (Action, "status"),
        (Judgement, "grade"),
        (RegisterEntry, "status"),
        (ProgressUpdate, "status_to"),
        (SignOff, "decision"),
    ],
)
def test_the_database_refuses_a_value_outside_the_choices(model, field):
    action = factories.ActionFactory()
    obj = {
        Inspection: lambda: action.finding.inspection,
        Finding: lambda: action.finding,
        Action: lambda: action,
        Judgement: lambda: Judgement.objects.create(
            inspection=action.finding.inspection, position=1, question="Q", grade="good"
        ),
        RegisterEntry: lambda: RegisterEntry.objects.create(
            finding=action.finding, date=TODAY, status="awaiting-review"
        ),
        ProgressUpdate: lambda: factories.ProgressUpdateFactory(action=action),
        SignOff: lambda: None,
    }[model]()

    if model is SignOff:
        refused(lambda: SignOff.objects.create(action=action, decision="maybe", decided_by=action.owner))
    else:
        refused(lambda: model.objects.filter(pk=obj.pk).update(**{field: "not-a-choice"}))


# Findings ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_references_are_unique_within_an_inspection_ignoring_case():
    finding = factories.FindingFactory(reference="AFI1")

    refused(lambda: factories.FindingFactory(inspection=finding.inspection, reference="afi1"))
    # The same reference in another inspection is another finding.
    assert factories.FindingFactory(reference="AFI1").reference == "AFI1"


@pytest.mark.django_db
def test_a_finding_cannot_be_its_own_parent():
    finding = factories.FindingFactory(cause_of_concern=True)

    refused(lambda: Finding.objects.filter(pk=finding.pk).update(parent=finding))


@pytest.mark.django_db
def test_parents_cannot_form_a_cycle():
    grandparent = factories.FindingFactory(cause_of_concern=True)
    parent = factories.FindingFactory(inspection=grandparent.inspection, parent=grandparent)
    child = factories.FindingFactory(inspection=grandparent.inspection, parent=parent)

    refused(lambda: Finding.objects.filter(pk=grandparent.pk).update(parent=child))


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["text", "reference"])
def test_a_finding_needs_its_text_and_reference(field):
    finding = factories.FindingFactory()

    refused(lambda: Finding.objects.filter(pk=finding.pk).update(**{field: ""}))


@pytest.mark.django_db
def test_theme_names_are_unique_ignoring_case():
    Theme.objects.create(name="Roads policing")

    refused(lambda: Theme.objects.create(name="roads POLICING"))


# Actions and their records ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_action_needs_a_title():
    action = factories.ActionFactory()

    refused(lambda: Action.objects.filter(pk=action.pk).update(title=""))


@pytest.mark.django_db
def test_a_progress_note_is_never_empty():
    action = factories.ActionFactory()

    refused(lambda: ProgressUpdate.objects.create(action=action, author=action.owner, note=""))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "url"),
    [("", ""), ("evidence/1/audit.pdf", "https://intranet.example/audit")],
)
def test_evidence_is_exactly_one_of_a_file_or_a_link(file, url):
    action = factories.ActionFactory()

    refused(lambda: factories.EvidenceFactory(action=action, file=file, url=url))


@pytest.mark.django_db
def test_an_extension_decision_records_who_and_when():
    request = factories.ExtensionRequestFactory()

    refused(lambda: type(request).objects.filter(pk=request.pk).update(status="approved"))


@pytest.mark.django_db
def test_only_one_extension_request_is_pending_per_action():
    request = factories.ExtensionRequestFactory()

    refused(lambda: factories.ExtensionRequestFactory(action=request.action))


@pytest.mark.django_db
def test_an_extension_request_needs_a_reason():
    refused(lambda: factories.ExtensionRequestFactory(reason=""))


@pytest.mark.django_db
def test_one_approval_per_action():
    sign_off = factories.SignOffFactory()

    refused(lambda: factories.SignOffFactory(action=sign_off.action))


@pytest.mark.django_db
def test_a_return_needs_a_comment():
    refused(lambda: factories.SignOffFactory(decision=SignOff.Decision.RETURN, comment=""))


@pytest.mark.django_db
def test_a_sign_off_is_about_an_action_or_a_finding_not_both():
    action = factories.ActionFactory(signed_off=True)

    refused(lambda: factories.SignOffFactory(action=action, finding=action.finding))
    refused(lambda: factories.SignOffFactory(action=None, finding=None))


@pytest.mark.django_db
def test_a_finding_is_discharged_once_and_never_returned():
    finding = factories.FindingFactory()
    factories.SignOffFactory(action=None, finding=finding)

    refused(lambda: factories.SignOffFactory(action=None, finding=finding))
    refused(
        lambda: factories.SignOffFactory(
            action=None, finding=factories.FindingFactory(), decision=SignOff.Decision.RETURN, comment="No"
        )
    )


@pytest.mark.django_db
def test_audited_rows_cannot_be_deleted_from_under_their_records():
    sign_off = factories.SignOffFactory()
    action = sign_off.action

    with pytest.raises(ProtectedError):
        action.finding.delete()
    with pytest.raises(ProtectedError):
        action.owner.delete()
    with pytest.raises(ProtectedError):
        sign_off.decided_by.delete()


# Questions models answer ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "due_in_days", "rag"),
    [
        (Action.Status.IN_PROGRESS, -1, "red"),
        (Action.Status.NOT_STARTED, 0, "amber"),
        (Action.Status.IN_PROGRESS, 14, "amber"),
        (Action.Status.IN_PROGRESS, 15, "green"),
        (Action.Status.BLOCKED, 90, "amber"),
        (Action.Status.BLOCKED, -3, "red"),
        (Action.Status.SUBMITTED, 60, "green"),
        (Action.Status.SIGNED_OFF, -30, "complete"),
        (Action.Status.WITHDRAWN, -30, ""),
    ],
)
def test_rag(status, due_in_days, rag):
    action = Action(status=status, due_date=TODAY + datetime.timedelta(days=due_in_days))

    assert action.rag(TODAY) == rag
    assert action.is_overdue(TODAY) == (rag == "red")


@pytest.mark.parametrize(
    ("published", "deadline"),
    [
        # Hertfordshire, published before section 55(5A) came into force: no statutory deadline.
        (datetime.date(2017, 3, 2), None),
        (datetime.date(2017, 5, 1), None),
        (datetime.date(2017, 5, 2), datetime.date(2017, 6, 26)),
        (datetime.date(2017, 6, 1), datetime.date(2017, 7, 26)),
    ],
)
def test_pcc_response_deadline_follows_the_rule_in_force_on_publication(published, deadline):
    assert Inspection(published=published).response_deadline == deadline


def test_grade_scale_gains_adequate_from_2021():
    assert "adequate" not in dict(Inspection(published=datetime.date(2017, 3, 2)).grade_scale)
    assert "adequate" in dict(Inspection(published=datetime.date(2022, 3, 2)).grade_scale)


@pytest.mark.django_db
def test_finding_status_is_derived_from_its_actions(owner, reviewer):
    finding = factories.FindingFactory()

    def status():
        return Finding.objects.with_progress().get(pk=finding.pk).derived_status

    assert status() == Finding.Status.AWAITING_ALLOCATION
    open_action = factories.ActionFactory(finding=finding, in_progress=True)
    factories.ActionFactory(finding=finding, signed_off=True)
    assert status() == Finding.Status.OPEN
    Action.objects.filter(pk=open_action.pk).update(status=Action.Status.WITHDRAWN)
    assert status() == Finding.Status.READY_TO_DISCHARGE
    factories.SignOffFactory(action=None, finding=finding)
    assert status() == Finding.Status.DISCHARGED


# Sums an action keeps of its records ---------------------------------------------------------


def test_open_and_final_statuses_share_out_every_status():
    assert set(Action.OPEN_STATUSES) | set(Action.FINAL_STATUSES) == set(Action.Status)
    assert not set(Action.OPEN_STATUSES) & set(Action.FINAL_STATUSES)
    assert set(Action.OWNERS_STATUSES) == set(Action.OPEN_STATUSES) - {Action.Status.SUBMITTED}


@pytest.mark.django_db
def test_an_action_keeps_the_time_of_its_latest_progress(owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    assert action.last_progress_at >= action.created_at

    note = services.record_progress(action, by=owner, note="Trainers booked")
    action.refresh_from_db()
    assert action.last_progress_at == note.created_at

    factories.ProgressUpdateFactory(action=factories.ActionFactory())  # another action's note changes nothing
    action.refresh_from_db()
    assert action.last_progress_at == note.created_at


@pytest.mark.django_db
def test_an_action_keeps_the_count_of_its_approved_extensions(owner, lead):
    action = factories.ActionFactory(owner=owner, in_progress=True, due_date=datetime.date(2030, 1, 1))

    refused = services.request_extension(action, by=owner, proposed_date=datetime.date(2030, 6, 1), reason="Staff")
    services.decide_extension(refused, by=lead, approve=False, comment="No")
    action.refresh_from_db()
    assert action.drift == 0

    for month in (2, 3):
        asked = services.request_extension(
            action, by=owner, proposed_date=datetime.date(2030, month, 1), reason="Training"
        )
        services.decide_extension(asked, by=lead, approve=True)
    action.refresh_from_db()
    assert action.drift == 2
    assert Action.objects.filter(drift=2).get() == action


@pytest.mark.django_db
def test_the_migration_works_out_the_kept_sums_from_the_records(owner, lead):
    from django.apps import apps

    work_out = importlib.import_module("tracker.migrations.0006_action_progress_and_drift").work_out
    action = factories.ActionFactory(owner=owner, in_progress=True)
    note = services.record_progress(action, by=owner, note="Started")
    factories.ExtensionRequestFactory(
        action=action, status=ExtensionRequest.Status.APPROVED, decided_by=lead, decided_at=timezone.now()
    )
    quiet = factories.ActionFactory(owner=owner)
    Action.objects.update(drift=7, last_progress_at=timezone.now() + datetime.timedelta(days=9))

    work_out(apps, None)

    action.refresh_from_db()
    quiet.refresh_from_db()
    assert (action.drift, action.last_progress_at) == (1, note.created_at)
    assert (quiet.drift, quiet.last_progress_at) == (0, quiet.created_at)


@pytest.mark.django_db
def test_an_action_keeps_when_it_was_last_submitted(owner, reviewer):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    factories.EvidenceFactory(action=action)
    services.submit_for_sign_off(action, by=owner)
    first = Action.objects.get(pk=action.pk).submitted_at
    services.return_action(action, by=reviewer, comment="Show the audit")

    services.submit_for_sign_off(action, by=owner)

    action.refresh_from_db()
    latest_submission = ProgressUpdate.objects.filter(action=action, status_to=Action.Status.SUBMITTED).last()
    assert first < action.submitted_at
    assert abs(action.submitted_at - latest_submission.created_at) < datetime.timedelta(seconds=1)


@pytest.mark.django_db
def test_the_migration_works_out_when_each_action_was_submitted(owner):
    from django.apps import apps

    work_out = importlib.import_module("tracker.migrations.0007_action_submitted_at").work_out
    submitted = factories.ActionFactory(owner=owner, in_progress=True)
    factories.EvidenceFactory(action=submitted)
    services.submit_for_sign_off(submitted, by=owner)
    note = ProgressUpdate.objects.get(action=submitted, status_to=Action.Status.SUBMITTED)
    # Marked submitted with no submission note (as the admin or an import could leave it).
    unnoted = factories.ActionFactory(owner=owner, submitted=True)
    never = factories.ActionFactory(owner=owner, in_progress=True)
    Action.objects.update(submitted_at=None)

    work_out(apps, None)

    submitted.refresh_from_db()
    unnoted.refresh_from_db()
    never.refresh_from_db()
    assert submitted.submitted_at == note.created_at
    assert unnoted.submitted_at == unnoted.updated_at
    assert never.submitted_at is None
