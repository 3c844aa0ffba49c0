"""The data the site starts with: the shipped Hertfordshire inspection, the demo accounts and a live demo plan.

Everything is written through tracker.services, as the people who would do it,
so the demo's history is the same history that real use writes.
"""

import datetime
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from . import clock, permissions, services
from .models import Action, Inspection, Theme, User

HERTFORDSHIRE_SEED = settings.BASE_DIR / "seeds" / "hertfordshire-peel-2016.json"
HERTFORDSHIRE_SLUG = "hertfordshire-peel-2016-effectiveness"

S = Action.Status


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
    inspection = services.create_inspection(by=None, reason=reason, **fields)
    for judgement in data.get("judgements", []):
        services.add_judgement(inspection, by=None, **judgement)

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
    for finding in services.add_findings(inspection, rows, by=None, reason=reason):
        for entry in register[finding.reference]:
            services.add_register_entry(
                finding,
                by=None,
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

INTRANET = "https://intranet.example.police.uk"


class DemoAction(NamedTuple):
    """One action of the demo plan and its story so far."""

    finding: str  # the finding's reference
    title: str
    owner: str  # a DEMO_ACCOUNTS username
    due_in: int  # days from today; negative is overdue
    description: str
    story: list[tuple]  # the moves made on it, in order (see tell)


# A plan part-way through delivery: some actions overdue, some extended
# (drift), one returned, one withdrawn, some signed off, one finding
# discharged. Dates are relative to today, so the demo always shows a live plan.
DEMO_PLAN = [
    # Rec1: the cause of concern's recommendation, mostly the control room's.
    DemoAction(
        "Rec1",
        "Train every call handler and dispatcher in THRIVE risk assessment",
        "nadia.brook",
        -90,
        "Classroom training and a practical assessment for all control room staff; new starters trained before "
        "they take calls.",
        [
            ("start", "Training plan agreed with Learning and Development; the first three cohorts are booked."),
            ("note", "Cohorts one to six complete: 212 of 240 control room staff trained and assessed."),
            ("evidence", "THRIVE training completion report", f"{INTRANET}/control-room/thrive-training-report"),
            ("submit", "All 240 staff trained and assessed; new starters now trained before go-live."),
            ("sign_off", "Training records checked against the control room establishment list."),
        ],
    ),
    DemoAction(
        "Rec1",
        "Control room supervisors dip-sample call handlers' risk assessments every week",
        "nadia.brook",
        -10,
        "Each supervisor reviews a sample of calls from their team against THRIVE and gives feedback the same week.",
        [
            ("start", "Dip-sample template agreed; supervisors sample five calls per call handler each month."),
            ("evidence", "Dip-sample results, first month", f"{INTRANET}/control-room/dip-sample-results"),
            ("submit", "First month of dip-sample results attached."),
            ("return", "The results cover day shifts only. Show that night and weekend shifts are sampled too."),
            ("note", "Night and weekend shift supervisors briefed; sampling has started on all four shift patterns."),
            (
                "extend",
                25,
                "Two months of results from every shift pattern are needed to show the sampling has bedded in.",
                False,
                "One month of results from every shift is enough: keep the date and resubmit.",
            ),
        ],
    ),
    DemoAction(
        "Rec1",
        "Reassess risk when attendance at a domestic abuse incident is delayed",
        "dan.whitlock",
        -20,
        "A supervisor reviews the risk every hour until officers attend and calls the victim back each time.",
        [
            ("start", "Draft policy written with the domestic abuse investigation and safeguarding unit."),
            (
                "extend",
                40,
                "The command and control change that prompts the hourly review goes live next month.",
                True,
                "Agreed: the system prompt is the control that will make this stick.",
            ),
            ("evidence", "Draft delayed attendance policy", f"{INTRANET}/policy/delayed-attendance-draft"),
        ],
    ),
    DemoAction(
        "Rec1",
        "Dispatch by assessed risk, not by which response officers are free",
        "nadia.brook",
        21,
        "Incidents are held and dispatched in order of assessed risk, with a supervisor alerted when a high-risk "
        "incident waits.",
        [
            ("start", "Risk-based dispatch rules drafted with the response inspectors."),
            (
                "block",
                "The command and control supplier has not confirmed the release that lets incidents be held by "
                "risk grade.",
            ),
        ],
    ),
    # CoC1: whether the cause of concern itself has gone away.
    DemoAction(
        "CoC1",
        "Audit risk grading and response times for vulnerability incidents every month",
        "owner",
        60,
        "A monthly sample of incidents involving vulnerable people, checked for correct risk grading and for "
        "attendance within the time the grading requires; results to the force performance board.",
        [],
    ),
    # AFI1: supervisors' review of investigations.
    DemoAction(
        "AFI1",
        "Audit supervisors' reviews of investigations in every local crime unit",
        "owner",
        -45,
        "",
        [
            ("start", "Audit of 300 investigations across the ten local crime units under way."),
            ("evidence", "Supervisory review audit report", f"{INTRANET}/crime-standards/supervisory-review-audit"),
            ("submit", "Audit complete; results shared with every unit's detective inspector."),
            ("sign_off", "Audit report seen at the PCC's accountability board."),
        ],
    ),
    DemoAction(
        "AFI1",
        "Set a minimum standard for supervisory review of investigations",
        "owner",
        7,
        "",
        [
            ("start", "Draft standard consulted on with detective inspectors and response sergeants."),
            ("evidence", "Supervisory review standard, version 1.0", f"{INTRANET}/crime-standards/review-standard"),
            ("submit", "Standard published and built into the crime recording system."),
        ],
    ),
    # AFI2: stalking and harassment.
    DemoAction(
        "AFI2",
        "Train investigators and supervisors in stalking and harassment investigation",
        "dan.whitlock",
        -75,
        "Recognising stalking behind reports of harassment, risk assessment, and building the case.",
        [
            ("start", "Training package commissioned, built on College of Policing stalking guidance."),
            (
                "extend",
                -12,
                "Trainers were released to the domestic abuse work first, which the cause of concern made the "
                "priority.",
                True,
                "Approved: the control room work comes first.",
            ),
            ("note", "Four of seven sessions delivered: 140 of 260 investigators and supervisors trained."),
            # Left waiting for the lead's decision, so the demo has a pending request.
            ("ask", 30, "Three sessions are left and the trainers are not free until next month."),
        ],
    ),
    DemoAction(
        "AFI2",
        "Apply for stalking protection orders in every eligible case",
        "dan.whitlock",
        -3,
        "Investigators consider an order in every stalking case, with legal services' help to apply.",
        [],
    ),
    # AFI3: the initial investigative response.
    DemoAction(
        "AFI3",
        "Introduce an initial investigation checklist for response officers",
        "owner",
        30,
        "",
        [("start", "Checklist piloted in two local policing areas; feedback from response sergeants collected.")],
    ),
    # AFI4: the Victims' Code, taken through to discharge (see DEMO_DISCHARGES).
    DemoAction(
        "AFI4",
        "Offer every eligible victim a victim personal statement and record the offer",
        "owner",
        -30,
        "",
        [
            ("start", "The crime recording system now asks whether the offer was made before a crime can be filed."),
            (
                "evidence",
                "Victim personal statement compliance audit",
                f"{INTRANET}/crime-standards/vps-compliance-audit",
            ),
            ("submit", "Audit shows the offer recorded in 96% of cases."),
            ("sign_off", "Compliance audit checked. Signed off."),
        ],
    ),
    DemoAction(
        "AFI4",
        "Add a Victims' Code check to a quarterly case file audit",
        "owner",
        45,
        "",
        [
            (
                "withdraw",
                "Duplicates the Criminal Justice Unit's quarterly file audit, which now checks the Victims' Code "
                "and reports to the same board.",
            ),
        ],
    ),
    # AFI5: offender management and violent offenders.
    DemoAction(
        "AFI5",
        "Bring high-risk violent offenders into the integrated offender management (IOM) cohort",
        "gareth.pryce",
        -40,
        "",
        [
            ("start", "Selection criteria for violent offenders drafted with the probation service."),
            (
                "extend",
                -5,
                "The probation service asked to align the criteria with its own risk assessment tool.",
                True,
                "Approved.",
            ),
            (
                "extend",
                25,
                "The first cohort selection panel moved to next month.",
                True,
                "Approved; any further extension goes to the force performance board.",
            ),
            ("note", "Criteria agreed; 35 violent offenders identified for the first cohort."),
        ],
    ),
    DemoAction(
        "AFI5",
        "Review the violent offender cohort every month with probation and partners",
        "gareth.pryce",
        -5,
        "",
        [
            ("start", "Terms of reference for the monthly review drafted."),
            ("block", "Waiting for the information-sharing agreement with the probation service to be signed."),
        ],
    ),
    # AFI6: an evidence base for what works.
    DemoAction(
        "AFI6",
        "Build a what-works evidence base for preventing crime and anti-social behaviour",
        "lead",
        90,
        "An intranet library of tested tactics, with local evaluations added as neighbourhood teams run them.",
        [
            ("start", "Library set up on the intranet, starting from the College of Policing crime reduction toolkit."),
            (
                "evidence",
                "College of Policing crime reduction toolkit",
                "https://www.college.police.uk/research/crime-reduction-toolkit",
            ),
        ],
    ),
    DemoAction("AFI6", "Share what works with neighbourhood teams in a quarterly briefing", "owner", 120, "", []),
]

# Findings the PCC's office discharges once the stories are told: (reference, comment).
DEMO_DISCHARGES = [("AFI4", "Victim personal statement offers are now recorded and audited.")]

# The story unfolds over the past months, in working hours: the lead writes the
# plan in its first weeks, one action a day; each action's moves then come a
# fortnight or so apart, its last one yesterday; and an extension is decided the
# afternoon it is asked for.
DEMO_STORY_DAYS = 150
BETWEEN_MOVES = datetime.timedelta(days=12)
DECISION_DELAY = datetime.timedelta(hours=3)


def tell(action: Action, step: tuple, people: dict[str, User], today: datetime.date) -> None:
    """Make one move of an action's story through the services, as the person who would make it."""
    verb, *args = step
    lead, reviewer, owner = people["lead"], people["reviewer"], action.owner
    if verb in ("start", "note", "block"):
        move_to = {"start": S.IN_PROGRESS, "block": S.BLOCKED}.get(verb, "")
        services.record_progress(action, by=owner, note=args[0], move_to=move_to)
    elif verb == "evidence":
        title, url = args
        services.add_evidence(action, by=owner, title=title, url=url)
    elif verb in ("extend", "ask"):
        days, reason, *decision = args
        proposed = today + datetime.timedelta(days=days)
        request = services.request_extension(action, by=owner, proposed_date=proposed, reason=reason)
        if decision:  # "ask" leaves the request waiting for the lead
            approve, comment = decision
            with clock.held_at(clock.now() + DECISION_DELAY):
                services.decide_extension(request, by=lead, approve=approve, comment=comment)
    elif verb == "submit":
        services.submit_for_sign_off(action, by=owner, note=args[0])
    elif verb == "sign_off":
        services.sign_off_action(action, by=reviewer, comment=args[0])
    elif verb == "return":
        services.return_action(action, by=reviewer, comment=args[0])
    elif verb == "withdraw":
        services.withdraw_action(action, by=lead, reason=args[0])
    else:
        raise ValueError(f"Unknown step {verb!r} in the demo plan.")


def build_demo_plan(inspection: Inspection, people: dict[str, User], today: datetime.date) -> list[Action]:
    """DEMO_PLAN written through the services, each move at its moment of the past months with the clock held.

    people maps the DEMO_ACCOUNTS usernames to their users.
    """
    findings = {finding.reference: finding for finding in inspection.findings.all()}
    morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 0)))
    yesterday = morning - datetime.timedelta(days=1)
    actions = []
    for n, planned in enumerate(DEMO_PLAN):
        created = morning - datetime.timedelta(days=DEMO_STORY_DAYS - n)
        with clock.held_at(created) as held:
            action = services.create_action(
                findings[planned.finding],
                by=people["lead"],
                title=planned.title,
                owner=people[planned.owner],
                due_date=today + datetime.timedelta(days=planned.due_in),
                description=planned.description,
            )
            # Each action's last move is yesterday, half an hour after the one before's.
            held.set(yesterday + n * datetime.timedelta(minutes=30) - len(planned.story) * BETWEEN_MOVES)
            for step in planned.story:
                held.advance(BETWEEN_MOVES)
                tell(action, step, people, today)
        actions.append(action)
    with clock.held_at(yesterday + datetime.timedelta(hours=8)):
        for reference, comment in DEMO_DISCHARGES:
            services.discharge_finding(findings[reference], by=people["reviewer"], comment=comment)
    return actions


def seed_demo_plan(inspection: Inspection, people: dict[str, User], today: datetime.date) -> list[Action]:
    """Build the demo plan unless the inspection already has actions (then leave them alone, and return none)."""
    if Action.objects.filter(finding__inspection=inspection).exists():
        return []
    return build_demo_plan(inspection, people, today)
