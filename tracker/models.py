"""The improvement plan: inspections, their findings, and the actions that answer them.

Models answer questions; every write that matters lives in tracker/services.py.
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from . import clock
from .conditions import holds
from .deadlines import SuggestedDue, suggest_due_date

# Section 55(5A) Police Act 1996, in force from 2 May 2017 (SI 2017/399): the
# PCC responds within 56 days of publication, the day of publication being the
# first, so a report published on 1 June 2017 is due by 26 July 2017.
RESPONSE_DEADLINE_FROM = datetime.date(2017, 5, 2)
RESPONSE_DEADLINE_DAYS = 56

# PEEL used four grades until 2019; "adequate" joined them from 2021/22.
FIVE_GRADE_SCALE_FROM = datetime.date(2021, 1, 1)

# The dashboards warn the PCC's office this many days before the response is due.
RESPONSE_WARNING_DAYS = 14

OGL_ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


def choices_constraint(field: str, choices: type[models.TextChoices], name: str, *, blank: bool = False):
    """A CheckConstraint so that the database itself refuses a value outside the choices."""
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(condition=Q(**{f"{field}__in": allowed}), name=name)


class EmailPreference(models.TextChoices):
    IMMEDIATE = "immediate", "Straight away, an email for each thing that happens"
    DAILY = "daily", "Once a day, in the morning's reminder email"


class User(AbstractUser):
    EmailPreference = EmailPreference
    job_title = models.CharField(max_length=150, blank=True)
    # How the person hears of what happens to their actions (tracker/notifications.py).
    email_preference = models.CharField(
        "emails about what happens", max_length=20, choices=EmailPreference.choices, default=EmailPreference.IMMEDIATE
    )
    # Single sign-on: the identity provider's subject claim for this person (tracker/sso.py), set at their
    # first sign-on and matched on at every one after. Never an email address, which can change hands.
    sso_subject = models.CharField(
        "single sign-on subject", max_length=255, unique=True, null=True, blank=True, editable=False
    )

    # Who held which role, and when: role changes are part of the audit trail.
    # Password hashes and sign-in times are not history anyone should read.
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    class Meta:
        ordering = ["last_name", "first_name", "username", "pk"]
        constraints = [choices_constraint("email_preference", EmailPreference, "user_email_preference_valid")]

    def __str__(self):
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How a person is named on every page: their full name, or their username if they have none."""
        return f"{first_name} {last_name}".strip() or username


