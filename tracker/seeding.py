"""The data the site starts with: the shipped Hertfordshire inspection, the demo accounts and a live demo plan.

Everything is written through tracker.services, as the people who would do it,
so the demo's history is the same history that real use writes.
"""

import datetime
import itertools
import json
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from . import permissions, services
from .models import Action, Inspection, Theme, User

HERTFORDSHIRE_SEED = settings.BASE_DIR / "seeds" / "hertfordshire-peel-2016.json"
HERTFORDSHIRE_SLUG = "hertfordshire-peel-2016-effectiveness"

S = Action.Status
OPERATOR = services.Operator("seed_demo")


# The shipped inspection --------------------------------------------------------------


@transaction.atomic
def load_inspection(path: str | Path) -> Inspection:
    """Create the inspection in a seed file with its judgements, findings and register history.

    Idempotent: if an inspection with the file's slug exists it is returned
    unchanged, so a rerun never duplicates or overwrites what people have
    edited since.
    """
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    fields = dict(data["inspection"])
    existing = Inspection.objects.filter(slug=fields["slug"]).first()
    if existing is not None:
        return existing

    if not Theme.objects.exists():
        call_command("loaddata", "themes", verbosity=0)

    reason = f"Loaded from {path.name}"
    fields["published"] = datetime.date.fromisoformat(fields["published"])
    fields.setdefault("attribution", data.get("licence", ""))
    inspection = services.create_inspection(by=OPERATOR, reason=reason, **fields)
    for judgement in data.get("judgements", []):
        services.add_judgement(inspection, by=OPERATOR, **judgement)

    themes = {theme.name: theme for theme in Theme.objects.all()}
    rows = []
    register: dict[str, list[dict]] = {}
    for row in data["findings"]:
        row = dict(row)
        register[row["reference"]] = row.pop("register_entries", [])
        if theme_name := row.pop("theme", ""):
            if theme_name not in themes:
                raise ValueError(
                    f"Finding {row['reference']}: no theme named {theme_name!r} (see fixtures/themes.json)."
                )
            row["theme"] = themes[theme_name]
        rows.append(row)
    for finding in services.add_findings(inspection, rows, by=OPERATOR, reason=reason):
        for entry in register[finding.reference]:
            services.add_register_entry(
                finding,
                by=OPERATOR,
                date=datetime.date.fromisoformat(entry["date"]),
                status=entry["status"],
                comment=entry.get("comment", ""),
            )
    return inspection


# Demo accounts -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    first_name: str
    last_name: str
    job_title: str
    is_staff: bool = False


# Invented people: the real PCC and chief constable named in the news
# coverage must never appear as demo users.
DEMO_ACCOUNTS = [
    DemoAccount("owner", permissions.OWNER, "Jordan", "Ashby", "Detective Chief Inspector, Crime Standards"),
    DemoAccount("lead", permissions.LEAD, "Helen", "Marsh", "HMICFRS Liaison Manager, Planning and Performance"),
    DemoAccount("reviewer", permissions.REVIEWER, "Tom", "Okafor", "Head of Scrutiny, Office of the PCC"),
    DemoAccount("auditor", permissions.AUDITOR, "Ruth", "Kendal", "Internal Audit Manager", is_staff=True),
    DemoAccount("admin", permissions.ADMINISTRATOR, "Chris", "Lane", "Systems Administrator", is_staff=True),
    DemoAccount("dan.whitlock", permissions.OWNER, "Dan", "Whitlock", "Detective Superintendent, Public Protection"),
    DemoAccount("nadia.brook", permissions.OWNER, "Nadia", "Brook", "Head of the Force Control Room"),
    DemoAccount("gareth.pryce", permissions.OWNER, "Gareth", "Pryce", "Chief Inspector, Offender Management"),
]


@dataclass
class AccountResult:
    user: User
    role: str
    created: bool
    password: str | None  # None when an existing account's password was left alone
    generated: bool = False


