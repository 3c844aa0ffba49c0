"""Factories for building test state directly, with traits for each workflow state.

State built here skips the services on purpose (tests of the services start
from it); history rows are still written by simple-history on save, and the
values an action keeps from its records (last progress, drift) are worked out
again from the records after a note or an extension request is made here.
"""

import datetime

import factory
from django.contrib.auth.models import Group
from django.db.models import OuterRef

from tracker import clock, permissions
from tracker.models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    ProgressUpdate,
    SignOff,
    Theme,
    User,
    drift,
    last_progress,
)

TODAY = datetime.date(2026, 11, 26)


def in_role(default: str | None):
    """A post-generation hook that puts the user in a role: UserFactory(role=permissions.LEAD)."""

    def add_to_group(user, create, extracted, **kwargs):
        name = extracted or default
        if create and name:
            user.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(add_to_group)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.police.uk")
    password = factory.django.Password("correct horse battery staple")
    role = in_role(None)


class OwnerFactory(UserFactory):
    role = in_role(permissions.OWNER)


class LeadFactory(UserFactory):
    role = in_role(permissions.LEAD)


class ReviewerFactory(UserFactory):
    role = in_role(permissions.REVIEWER)


class AuditorFactory(UserFactory):
    role = in_role(permissions.AUDITOR)


class AdministratorFactory(UserFactory):
    role = in_role(permissions.ADMINISTRATOR)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        skip_postgeneration_save = True
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Theme {n}")


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"inspection-{n}")
    title = factory.Sequence(lambda n: f"PEEL inspection {n}")
    force = "Hertfordshire Constabulary"
    published = datetime.date(2017, 3, 2)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding
        skip_postgeneration_save = True

    inspection = factory.SubFactory(InspectionFactory)
    kind = Finding.Kind.AREA_FOR_IMPROVEMENT
    reference = factory.Sequence(lambda n: f"AFI{n}")
    text = "The force should improve how supervisors review investigations."

    class Params:
        cause_of_concern = factory.Trait(kind=Finding.Kind.CAUSE_OF_CONCERN)
        recommendation = factory.Trait(kind=Finding.Kind.RECOMMENDATION)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    finding = factory.SubFactory(FindingFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(OwnerFactory)
    created_by = factory.SubFactory(LeadFactory)
    due_date = TODAY + datetime.timedelta(days=60)
    original_due_date = factory.SelfAttribute("due_date")
    status = Action.Status.NOT_STARTED

    class Params:
        in_progress = factory.Trait(status=Action.Status.IN_PROGRESS)
        blocked = factory.Trait(status=Action.Status.BLOCKED)
        submitted = factory.Trait(
            status=Action.Status.SUBMITTED,
            submitted_by=factory.SelfAttribute("owner"),
            submitted_at=factory.LazyFunction(clock.now),
            with_evidence=factory.RelatedFactory("tests.factories.EvidenceFactory", factory_related_name="action"),
        )
        signed_off = factory.Trait(
            status=Action.Status.SIGNED_OFF,
            submitted_by=factory.SelfAttribute("owner"),
            submitted_at=factory.LazyFunction(clock.now),
            with_evidence=factory.RelatedFactory("tests.factories.EvidenceFactory", factory_related_name="action"),
        )
        withdrawn = factory.Trait(status=Action.Status.WITHDRAWN)
        overdue = factory.Trait(due_date=TODAY - datetime.timedelta(days=10))


# The ActionFactory trait for each status, as keyword arguments: ActionFactory(**STATUS_TRAITS[status]).
STATUS_TRAITS = {
    Action.Status.NOT_STARTED: {},
    Action.Status.IN_PROGRESS: {"in_progress": True},
    Action.Status.BLOCKED: {"blocked": True},
    Action.Status.SUBMITTED: {"submitted": True},
    Action.Status.SIGNED_OFF: {"signed_off": True},
    Action.Status.WITHDRAWN: {"withdrawn": True},
}


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence
        skip_postgeneration_save = True

    action = factory.SubFactory(ActionFactory)
    title = "Control room audit report"
    url = "https://intranet.example.police.uk/audits/control-room"
    added_by = factory.SelfAttribute("action.owner")


def keep_action_values(record, create: bool, extracted, **kwargs) -> None:
    """What the services keep on the action when they write a note or decide an extension, from the records."""
    if create:
        Action.objects.filter(pk=record.action_id).update(
            last_progress_at=last_progress(OuterRef("pk")), drift=drift(OuterRef("pk"))
        )


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate
        skip_postgeneration_save = True

    action = factory.SubFactory(ActionFactory)
    author = factory.SelfAttribute("action.owner")
    note = "Training plan agreed with the control room."
    keep_action_values = factory.PostGeneration(keep_action_values)


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtensionRequest
        skip_postgeneration_save = True

    action = factory.SubFactory(ActionFactory, in_progress=True)
    proposed_date = factory.LazyAttribute(lambda r: r.action.due_date + datetime.timedelta(days=30))
    previous_due_date = factory.SelfAttribute("action.due_date")
    reason = "Training places are not available until the new year."
    requested_by = factory.SelfAttribute("action.owner")
    keep_action_values = factory.PostGeneration(keep_action_values)


class SignOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignOff
        skip_postgeneration_save = True

    action = factory.SubFactory(ActionFactory, signed_off=True)
    decision = SignOff.Decision.APPROVE
    decided_by = factory.SubFactory(ReviewerFactory)