class Theme(models.Model):
    """Reference data (fixtures/themes.json), so that every inspection reports against the same themes."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="theme_name_unique")]

    def __str__(self):
        return self.name


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_GRADED = "not_graded", "Not graded"


class InspectionKind(models.TextChoices):
    PEEL = "peel", "PEEL inspection"
    THEMATIC = "thematic", "Thematic / national inspection"
    JOINT = "joint", "Joint inspection"
    SUPER_COMPLAINT = "super_complaint", "Super-complaint"
    IOPC_LEARNING = "iopc_learning", "IOPC learning"
    PREVENTION_OF_FUTURE_DEATHS = "prevention_of_future_deaths", "Coroner's prevention of future deaths report"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class ResponseClock:
    """Where the PCC's section 55 response to one inspection stands on a given day."""

    inspection: "Inspection"
    deadline: datetime.date | None
    published: datetime.date | None
    days_left: int | None  # negative once overdue; None when there is no deadline

    @property
    def state(self) -> str:
        """published, no_deadline, overdue, due_soon (within RESPONSE_WARNING_DAYS) or due."""
        if self.published:
            return "published"
        if self.deadline is None:
            return "no_deadline"
        if self.days_left < 0:
            return "overdue"
        return "due_soon" if self.days_left <= RESPONSE_WARNING_DAYS else "due"

    @property
    def needs_warning(self) -> bool:
        return self.state in ("due_soon", "overdue")

    @property
    def days_overdue(self) -> int | None:
        return -self.days_left if self.state == "overdue" else None

    @property
    def days_late(self) -> int | None:
        """How late the response was published, if it was late."""
        if self.published and self.deadline and self.published > self.deadline:
            return (self.published - self.deadline).days
        return None


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The whole plan to anyone who may see it (permissions.can_view_plan), nothing to anyone else."""
        from .permissions import can_view_plan  # permissions.py reads these models, so it is imported late

        return self if can_view_plan(user) else self.none()


class Inspection(models.Model):
    Kind = InspectionKind
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=40, choices=Kind.choices, default=Kind.PEEL)
    force = models.CharField(max_length=150)
    published = models.DateField()
    link = models.URLField(max_length=500, blank=True)
    overall_grade = models.CharField(max_length=30, choices=Grade.choices, blank=True)
    attribution = models.TextField(blank=True, help_text="Licence line for inspectorate text, shown with it.")

    # The PCC's response under section 55.
    comments_invited = models.DateField(null=True, blank=True, help_text="Chief constable's comments invited.")
    comments_received = models.DateField(null=True, blank=True, help_text="Chief constable's comments received.")
    response_published = models.DateField(null=True, blank=True)
    response_link = models.URLField(max_length=500, blank=True)

    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    history = HistoricalRecords()
    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "title", "pk"]
        constraints = [
            choices_constraint("kind", InspectionKind, "inspection_kind_valid"),
            choices_constraint("overall_grade", Grade, "inspection_overall_grade_valid", blank=True),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:inspection-detail", args=[self.slug])

    @property
    def response_deadline(self) -> datetime.date | None:
        """The PCC's statutory deadline, or None for reports published before the limit existed."""
        if self.published < RESPONSE_DEADLINE_FROM:
            return None
        return self.published + datetime.timedelta(days=RESPONSE_DEADLINE_DAYS - 1)

    def response_clock(self, today: datetime.date) -> ResponseClock:
        deadline = self.response_deadline
        return ResponseClock(
            inspection=self,
            deadline=deadline,
            published=self.response_published,
            days_left=(deadline - today).days if deadline else None,
        )

    @property
    def grade_scale(self) -> list[tuple[str, str]]:
        grades = [Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE]
        if self.published >= FIVE_GRADE_SCALE_FROM:
            grades.insert(2, Grade.ADEQUATE)
        return [(grade.value, grade.label) for grade in grades]


class Judgement(models.Model):
    """A question-level graded judgement within an inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="judgements")
    position = models.PositiveSmallIntegerField()
    question = models.CharField(max_length=300)
    grade = models.CharField(max_length=30, choices=Grade.choices)
    summary = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "position", "pk"]
        constraints = [
            choices_constraint("grade", Grade, "judgement_grade_valid"),
            models.UniqueConstraint(fields=["inspection", "position"], name="judgement_position_unique"),
        ]

    def __str__(self):
        return f"{self.question}: {self.get_grade_display()}"


class FindingKind(models.TextChoices):
    CAUSE_OF_CONCERN = "cause_of_concern", "Cause of concern"
    RECOMMENDATION = "recommendation", "Recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"


class FindingStatus(models.TextChoices):
    """Derived, never stored: see derived_status."""

    AWAITING_ALLOCATION = "awaiting_allocation", "Awaiting allocation"
    OPEN = "open", "Open"
    READY_TO_DISCHARGE = "ready_to_discharge", "Ready to discharge"
    DISCHARGED = "discharged", "Discharged"


class FindingQuerySet(PlanQuerySet):
    def with_progress(self):
        """Counts of the finding's actions by outcome, and whether the PCC has discharged it."""
        return self.annotate(
            action_count=Count("actions", distinct=True),
            signed_off_count=Count("actions", filter=through(done_q(), "actions"), distinct=True),
            withdrawn_count=Count("actions", filter=through(withdrawn_q(), "actions"), distinct=True),
            is_discharged=Exists(SignOff.objects.filter(finding=OuterRef("pk"))),
        )