def ensure_demo_accounts(demo_password: str | None) -> list[AccountResult]:
    """Create the demo accounts that are missing; put every one in its role's group.

    New accounts get demo_password, or one password generated for this run.
    Existing accounts get demo_password when it is given (so an operator can
    reset a lost demo password) and are otherwise left alone.
    """
    generated_password: str | None = None
    results = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        created = user is None
        password = demo_password
        if created:
            if password is None:
                generated_password = generated_password or secrets.token_urlsafe(12)
                password = generated_password
            user = User.objects.create_user(
                account.username,
                email=f"{account.username}@example.police.uk",
                password=password,
                first_name=account.first_name,
                last_name=account.last_name,
                job_title=account.job_title,
                is_staff=account.is_staff,
            )
        elif password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        # Adding a group twice is a no-op, and an existing account without its
        # role would make the services refuse the demo plan.
        user.groups.add(Group.objects.get(name=account.role))
        results.append(
            AccountResult(
                user=user,
                role=account.role,
                created=created,
                password=password,
                generated=created and demo_password is None,
            )
        )
    return results


# The demo plan -----------------------------------------------------------------------


def build_demo_plan(inspection: Inspection, people: dict[str, User], today: datetime.date) -> list[Action]:
    """A plan part-way through delivery, written move by move through the services by the people who would make them.

    Dates are relative to today, so the demo always shows a live plan: some
    actions overdue, some extended (drift), one returned, one withdrawn, some
    signed off and one finding discharged. people maps the DEMO_ACCOUNTS
    usernames to their users.
    """
    lead = people["lead"]
    reviewer = people["reviewer"]
    crime_standards = people["owner"]
    public_protection = people["dan.whitlock"]
    control_room = people["nadia.brook"]
    offender_management = people["gareth.pryce"]
    finding = {f.reference: f for f in inspection.findings.all()}

    def due(days: int) -> datetime.date:
        return today + datetime.timedelta(days=days)

    def create(reference: str, title: str, owner: User, due_in: int, description: str = "") -> Action:
        action = services.create_action(
            finding[reference], by=lead, title=title, owner=owner, due_date=due(due_in), description=description
        )
        actions.append(action)
        return action

    def start(action: Action, note: str) -> None:
        services.record_progress(action, by=action.owner, note=note, move_to=S.IN_PROGRESS)

    def note(action: Action, text: str, move_to: str = "") -> None:
        services.record_progress(action, by=action.owner, note=text, move_to=move_to)

    def evidence(action: Action, title: str, url: str) -> None:
        services.add_evidence(action, by=action.owner, title=title, url=url)

    def extend(action: Action, due_in: int, reason: str, *, approve: bool, comment: str = "") -> None:
        request = services.request_extension(action, by=action.owner, proposed_date=due(due_in), reason=reason)
        services.decide_extension(request, by=lead, approve=approve, comment=comment)

    intranet = "https://intranet.example.police.uk"
    actions: list[Action] = []

    # Rec1: the cause of concern's recommendation, mostly the control room's.
    thrive = create(
        "Rec1",
        "Train every call handler and dispatcher in THRIVE risk assessment",
        control_room,
        -90,
        "Classroom training and a practical assessment for all control room staff; new starters trained before "
        "they take calls.",
    )
    start(thrive, "Training plan agreed with Learning and Development; the first three cohorts are booked.")
    note(thrive, "Cohorts one to six complete: 212 of 240 control room staff trained and assessed.")
    evidence(thrive, "THRIVE training completion report", f"{intranet}/control-room/thrive-training-report")
    services.submit_for_sign_off(
        thrive, by=control_room, note="All 240 staff trained and assessed; new starters now trained before go-live."
    )
    services.sign_off_action(
        thrive, by=reviewer, comment="Training records checked against the control room establishment list."
    )

    supervision = create(
        "Rec1",
        "Control room supervisors dip-sample call handlers' risk assessments every week",
        control_room,
        -10,
        "Each supervisor reviews a sample of calls from their team against THRIVE and gives feedback the same week.",
    )
    start(supervision, "Dip-sample template agreed; supervisors sample five calls per call handler each month.")
    evidence(supervision, "Dip-sample results, first month", f"{intranet}/control-room/dip-sample-results")
    services.submit_for_sign_off(supervision, by=control_room, note="First month of dip-sample results attached.")
    services.return_action(
        supervision,
        by=reviewer,
        comment="The results cover day shifts only. Show that night and weekend shifts are sampled too.",
    )
    note(supervision, "Night and weekend shift supervisors briefed; sampling has started on all four shift patterns.")
    extend(
        supervision,
        25,
        "Two months of results from every shift pattern are needed to show the sampling has bedded in.",
        approve=False,
        comment="One month of results from every shift is enough: keep the date and resubmit.",
    )

    delayed_attendance = create(
        "Rec1",
        "Reassess risk when attendance at a domestic abuse incident is delayed",
        public_protection,
        -20,
        "A supervisor reviews the risk every hour until officers attend and calls the victim back each time.",
    )
    start(delayed_attendance, "Draft policy written with the domestic abuse investigation and safeguarding unit.")
    extend(
        delayed_attendance,
        40,
        "The command and control change that prompts the hourly review goes live next month.",
        approve=True,
        comment="Agreed: the system prompt is the control that will make this stick.",
    )
    evidence(delayed_attendance, "Draft delayed attendance policy", f"{intranet}/policy/delayed-attendance-draft")

    dispatch = create(
        "Rec1",
        "Dispatch by assessed risk, not by which response officers are free",
        control_room,
        21,
        "Incidents are held and dispatched in order of assessed risk, with a supervisor alerted when a high-risk "
        "incident waits.",
    )
    start(dispatch, "Risk-based dispatch rules drafted with the response inspectors.")
    note(
        dispatch,
        "The command and control supplier has not confirmed the release that lets incidents be held by risk grade.",
        move_to=S.BLOCKED,
    )

    # CoC1: whether the cause of concern itself has gone away.
    create(
        "CoC1",
        "Audit risk grading and response times for vulnerability incidents every month",
        crime_standards,
        60,
        "A monthly sample of incidents involving vulnerable people, checked for correct risk grading and for "
        "attendance within the time the grading requires; results to the force performance board.",
    )

    # AFI1: supervisors' review of investigations.
    review_audit = create(
        "AFI1", "Audit supervisors' reviews of investigations in every local crime unit", crime_standards, -45
    )
    start(review_audit, "Audit of 300 investigations across the ten local crime units under way.")
    evidence(review_audit, "Supervisory review audit report", f"{intranet}/crime-standards/supervisory-review-audit")
    services.submit_for_sign_off(
        review_audit, by=crime_standards, note="Audit complete; results shared with every unit's detective inspector."
    )
    services.sign_off_action(review_audit, by=reviewer, comment="Audit report seen at the PCC's accountability board.")

    review_standard = create(
        "AFI1", "Set a minimum standard for supervisory review of investigations", crime_standards, 7
    )
    start(review_standard, "Draft standard consulted on with detective inspectors and response sergeants.")
    evidence(review_standard, "Supervisory review standard, version 1.0", f"{intranet}/crime-standards/review-standard")
    services.submit_for_sign_off(
        review_standard, by=crime_standards, note="Standard published and built into the crime recording system."
    )

    # AFI2: stalking and harassment.
    stalking_training = create(
        "AFI2",
        "Train investigators and supervisors in stalking and harassment investigation",
        public_protection,
        -75,
        "Recognising stalking behind reports of harassment, risk assessment, and building the case.",
    )
    start(stalking_training, "Training package commissioned, built on College of Policing stalking guidance.")
    extend(
        stalking_training,
        -12,
        "Trainers were released to the domestic abuse work first, which the cause of concern made the priority.",
        approve=True,
        comment="Approved: the control room work comes first.",
    )
    note(stalking_training, "Four of seven sessions delivered: 140 of 260 investigators and supervisors trained.")
    # Left waiting for the lead's decision, so the demo has a pending request.
    services.request_extension(
        stalking_training,
        by=public_protection,
        proposed_date=due(30),
        reason="Three sessions are left and the trainers are not free until next month.",
    )

    create(
        "AFI2",
        "Apply for stalking protection orders in every eligible case",
        public_protection,
        -3,
        "Investigators consider an order in every stalking case, with legal services' help to apply.",
    )

    # AFI3: the initial investigative response.
    checklist = create(
        "AFI3", "Introduce an initial investigation checklist for response officers", crime_standards, 30
    )
    start(checklist, "Checklist piloted in two local policing areas; feedback from response sergeants collected.")

    # AFI4: the Victims' Code, taken through to discharge.
    statements = create(
        "AFI4",
        "Offer every eligible victim a victim personal statement and record the offer",
        crime_standards,
        -30,
    )
    start(statements, "The crime recording system now asks whether the offer was made before a crime can be filed.")
    evidence(
        statements, "Victim personal statement compliance audit", f"{intranet}/crime-standards/vps-compliance-audit"
    )
    services.submit_for_sign_off(statements, by=crime_standards, note="Audit shows the offer recorded in 96% of cases.")
    services.sign_off_action(statements, by=reviewer, comment="Compliance audit checked. Signed off.")

    file_audit = create("AFI4", "Add a Victims' Code check to a quarterly case file audit", crime_standards, 45)
    services.withdraw_action(
        file_audit,
        by=lead,
        reason="Duplicates the Criminal Justice Unit's quarterly file audit, which now checks the Victims' Code "
        "and reports to the same board.",
    )
    services.discharge_finding(
        finding["AFI4"], by=reviewer, comment="Victim personal statement offers are now recorded and audited."
    )

    # AFI5: offender management and violent offenders.
    cohort = create(
        "AFI5",
        "Bring high-risk violent offenders into the integrated offender management (IOM) cohort",
        offender_management,
        -40,
    )
    start(cohort, "Selection criteria for violent offenders drafted with the probation service.")
    extend(
        cohort,
        -5,
        "The probation service asked to align the criteria with its own risk assessment tool.",
        approve=True,
        comment="Approved.",
    )
    extend(
        cohort,
        25,
        "The first cohort selection panel moved to next month.",
        approve=True,
        comment="Approved; any further extension goes to the force performance board.",
    )
    note(cohort, "Criteria agreed; 35 violent offenders identified for the first cohort.")

    cohort_review = create(
        "AFI5", "Review the violent offender cohort every month with probation and partners", offender_management, -5
    )
    start(cohort_review, "Terms of reference for the monthly review drafted.")
    note(
        cohort_review,
        "Waiting for the information-sharing agreement with the probation service to be signed.",
        move_to=S.BLOCKED,
    )

    # AFI6: an evidence base for what works.
    what_works = create(
        "AFI6",
        "Build a what-works evidence base for preventing crime and anti-social behaviour",
        lead,
        90,
        "An intranet library of tested tactics, with local evaluations added as neighbourhood teams run them.",
    )
    start(what_works, "Library set up on the intranet, starting from the College of Policing crime reduction toolkit.")
    evidence(
        what_works,
        "College of Policing crime reduction toolkit",
        "https://www.college.police.uk/research/crime-reduction-toolkit",
    )

    create("AFI6", "Share what works with neighbourhood teams in a quarterly briefing", crime_standards, 120)

    return actions


@contextmanager
def told_over_the_past_months(days: int = 150, step: datetime.timedelta = datetime.timedelta(hours=21)):
    """Let the demo's story unfold over the past months rather than within one second.

    Every timestamp the services, Django and simple-history write comes from
    timezone.now(). While the demo plan is built, each call returns a moment a
    little after the one before, starting `days` ago and never passing the real
    now, so timelines, the burn-up chart and inactivity look as they would in use.
    """
    real_now = timezone.now()
    start = real_now - datetime.timedelta(days=days)
    calls = itertools.count()

    def story_now() -> datetime.datetime:
        return min(start + next(calls) * step, real_now)

    with mock.patch.object(timezone, "now", story_now):
        yield


def seed_demo_plan(inspection: Inspection, people: dict[str, User], today: datetime.date) -> list[Action]:
    """Build the demo plan unless the inspection already has actions (then leave them alone, and return none)."""
    if Action.objects.filter(finding__inspection=inspection).exists():
        return []
    with told_over_the_past_months():
        return build_demo_plan(inspection, people, today)