class Finding(models.Model):
    Kind = FindingKind
    Status = FindingStatus
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=200, blank=True, help_text="The short name the plan knows it by.")
    text = models.TextField(help_text="The inspectorate's words, or a summary of them.")
    is_summary = models.BooleanField(
        default=False, help_text="The text summarises the inspectorate's finding rather than quoting it."
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    addressee = models.CharField(max_length=200, blank=True, help_text="Blank means the force itself.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The cause of concern a recommendation answers.",
    )
    register_id = models.CharField("HMICFRS register id", max_length=50, blank=True)
    response_explanation = models.TextField(
        "PCC's explanation",
        blank=True,
        help_text="For a recommendation: the action taken or proposed, or why none (section 55(5B)).",
    )

    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    history = HistoricalRecords()
    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [
            choices_constraint("kind", FindingKind, "finding_kind_valid"),
            # "AFI1" and "afi1" are the same reference to a reader.
            models.UniqueConstraint("inspection", Lower("reference"), name="finding_reference_unique"),
            # A parent is always older than its child, so no chain of parents
            # can come back round to where it started.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(parent__lt=models.F("pk")), name="finding_parent_no_cycle"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="finding_text_required"),
            models.CheckConstraint(condition=~Q(reference=""), name="finding_reference_required"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title or self.text[:60]}"

    def get_absolute_url(self):
        return reverse("tracker:finding-detail", args=[self.pk])

    @property
    def suggested_due(self) -> SuggestedDue | None:
        """The deadline the finding's own words set, read from the report's publication date."""
        return suggest_due_date(self.text, self.inspection.published)

    @property
    def addressed_to(self) -> str:
        return self.addressee or "The force"

    def kind_change_refusal(self, kind: str) -> str:
        """Why this finding may not become `kind`, or "" if it may: a cause of concern keeps its kind
        while recommendations sit under it (the findings tree holds from the children's side too)."""
        if not self.pk or kind == FindingKind.CAUSE_OF_CONCERN:
            return ""
        children = list(self.children.order_by("pk").values_list("reference", flat=True))
        if not children:
            return ""
        return (
            f"This cause of concern has recommendations under it ({', '.join(children)}): it stays a cause of"
            " concern until they are moved to another or removed."
        )

    @property
    def display_name(self) -> str:
        """How the site names a finding: its reference, then its title if it has one ("Rec1: Supervision")."""
        return f"{self.reference}: {self.title}" if self.title else self.reference

    @property
    def derived_status(self) -> str:
        """Needs the with_progress() annotations."""
        if self.is_discharged:
            return self.Status.DISCHARGED
        if self.action_count == 0:
            return self.Status.AWAITING_ALLOCATION
        if self.signed_off_count + self.withdrawn_count == self.action_count:
            return self.Status.READY_TO_DISCHARGE
        return self.Status.OPEN


class RegisterStatus(models.TextChoices):
    AWAITING_REVIEW = "awaiting-review", "Awaiting review"
    BEING_PROGRESSED = "being-progressed", "Being progressed"
    COMPLETE = "complete", "Complete"
    NO_FURTHER_ACTION_NEEDED = "no-further-action-needed", "No further action needed"


class RegisterEntry(models.Model):
    """One entry of the inspectorate's own status history for a finding (the HMICFRS register mirror)."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="register_entries")
    date = models.DateField()
    status = models.CharField(max_length=30, choices=RegisterStatus.choices)
    comment = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["finding", "date", "pk"]
        verbose_name_plural = "register entries"
        constraints = [choices_constraint("status", RegisterStatus, "registerentry_status_valid")]
        indexes = [
            # A finding's latest entry (panel report): the last of its range, where PostgreSQL
            # otherwise read every entry of every finding for each finding on the register.
            models.Index(fields=["finding", "date", "id"], name="registerentry_finding_date"),
        ]

    def __str__(self):
        return f"{self.date}: {self.get_status_display()}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    SUBMITTED = "submitted", "Submitted for sign-off"
    SIGNED_OFF = "signed_off", "Signed off"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Rag(models.TextChoices):
    """An action's RAG rating on a given day (rag_q, ActionQuerySet.with_rag, Action.rag); withdrawn has none."""

    RED = "red", "Red: overdue"
    AMBER = "amber", "Amber: at risk"
    GREEN = "green", "Green: on track"
    COMPLETE = "complete", "Complete"

    @property
    def short_label(self) -> str:
        """The rating in a word, as the exports give it: Red, Amber, Green, Complete."""
        return self.label.partition(":")[0]

    @property
    def tag_colour(self) -> str:
        """Its tag's colour: the stylesheet's .tag--red, --amber, --green and --complete."""
        return self.value

    @property
    def card_colour(self) -> str:
        """Its dashboard card's colour (.card--red, ...); a count of completed actions is not a warning."""
        return "" if self == Rag.COMPLETE else self.value


# Derived states: each written once, as a condition on an action. Querysets filter and count
# with it; a page holding one action asks conditions.holds() of the same condition (see
# Action.is_overdue, Action.rag), so the list, the counts and the tags always agree.


def open_q() -> Q:
    """Not yet signed off or withdrawn."""
    return Q(status__in=Action.OPEN_STATUSES)


def done_q() -> Q:
    """Signed off by the PCC's office. Withdrawn actions are not done: they are counted apart."""
    return Q(status=ActionStatus.SIGNED_OFF)


def withdrawn_q() -> Q:
    return Q(status=ActionStatus.WITHDRAWN)


def overdue_q(today: datetime.date) -> Q:
    """Open and past its due date."""
    return open_q() & Q(due_date__lt=today)


def due_soon_date(today: datetime.date) -> datetime.date:
    """The last day that is "soon": settings.TRACKER_DUE_SOON_DAYS ahead."""
    return today + datetime.timedelta(days=settings.TRACKER_DUE_SOON_DAYS)


def due_soon_q(today: datetime.date) -> Q:
    """Open and due between today and due_soon_date(today), both included."""
    return open_q() & Q(due_date__gte=today, due_date__lte=due_soon_date(today))


def inactive_q(now: datetime.datetime) -> Q:
    """In the owner's hands with no progress note for settings.TRACKER_INACTIVITY_DAYS.

    Action.last_progress_at is the later of its creation and its latest note.
    """
    cutoff = now - datetime.timedelta(days=settings.TRACKER_INACTIVITY_DAYS)
    return Q(status__in=Action.OWNERS_STATUSES, last_progress_at__lt=cutoff)


def drifting_q() -> Q:
    """Open, and the due date has moved at least once (drift >= 1)."""
    return open_q() & Q(drift__gt=0)


def rag_q(rag: str, today: datetime.date) -> Q:
    """The actions whose RAG rating today is `rag`: four conditions that no action meets two of."""
    if rag == Rag.COMPLETE:
        return done_q()
    if rag == Rag.RED:
        return overdue_q(today)
    blocked = Q(status=ActionStatus.BLOCKED)
    if rag == Rag.AMBER:
        return open_q() & Q(due_date__gte=today) & (blocked | Q(due_date__lte=due_soon_date(today)))
    if rag == Rag.GREEN:
        return open_q() & Q(due_date__gt=due_soon_date(today)) & ~blocked
    raise ValueError(f"Unknown RAG {rag!r}")


def through(condition: Q, path: str) -> Q:
    """condition, asked of the actions reached through path ("actions", "findings__actions"): to count them."""
    children = (
        through(child, path) if isinstance(child, Q) else (f"{path}__{child[0]}", child[1])
        for child in condition.children
    )
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


def outcome_counts(path: str, *, distinct: bool = False) -> dict[str, Count]:
    """For annotate(): action_count, done_count (signed off) and withdrawn_count of the actions at path."""
    return {
        "action_count": Count(path, distinct=distinct),
        "done_count": Count(path, filter=through(done_q(), path), distinct=distinct),
        "withdrawn_count": Count(path, filter=through(withdrawn_q(), path), distinct=distinct),
    }


def last_progress(action) -> Greatest:
    """Action.last_progress_at worked out from the records: the later of its creation and its latest note.

    The services keep the field; this is for checking it against the records."""
    latest_note = ProgressUpdate.objects.filter(action=action).order_by("-created_at").values("created_at")[:1]
    return Greatest("created_at", Coalesce(Subquery(latest_note), "created_at"))


def drift(action) -> Coalesce:
    """Action.drift worked out from the records: its approved extension requests."""
    approved = (
        ExtensionRequest.objects.filter(action=action, status=ExtensionRequest.Status.APPROVED)
        .order_by()
        .values("action")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(approved), 0)


class ActionQuerySet(PlanQuerySet):
    def open(self):
        return self.filter(open_q())

    def overdue(self, today: datetime.date):
        return self.filter(overdue_q(today))

    def due_soon(self, today: datetime.date):
        return self.filter(due_soon_q(today))

    def done(self):
        return self.filter(done_q())

    def drifting(self):
        return self.filter(drifting_q())

    def with_rag(self, today: datetime.date):
        """Each action's RAG rating today as .current_rag, worked out in SQL from rag_q ("" when withdrawn)."""
        rating = Case(
            *(When(rag_q(rag, today), then=Value(rag.value)) for rag in Rag),
            default=Value(""),
            output_field=models.CharField(),
        )
        return self.annotate(current_rag=rating)

    def needing_owner(self):
        """Open and in the owner's hands: not waiting for the PCC's office."""
        return self.filter(status__in=Action.OWNERS_STATUSES)

    def inactive(self, now: datetime.datetime):
        return self.filter(inactive_q(now))

    def owned_by(self, user):
        return self.filter(owner=user)

    def for_list(self):
        return self.select_related("owner", "finding", "finding__inspection", "finding__theme")

    def for_detail(self):
        """An action with every record its page and timeline show, one query per kind of record."""
        return self.for_list().prefetch_related(
            models.Prefetch("progress_updates", queryset=ProgressUpdate.objects.select_related("author")),
            models.Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
            models.Prefetch("sign_offs", queryset=SignOff.objects.select_related("decided_by")),
            models.Prefetch(
                "extension_requests", queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by")
            ),
        )


class Action(models.Model):
    Status = ActionStatus
    FINAL_STATUSES = (ActionStatus.SIGNED_OFF, ActionStatus.WITHDRAWN)
    # Every status that is not final, named rather than "NOT IN the final ones": a list of values
    # is a few ranges of the (status, ...) indexes, where NOT IN reads every entry.
    OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED, ActionStatus.SUBMITTED)
    # Open and not waiting for the PCC's office.
    OWNERS_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED)

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_actions")
    due_date = models.DateField()
    original_due_date = models.DateField(help_text="The due date first agreed; extensions never change it.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    # Counts saves, so that an edit made from a stale page is caught (see services.edit_action).
    version = models.PositiveIntegerField(default=1)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who last submitted it for sign-off: they may not sign it off.",
    )
    submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it was last submitted for sign-off."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)
    # Kept by the services that write the records they sum up (notes, approved extensions), so that
    # the whole-plan counts of inactive and drifting actions read a range of one index rather than
    # every open action's notes or extensions. last_progress() and drift() below work them out
    # from the records, to check them.
    last_progress_at = models.DateTimeField(
        default=clock.now, editable=False, help_text="When it was created, or its latest progress note."
    )
    drift = models.PositiveIntegerField(default=0, editable=False, help_text="Approved extensions to its due date.")

    # The two kept values are not history of their own: their records (notes, extensions) are.
    history = HistoricalRecords(excluded_fields=["last_progress_at", "drift"])
    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        permissions = [
            ("update_own_action", "Can update the actions they own"),
            ("manage_plan", "Can create and edit inspections, findings and actions, and decide extensions"),
            ("sign_off", "Can sign off and return actions, discharge findings and record the PCC response"),
        ]
        constraints = [
            choices_constraint("status", ActionStatus, "action_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="action_title_required"),
        ]
        indexes = [
            # The open and overdue lists: status filter, ordered by due date. With created_at it also
            # covers the dashboards' whole-plan counts (RAG, overdue, inactive): they read this index,
            # not the table.
            models.Index(fields=["status", "due_date", "created_at"], name="action_status_due"),
            # "My actions".
            models.Index(fields=["owner", "status", "due_date"], name="action_owner_status_due"),
            # The action list's order (due date, then pk) and the red lists (open and overdue, most
            # overdue first: reviewer dashboard, ?rag=red, ?overdue=on): walked in due-date order with
            # the status read from the index, stopping at the end of the page.
            models.Index(fields=["due_date", "status"], name="action_due_status"),
            # Progress by inspection and by finding (lead dashboard, inspection and finding pages,
            # panel report): counts by status from the index alone. With due_date, one inspection's
            # overdue actions (panel report) are ranges of its findings' entries, where the
            # (status, due_date) index read the overdue actions of every inspection.
            models.Index(fields=["finding", "status", "due_date"], name="action_finding_status"),
            # Inactive actions: in the owner's hands, with no progress since the cutoff.
            models.Index(fields=["status", "last_progress_at"], name="action_status_progress"),
            # Drifting actions: open, with a due date extended at least once.
            models.Index(fields=["status", "drift"], name="action_status_drift"),
            # The sign-off queue, oldest submission first.
            models.Index(fields=["status", "submitted_at"], name="action_status_submitted"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:action-detail", args=[self.pk])

    # What an action already loaded is, asked of the same conditions its queryset filters with.

    @property
    def is_open(self) -> bool:
        return holds(open_q(), self)

    @property
    def is_done(self) -> bool:
        return holds(done_q(), self)

    @property
    def is_withdrawn(self) -> bool:
        return holds(withdrawn_q(), self)

    def is_overdue(self, today: datetime.date) -> bool:
        return holds(overdue_q(today), self)

    def is_due_soon(self, today: datetime.date) -> bool:
        return holds(due_soon_q(today), self)

    def is_inactive(self, now: datetime.datetime) -> bool:
        return holds(inactive_q(now), self)

    @property
    def is_drifting(self) -> bool:
        return holds(drifting_q(), self)

    def pending_extension(self) -> "ExtensionRequest | None":
        """Its extension request waiting for a decision, if any (read from a prefetch where there is one)."""
        return next((r for r in self.extension_requests.all() if r.status == ExtensionRequest.Status.PENDING), None)

    def rag(self, today: datetime.date) -> Rag | str:
        """Its RAG rating today, as rag_q defines it; "" for a withdrawn action, which has none."""
        return next((rag for rag in Rag if holds(rag_q(rag, today), self)), "")


class ProgressUpdate(models.Model):
    """A dated note on an action, optionally recording a status move. Append-only."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    status_from = models.CharField(max_length=20, choices=Action.Status.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=Action.Status.choices, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["action", "created_at", "pk"]
        indexes = [
            # An action's latest note: inactive actions (dashboards, ?inactive=1), the review queue's
            # submission time, the panel report's latest note; and the timeline's order.
            models.Index(fields=["action", "created_at"], name="progressupdate_action_created"),
        ]
        constraints = [
            choices_constraint("status_from", Action.Status, "progressupdate_status_from_valid", blank=True),
            choices_constraint("status_to", Action.Status, "progressupdate_status_to_valid", blank=True),
            models.CheckConstraint(condition=~Q(note=""), name="progressupdate_note_required"),
        ]

    def __str__(self):
        return f"Note on {self.action} by {self.author}"


class PublicSummary(models.Model):
    """What the panel's public report says of a finding, or of one of its actions, in words chosen to be published.

    Only an improvement lead or a PCC reviewer writes one, and writing it is their approval to publish it:
    progress notes are internal and never published. Append-only: a newer summary replaces an older one in
    the report, and the older ones stay as the record of what was said when.
    """

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="public_summaries")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True, related_name="public_summaries")
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["finding", "written_at", "pk"]
        verbose_name_plural = "public summaries"
        indexes = [
            # The panel report's latest public update of each finding (its own or one of its actions').
            models.Index(fields=["finding", "written_at"], name="publicsummary_finding_written"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="publicsummary_text_required"),
        ]

    def __str__(self):
        return f"Public summary of {self.action or self.finding} by {self.written_by}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.action_id}/{filename}"


class Evidence(models.Model):
    """A file or a link that shows an action is done: exactly one of the two."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=evidence_upload_to, max_length=300, blank=True)
    url = models.URLField(max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=clock.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "added_at", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="evidence_file_or_url",
            ),
        ]

    def __str__(self):
        return self.title


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class ExtensionRequest(models.Model):
    Status = ExtensionStatus
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="extension_requests")
    proposed_date = models.DateField()
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=clock.now, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    previous_due_date = models.DateField(help_text="The due date when the request was made.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "requested_at", "pk"]
        constraints = [
            choices_constraint("status", ExtensionStatus, "extensionrequest_status_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="extensionrequest_reason_required"),
            # A decision always says who made it and when; a pending request has neither.
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(decided_by__isnull=True) & Q(decided_at__isnull=True))
                | (~Q(status="pending") & Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="extensionrequest_decision_complete",
            ),
            models.UniqueConstraint(
                fields=["action"], condition=Q(status="pending"), name="extensionrequest_one_pending"
            ),
        ]
        indexes = [
            # Requests waiting for a decision, oldest first (lead dashboard): read in order, stopping at
            # the list's end, where PostgreSQL otherwise joined every action to sort them all.
            models.Index(fields=["status", "requested_at"], name="extensionrequest_status_asked"),
            # The actions with a request waiting, from the index alone (pending_extension_q): the lead
            # dashboard's count and the list's filter.
            models.Index(fields=["status", "action"], name="extensionrequest_status_action"),
        ]

    def __str__(self):
        return f"Extension of {self.action} to {self.proposed_date}"


class SignOffDecision(models.TextChoices):
    APPROVE = "approve", "Signed off"
    RETURN = "return", "Returned"


class SignOffQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Sign-offs are append-only.")

    def delete(self):
        raise TypeError("Sign-offs are append-only.")


class SignOff(models.Model):
    """A PCC reviewer's decision on an action, or the discharge of a finding. Append-only."""

    Decision = SignOffDecision
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True, related_name="sign_offs")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="sign_offs")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=clock.now, editable=False)
    # The tamper-evident chain: each record's hash is an HMAC, under AUDIT_KEY (kept
    # outside the database), of its content and the hash of the record before it,
    # so a record changed or removed outside the application breaks the chain (see
    # tracker/audit.py and verify_audit).
    previous_hash = models.CharField(max_length=64, blank=True)
    record_hash = models.CharField(max_length=64, blank=True)

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = "sign-off"
        constraints = [
            choices_constraint("decision", SignOffDecision, "signoff_decision_valid"),
            models.CheckConstraint(
                condition=Q(action__isnull=False, finding__isnull=True) | Q(action__isnull=True, finding__isnull=False),
                name="signoff_one_subject",
            ),
            models.CheckConstraint(condition=~Q(decision="return") | ~Q(comment=""), name="signoff_return_comment"),
            # A finding is discharged, never returned: returns are for actions.
            models.CheckConstraint(
                condition=Q(finding__isnull=True) | Q(decision="approve"), name="signoff_finding_approve"
            ),
            models.UniqueConstraint(
                fields=["action"], condition=Q(decision="approve"), name="signoff_one_approval_per_action"
            ),
            models.UniqueConstraint(fields=["finding"], name="signoff_one_discharge_per_finding"),
        ]

    def __str__(self):
        subject = self.action or self.finding
        return f"{self.get_decision_display()}: {subject}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Sign-offs are append-only: a decision cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Sign-offs are append-only: a decision cannot be deleted.")

    def canonical_content(self) -> bytes:
        """What the record's link covers: its decision, who made it and when, and the hash of the record before it."""
        content = {
            "action": self.action_id,
            "finding": self.finding_id,
            "decision": self.decision,
            "comment": self.comment,
            "decided_by": self.decided_by_id,
            "decided_at": self.decided_at.astimezone(datetime.UTC).isoformat(),
            "previous_hash": self.previous_hash,
        }
        return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def compute_hash(self, key: bytes) -> str:
        """The record's link in the chain: HMAC-SHA256 of its content under the audit key (tracker/audit.py).

        Without the key, which is kept outside the database, nobody can make a link that verifies.
        """
        return hmac.new(key, self.canonical_content(), hashlib.sha256).hexdigest()

    def unkeyed_hash(self) -> str:
        """The plain SHA-256 link of chains written before AUDIT_KEY existed: only `verify_audit --rekey` reads it."""
        return hashlib.sha256(self.canonical_content()).hexdigest()


class SignOffChain(models.Model):
    """The head of the sign-off chain: one row, locked while a sign-off is appended.

    Locking it serialises appends, so two decisions at once cannot both link
    to the same predecessor; and it remembers the newest hash, so removing the
    newest records is noticed too, unless the head is rolled back with them:
    an anchor kept outside the database catches that (verify_audit --anchor).
    """

    last_hash = models.CharField(max_length=64, blank=True)
    length = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="signoffchain_single_row")]

    def __str__(self):
        return f"Sign-off chain of {self.length}"


class ReminderSent(models.Model):
    """One item in one reminder email: so nobody is told about the same item twice in a day."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(max_length=50, help_text="What the reminder was about, e.g. action:12 or extension:3.")
    sent_on = models.DateField()

    class Meta:
        ordering = ["-sent_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "item", "sent_on"], name="remindersent_once_a_day"),
        ]
        indexes = [
            # send_reminders: what has this person been told today?
            models.Index(fields=["sent_on", "recipient"], name="remindersent_day_recipient"),
        ]

    def __str__(self):
        return f"{self.item} to {self.recipient} on {self.sent_on}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "Action assigned"
    RETURNED = "returned", "Action returned"
    EXTENSION_DECIDED = "extension_decided", "Extension request decided"
    SUBMITTED = "submitted", "Action submitted for sign-off"
    SIGNED_OFF = "signed_off", "Action signed off"


class NotificationState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """An email telling one person of one event: the outbox (tracker/notifications.py).

    Written in the same transaction as the event, so there is an email exactly when the event
    happened; send_notifications delivers it (or send_reminders, in a daily digest).
    """

    Kind = NotificationKind
    State = NotificationState
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=255)
    summary = models.CharField(max_length=500, help_text="One line, for the daily digest.")
    body = models.TextField()
    # The Message-ID header: the same on every attempt, so a copy sent twice is recognisably one message.
    message_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    # Which run holds it while sending, and until when: after that another run may take it back.
    claim = models.CharField(max_length=36, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    in_digest = models.BooleanField(default=False, help_text="Sent as part of a daily reminder email.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            choices_constraint("kind", NotificationKind, "notification_kind_valid"),
            choices_constraint("state", NotificationState, "notification_state_valid"),
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="notification_sent_at_when_sent",
            ),
        ]
        indexes = [
            # send_notifications: what is due to be sent (or whose claim has lapsed), oldest first.
            models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}: {self.get_state_display().lower()}"
