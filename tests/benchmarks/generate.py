"""A realistic improvement plan at force or national scale, written in one go by tracker.bulk.

generate(scale=1.0) makes the large plan: 100 inspections, 4,000 findings,
20,000 actions in every status, 200,000 rows of action history and 100 people
in the five roles. scale=0.01 makes the small plan (1/100 of it). Objects are
built with the test factories (.build(), so nothing is saved one by one); each
record's story (who made it, who changed it, when and why) is told to a
tracker.bulk.BulkPlan, which writes them all with their history, links the
sign-offs into the tamper-evident chain and works out the kept sums, in one
transaction. The services are not used, for speed: this module decides only
what happens, and when.

Every action's story obeys the workflow: it starts, gathers notes, evidence
and extensions, is submitted (only with evidence), returned or signed off by a
PCC reviewer who neither owns nor submitted it, or withdrawn by a lead.

    python -m tests.benchmarks.run --generate 0.01    (into the database DATABASE_URL names)
"""

import datetime
import random
import time
from dataclasses import dataclass, field

import factory.random
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from tests import factories
from tracker import permissions
from tracker.bulk import BulkPlan
from tracker.models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    ProgressUpdate,
    RegisterEntry,
    SignOff,
    Theme,
    User,
)

S = Action.Status
LARGE = {"inspections": 100, "findings": 4000, "actions": 20_000, "action_history": 200_000}
# People in each role in the large plan, and the fewest any plan has.
LARGE_ROLES = {
    permissions.OWNER: 60,
    permissions.LEAD: 10,
    permissions.REVIEWER: 15,
    permissions.AUDITOR: 10,
    permissions.ADMINISTRATOR: 5,
}
MIN_ROLES = {
    permissions.OWNER: 4,
    permissions.LEAD: 2,
    permissions.REVIEWER: 2,
    permissions.AUDITOR: 1,
    permissions.ADMINISTRATOR: 1,
}
DEFAULT_PASSWORD = "benchmark-only-password"
DAY = datetime.timedelta(days=1)

# The plan's words ------------------------------------------------------------------------

FORCES = [
    "Hertfordshire Constabulary",
    "Bedfordshire Police",
    "Cambridgeshire Constabulary",
    "Essex Police",
    "Kent Police",
    "Thames Valley Police",
    "West Midlands Police",
    "Greater Manchester Police",
    "Avon and Somerset Constabulary",
    "Dyfed-Powys Police",
]
INSPECTIONS = [
    (Inspection.Kind.PEEL, "PEEL {year}: police effectiveness"),
    (Inspection.Kind.PEEL, "PEEL {year}: police efficiency"),
    (Inspection.Kind.PEEL, "PEEL {year}: legitimacy"),
    (Inspection.Kind.THEMATIC, "Crime data integrity inspection {year}"),
    (Inspection.Kind.THEMATIC, "National child protection inspection {year}"),
    (Inspection.Kind.THEMATIC, "The police response to domestic abuse ({year})"),
    (Inspection.Kind.THEMATIC, "Digital forensics and the investigation of crime ({year})"),
    (Inspection.Kind.JOINT, "Joint targeted area inspection: children at risk of exploitation ({year})"),
    (Inspection.Kind.JOINT, "Joint inspection of custody ({year})"),
    (Inspection.Kind.SUPER_COMPLAINT, "Super-complaint: the police response to stalking ({year})"),
    (Inspection.Kind.IOPC_LEARNING, "IOPC learning: pursuits and emergency driving ({year})"),
    (Inspection.Kind.PREVENTION_OF_FUTURE_DEATHS, "Prevention of future deaths report: missing person ({year})"),
    (Inspection.Kind.OTHER, "Peer review of the force control room ({year})"),
]
JUDGEMENT_QUESTIONS = [
    "How effective is the force at preventing crime and tackling anti-social behaviour?",
    "How effective is the force at investigating crime and reducing re-offending?",
    "How effective is the force at protecting those who are vulnerable from harm?",
    "How effective is the force at tackling serious and organised crime?",
]
FINDING_TEXTS = [
    "The force should ensure that call handlers identify vulnerability and assess risk consistently at first contact.",
    "The force should improve how supervisors review investigations, so that each has a clear plan.",
    "The force should ensure that stalking and harassment are recognised and investigated thoroughly.",
    "The force should ensure it complies with the Code of Practice for Victims of Crime.",
    "The force should improve how it manages registered sex offenders and violent offenders.",
    "The force should develop an evidence base for what works in preventing crime.",
    "The force should ensure that crimes reported to it are recorded accurately and without delay.",
    "The force should improve how it shares information with partner agencies about children at risk.",
    "The force should ensure that officers have the skills and equipment to investigate digital crime.",
    "The force should improve the oversight of its use of stop and search.",
    "The force should reduce the backlog of devices waiting for digital examination.",
    "The force should ensure that missing children are risk-assessed and searched for promptly.",
]
FINDING_TITLES = [
    "Risk assessment at first contact",
    "Supervision of investigations",
    "Stalking and harassment",
    "Victims' Code compliance",
    "Offender management",
    "Evidence-based practice",
    "Crime recording",
    "Information sharing",
    "Digital investigation",
    "Stop and search oversight",
    "Digital forensics backlog",
    "Missing children",
]
ACTION_TITLES = [
    "Deliver THRIVE refresher training to every call handler",
    "Audit a sample of investigations each month",
    "Introduce a stalking screening tool in the control room",
    "Appoint a Victims' Code compliance lead",
    "Review the caseload of offender managers",
    "Set up a what-works evidence panel",
    "Dip-sample crime records weekly",
    "Agree an information-sharing protocol with children's services",
    "Train investigators in digital evidence",
    "Publish stop and search data with community scrutiny",
    "Recruit additional digital forensic examiners",
    "Revise the missing person risk assessment",
    "Brief supervisors on investigation plans",
    "Report progress to the force performance board",
]
DESCRIPTIONS = [
    "Owned by the department head; reported monthly to the performance board.",
    "Milestones agreed with the improvement lead; success measured by quarterly audit.",
    "Delivered jointly with partner agencies; evidence held on the force intranet.",
    "Success measure: compliance above 90% in two consecutive audits.",
]
EDIT_REASONS = [
    ("description", "Success measures added after the performance board"),
    ("description", "Milestones revised after the quarterly review"),
    ("description", "Scope clarified with the HMICFRS liaison officer"),
    ("description", "Partner agencies added to the delivery plan"),
    ("title", "Title made clearer for the panel report"),
    ("owner", "Owner moved to a new post"),
]
NOTES = [
    "Training plan agreed with the control room.",
    "First audit complete: findings shared with supervisors.",
    "Working group met; terms of reference agreed.",
    "Draft policy out for consultation with the federation.",
    "Half of the staff trained; the rest booked for next month.",
    "Dip sample of 50 records shows improvement since the last audit.",
    "Partner agencies have signed the protocol.",
    "Reported to the performance board; no concerns raised.",
    "Recruitment campaign launched; interviews next month.",
    "Awaiting the new IT release before the next step.",
]
BLOCK_NOTES = [
    "Blocked: waiting for the IT supplier to deliver the new screening form.",
    "Blocked: budget for the additional posts not yet approved.",
    "Blocked: training venue unavailable until the new financial year.",
]
UNBLOCK_NOTES = ["Unblocked: the supplier has delivered.", "Unblocked: funding approved.", "Back on track."]
SUBMIT_NOTES = [
    "Audit shows the new process is embedded; evidence attached.",
    "Training complete for all staff; attendance records attached.",
    "Policy published and briefed; compliance audit attached.",
]
RETURN_COMMENTS = [
    "The evidence covers one district only: please show it force-wide.",
    "Please add the audit results, not just the training plan.",
    "The policy is published but there is no evidence it is followed.",
]
SIGN_OFF_COMMENTS = ["", "", "Evidence reviewed by the scrutiny officer.", "Satisfied the action is embedded."]
WITHDRAW_REASONS = [
    "Superseded by the force-wide vulnerability programme.",
    "Duplicates an action under the cause of concern.",
    "Overtaken by the national change to crime recording rules.",
]
EXTENSION_REASONS = [
    "Training places are not available until the new year.",
    "The IT supplier has moved the release date.",
    "Recruitment took longer than planned.",
    "The audit needs a full quarter of data before it can report.",
]
REFUSAL_COMMENTS = ["The panel expects this by the original date.", "Please deliver the first phase on time."]
EVIDENCE_TITLES = [
    "Audit report",
    "Training attendance records",
    "Published policy",
    "Performance board minutes",
    "Information-sharing protocol",
    "Dip-sample results",
]
OWNER_JOBS = [
    "Detective Superintendent, Public Protection",
    "Head of Contact Management",
    "Chief Inspector, Neighbourhood Policing",
    "Detective Chief Inspector, Crime Review",
    "Head of Digital Forensics",
    "Superintendent, Criminal Justice",
]
ROLE_JOBS = {
    permissions.LEAD: "HMICFRS Liaison Officer",
    permissions.REVIEWER: "Scrutiny Officer, Office of the PCC",
    permissions.AUDITOR: "Internal Auditor",
    permissions.ADMINISTRATOR: "Systems Administrator",
}


# Sizes ------------------------------------------------------------------------------------


def plan_sizes(scale: float) -> dict[str, int]:
    inspections = max(1, round(LARGE["inspections"] * scale))
    findings = max(inspections, round(LARGE["findings"] * scale))
    return {
        "inspections": inspections,
        "findings": findings,
        "actions": max(findings, round(LARGE["actions"] * scale)),
        "action_history": round(LARGE["action_history"] * scale),
        **{role: max(MIN_ROLES[role], round(count * scale)) for role, count in LARGE_ROLES.items()},
    }


# Bookkeeping ------------------------------------------------------------------------------


@dataclass
class _Plan:
    rng: random.Random
    now: datetime.datetime
    today: datetime.date
    bulk: BulkPlan = field(default_factory=BulkPlan)

    def spread(self, start: datetime.datetime, end: datetime.datetime, count: int) -> list[datetime.datetime]:
        """count moments between start and end, in order, in working hours where there is room."""
        if end <= start:
            end = start + datetime.timedelta(hours=count + 1)
        span = (end - start).total_seconds()
        moments = sorted(start + datetime.timedelta(seconds=self.rng.random() * span) for _ in range(count))
        # Distinct and strictly increasing: a story never has two events at once.
        for n in range(1, len(moments)):
            if moments[n] <= moments[n - 1]:
                moments[n] = moments[n - 1] + datetime.timedelta(seconds=1)
        return moments


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment in the working day."""
    moment = datetime.datetime.combine(day, datetime.time(8, 0)) + datetime.timedelta(seconds=rng.randint(0, 9 * 3600))
    return timezone.make_aware(moment)


# People -----------------------------------------------------------------------------------


def _people(plan: _Plan, sizes: dict, password_hash: str, joined: datetime.datetime) -> dict[str, list[User]]:
    taken = set(User.objects.values_list("username", flat=True))
    people: dict[str, list[User]] = {}
    groups = {group.name: group for group in Group.objects.filter(name__in=permissions.ROLES)}
    for role in permissions.ROLES:
        people[role] = []
        for n in range(sizes[role]):
            user = factories.UserFactory.build(
                # One hash for everyone: hashing is slow on purpose, and the factory would hash each.
                password=factory.Transformer.Force(password_hash),
                date_joined=joined,
                is_staff=role in (permissions.AUDITOR, permissions.ADMINISTRATOR),
                # The system owner: the admin change list is measured as them.
                is_superuser=role == permissions.ADMINISTRATOR and n == 0,
                job_title=plan.rng.choice(OWNER_JOBS) if role == permissions.OWNER else ROLE_JOBS[role],
            )
            base = f"{user.first_name}.{user.last_name}".lower().replace(" ", "").replace("'", "")
            username, suffix = base, 1
            while username in taken:
                suffix += 1
                username = f"{base}{suffix}"
            taken.add(username)
            user.username, user.email = username, f"{username}@example.police.uk"
            user.pk = plan.bulk.key(User)  # keyed now: the administrator is named in everyone's history
            people[role].append(user)
    administrator = people[permissions.ADMINISTRATOR][0]
    for role, role_people in people.items():
        for user in role_people:
            by = None if user is administrator else administrator
            plan.bulk.add(user, when=joined, by=by, reason="Account created")
            plan.bulk.add(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
    return people


# Inspections and findings -----------------------------------------------------------------


def _inspections(plan: _Plan, sizes: dict, people: dict) -> list[Inspection]:
    rng, count = plan.rng, sizes["inspections"]
    leads, reviewers = people[permissions.LEAD], people[permissions.REVIEWER]
    inspections = []
    for n in range(count):
        # Oldest first, over the last six years; a one-inspection plan sits in the middle.
        age_days = round(40 + (6 * 365 - 40) * (1 - (n + 0.5) / count))
        published = plan.today - datetime.timedelta(days=age_days)
        kind, title = INSPECTIONS[n % len(INSPECTIONS)]
        force = FORCES[n % len(FORCES)]
        pk = plan.bulk.key(Inspection)
        inspection = factories.InspectionFactory.build(
            pk=pk,
            slug=f"{published:%Y-%m}-{pk:03d}-{kind.replace('_', '-')}",
            title=f"{force}: {title.format(year=published.year)}",
            kind=kind,
            force=force,
            published=published,
            link=f"https://hmicfrs.justiceinspectorates.gov.uk/publications/{published:%Y}-{pk:03d}/",
            overall_grade=rng.choice(["good", "requires_improvement", "inadequate"]) if kind == "peel" else "",
            attribution="Contains public sector information licensed under the Open Government Licence v3.0.",
        )
        inspection.age = age_days / (6 * 365)  # 0 newest .. 1 oldest: how far through its plan it is
        created = _at(published + 2 * DAY, rng)
        inspection.created_at = inspection.updated_at = created
        plan.bulk.add(inspection, when=created, by=rng.choice(leads), reason="Inspection created")
        if age_days > 70 and rng.random() < 0.9:
            inspection.comments_invited = published + 3 * DAY
            inspection.comments_received = published + 30 * DAY
            inspection.response_published = published + rng.randint(35, 70) * DAY
            inspection.response_link = f"https://www.pcc.example.gov.uk/responses/{inspection.slug}"
            recorded = _at(inspection.response_published, rng)
            plan.bulk.save(inspection, when=recorded, by=rng.choice(reviewers), reason="PCC response recorded")
        if kind == Inspection.Kind.PEEL:
            for position, question in enumerate(JUDGEMENT_QUESTIONS, start=1):
                judgement = Judgement(
                    inspection=inspection,
                    position=position,
                    question=question,
                    grade=rng.choice(["good", "requires_improvement", "inadequate", "outstanding"]),
                    summary="See the report for the inspectorate's reasons.",
                )
                plan.bulk.add(judgement, when=created, by=rng.choice(leads), reason="Graded judgement recorded")
        inspections.append(inspection)
    return inspections


def _findings(plan: _Plan, inspection: Inspection, count: int, themes: list, people: dict) -> list[Finding]:
    rng = plan.rng
    lead = rng.choice(people[permissions.LEAD])
    causes = max(1, count // 20) if count >= 3 else 0
    under_each = 2 if count >= 6 else 0
    standalone = count // 10
    kinds = []
    for _ in range(causes):
        kinds.append(("cause", None))
        kinds.extend([("under", len(kinds) - 1)] * under_each)
    kinds.extend([("recommendation", None)] * standalone)
    kinds.extend([("afi", None)] * (count - len(kinds)))
    numbers = {"cause": 0, "recommendation": 0, "afi": 0}
    findings: list[Finding] = []
    created = _at(inspection.published + 3 * DAY, rng)
    for kind, parent_index in kinds[:count]:
        topic = rng.randrange(len(FINDING_TEXTS))
        if kind == "cause":
            numbers["cause"] += 1
            reference, finding_kind = f"CoC{numbers['cause']}", Finding.Kind.CAUSE_OF_CONCERN
        elif kind == "afi":
            numbers["afi"] += 1
            reference, finding_kind = f"AFI{numbers['afi']}", Finding.Kind.AREA_FOR_IMPROVEMENT
        else:
            numbers["recommendation"] += 1
            reference, finding_kind = f"R{numbers['recommendation']}", Finding.Kind.RECOMMENDATION
        finding = factories.FindingFactory.build(
            inspection=inspection,
            kind=finding_kind,
            reference=reference,
            title=FINDING_TITLES[topic],
            text=FINDING_TEXTS[topic],
            theme=rng.choice(themes),
            parent=findings[parent_index] if parent_index is not None else None,
            register_id=f"{inspection.published:%Y}-{inspection.pk:03d}-{reference}"
            if finding_kind != Finding.Kind.AREA_FOR_IMPROVEMENT
            else "",
            created_at=created,
            updated_at=created,
        )
        plan.bulk.add(finding, when=created, by=lead, reason="Imported from the inspection report")
        findings.append(finding)
    return findings


def _register_entries(plan: _Plan, finding: Finding, lead: User, done: bool) -> None:
    """The inspectorate's own status history for a recommendation (the HMICFRS register mirror)."""
    rng, published = plan.rng, finding.inspection.published
    steps = [(90, "awaiting-review"), (240, "being-progressed")]
    if done:
        steps.append((420, "complete"))
    for days, status in steps:
        day = published + days * DAY
        if day >= plan.today:
            break
        recorded = _at(day + 2 * DAY, rng)
        entry = RegisterEntry(
            finding=finding,
            date=day,
            status=status,
            comment="From the HMICFRS monitoring portal.",
            recorded_by=lead,
            recorded_at=recorded,
        )
        plan.bulk.add(entry, when=recorded, by=lead, reason="HMICFRS register entry recorded")


# Actions ----------------------------------------------------------------------------------


def _final_status(rng: random.Random, age: float) -> str:
    """Older plans are further on: more signed off, fewer not started."""
    weights = {
        S.SIGNED_OFF: 0.10 + 0.55 * age,
        S.WITHDRAWN: 0.03 + 0.05 * age,
        S.SUBMITTED: 0.08,
        S.BLOCKED: 0.05,
        S.NOT_STARTED: 0.02 + 0.20 * (1 - age),
    }
    weights[S.IN_PROGRESS] = max(0.05, 1 - sum(weights.values()))
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _story(rng: random.Random, final: str, approved: int, refused: int) -> list[str]:
    """The events that take a new action to its final status, in order."""
    if final == S.NOT_STARTED:
        return ["note"] * rng.randint(0, 1)
    if final == S.WITHDRAWN and rng.random() < 0.4:
        return ["note"] * rng.randint(0, 1) + ["withdraw"]
    units = [["note"] for _ in range(rng.randint(1, 5))]
    if rng.random() < 0.15:
        units.append(["block", "unblock"])
    units += [["approve_extension"]] * approved + [["refuse_extension"]] * refused
    evidence = rng.randint(1, 3) if final in (S.SUBMITTED, S.SIGNED_OFF) else int(rng.random() < 0.3)
    units += [["evidence"]] * evidence
    rng.shuffle(units)
    events = ["start", *(event for unit in units for event in unit)]
    if final in (S.SUBMITTED, S.SIGNED_OFF):
        if rng.random() < 0.2:
            events += ["submit", "return", "note"]
        events.append("submit")
        if final == S.SIGNED_OFF:
            events.append("sign_off")
    elif final == S.BLOCKED:
        events.append("block")
    elif final == S.IN_PROGRESS and evidence and rng.random() < 0.3:
        events += ["submit", "return"]  # returned by the PCC's office, not yet resubmitted
    elif final == S.WITHDRAWN:
        events.append("withdraw")
    return events


def _history_rows(events: list[str]) -> int:
    moves = {"start", "block", "unblock", "submit", "return", "sign_off", "withdraw", "approve_extension", "edit"}
    return 1 + sum(event in moves for event in events)


@dataclass
class _Draft:
    """An action before its story is told: who, when, and how it ends."""

    action: Action
    final: str
    events: list[str]
    start: datetime.datetime
    end: datetime.datetime
    shifts: list[int]  # days each approved extension moves the due date


def _draft_action(plan: _Plan, finding: Finding, people: dict, number: int, final: str | None = None) -> _Draft:
    rng, now, today = plan.rng, plan.now, plan.today
    inspection = finding.inspection
    final = final or _final_status(rng, inspection.age)
    created_day = min(inspection.published + rng.randint(5, 75) * DAY, today - 5 * DAY)
    created = _at(created_day, rng)
    lead = rng.choice(people[permissions.LEAD])
    owner = rng.choice(people[permissions.OWNER])

    approved = rng.choices([0, 1, 2, 3], weights=[80, 14, 5, 1])[0]
    refused = int(rng.random() < 0.1)
    shifts = [rng.randint(14, 120) for _ in range(approved)]
    if final in (S.SIGNED_OFF, S.WITHDRAWN):
        end = created + (now - created) * rng.uniform(0.3, 0.95)
        due = timezone.localdate(end) + rng.randint(-45, 60) * DAY
    else:
        end = now - datetime.timedelta(days=rng.uniform(1, 30) if final == S.SUBMITTED else rng.uniform(0.1, 20))
        overdue = rng.random() < (0.1 if final == S.SUBMITTED else 0.22)
        due = today - rng.randint(1, 180) * DAY if overdue else today + rng.randint(1, 420) * DAY
    earliest_due = created_day + 21 * DAY
    due = max(due, earliest_due)
    if due - sum(shifts) * DAY < earliest_due:
        shifts = []
    original = due - sum(shifts) * DAY
    events = _story(rng, final, len(shifts) if final != S.NOT_STARTED else 0, refused)
    if final == S.NOT_STARTED:
        shifts, original = [], due

    action = factories.ActionFactory.build(
        finding=finding,
        title=ACTION_TITLES[(number + finding.pk) % len(ACTION_TITLES)],
        description=rng.choice(DESCRIPTIONS),
        owner=owner,
        created_by=lead,
        due_date=original,
        original_due_date=original,
        status=S.NOT_STARTED,
        created_at=created,
        updated_at=created,
        last_progress_at=created,
    )
    return _Draft(action, final, events, created + datetime.timedelta(hours=2), end, shifts)


class _Story:
    """One action's story as it is told: a method per kind of event, each writing what that move writes."""

    def __init__(self, plan: _Plan, action: Action, people: dict, shifts: list[int]):
        self.plan, self.rng, self.action, self.shifts = plan, plan.rng, action, list(shifts)
        self.leads, self.reviewers = people[permissions.LEAD], people[permissions.REVIEWER]
        self.owners = people[permissions.OWNER]

    def save(self, when, user, reason: str) -> None:
        self.plan.bulk.save(self.action, when=when, by=user, reason=reason)

    def write_note(self, when, author, text: str, status_from: str = "", status_to: str = "") -> None:
        # The most numerous record (about 90,000): built plainly, as the factory adds nothing to these fields.
        note = ProgressUpdate(
            action=self.action, author=author, note=text, status_from=status_from, status_to=status_to, created_at=when
        )
        self.plan.bulk.add(note)

    def move(self, when, user, to: str, reason: str, text: str | None = None) -> None:
        old, self.action.status = self.action.status, to
        self.save(when, user, reason)
        if text is not None:
            self.write_note(when, user, text, old, to)

    def note(self, when, following, n) -> None:
        author = self.action.owner if self.rng.random() < 0.9 else self.rng.choice(self.leads)
        self.write_note(when, author, self.rng.choice(NOTES))

    def start(self, when, following, n) -> None:
        text = self.rng.choice(NOTES)
        self.move(when, self.action.owner, S.IN_PROGRESS, text, text)

    def block(self, when, following, n) -> None:
        text = self.rng.choice(BLOCK_NOTES)
        self.move(when, self.action.owner, S.BLOCKED, text, text)

    def unblock(self, when, following, n) -> None:
        text = self.rng.choice(UNBLOCK_NOTES)
        self.move(when, self.action.owner, S.IN_PROGRESS, text, text)

    def edit(self, when, following, n) -> None:
        action, rng = self.action, self.rng
        editor = rng.choice(self.leads)
        what, reason = rng.choice(EDIT_REASONS)
        if what == "owner" and len(self.owners) > 1 and action.status != S.SUBMITTED:
            action.owner = rng.choice([person for person in self.owners if person != action.owner])
        elif what == "title":
            action.title = f"{action.title.removesuffix(' (revised)')} (revised)"
        else:
            action.description = f"{rng.choice(DESCRIPTIONS)} {reason}."
        self.save(when, editor, reason)

    def evidence(self, when, following, n) -> None:
        action = self.action
        evidence = factories.EvidenceFactory.build(
            action=action,
            added_by=action.owner,
            title=self.rng.choice(EVIDENCE_TITLES),
            url=f"https://intranet.example.police.uk/improvement/{action.finding.inspection.slug}/"
            f"action-{action.pk}-{n}.pdf",
            added_at=when,
        )
        self.plan.bulk.add(evidence, when=when, by=action.owner, reason="Evidence added")

    def extension(self, when, following, *, approve: bool) -> None:
        action, rng = self.action, self.rng
        shift = self.shifts.pop(0) if approve else rng.randint(14, 90)
        reason = rng.choice(EXTENSION_REASONS)
        decided = when + (following - when) / 2
        decider = rng.choice(self.leads)
        request = factories.ExtensionRequestFactory.build(
            action=action,
            proposed_date=action.due_date + shift * DAY,
            previous_due_date=action.due_date,
            reason=reason,
            requested_by=action.owner,
            requested_at=when,
        )
        self.plan.bulk.add(request, when=when, by=action.owner, reason=reason)
        request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
        request.decided_by, request.decided_at = decider, decided
        request.decision_comment = "" if approve else rng.choice(REFUSAL_COMMENTS)
        verdict = "approved" if approve else "refused"
        self.plan.bulk.save(
            request, when=decided, by=decider, reason=request.decision_comment or f"Extension {verdict}"
        )
        if approve:
            action.due_date = request.proposed_date
            self.save(decided, decider, f"Extension approved: due {action.due_date:%d %B %Y}")

    def approve_extension(self, when, following, n) -> None:
        self.extension(when, following, approve=True)

    def refuse_extension(self, when, following, n) -> None:
        self.extension(when, following, approve=False)

    def submit(self, when, following, n) -> None:
        action = self.action
        action.submitted_by, action.submitted_at = action.owner, when
        text = self.rng.choice(SUBMIT_NOTES)
        self.move(when, action.owner, S.SUBMITTED, text, text)

    def decision(self, when, *, approve: bool) -> None:
        reviewer = self.rng.choice(self.reviewers)
        comment = self.rng.choice(SIGN_OFF_COMMENTS if approve else RETURN_COMMENTS)
        sign_off = factories.SignOffFactory.build(
            action=self.action,
            decision=SignOff.Decision.APPROVE if approve else SignOff.Decision.RETURN,
            comment=comment,
            decided_by=reviewer,
            decided_at=when,
        )
        self.plan.bulk.add(sign_off)
        if approve:
            self.move(when, reviewer, S.SIGNED_OFF, comment or "Signed off")
        else:
            self.move(when, reviewer, S.IN_PROGRESS, f"Returned: {comment}")

    def sign_off(self, when, following, n) -> None:
        self.decision(when, approve=True)

    def return_(self, when, following, n) -> None:
        self.decision(when, approve=False)

    def withdraw(self, when, following, n) -> None:
        withdrawer = self.rng.choice(self.leads)
        reason = self.rng.choice(WITHDRAW_REASONS)
        old, self.action.status = self.action.status, S.WITHDRAWN
        self.save(when, withdrawer, f"Withdrawn: {reason}")
        self.write_note(when, withdrawer, reason, old, S.WITHDRAWN)

    def ask_for_extension(self) -> None:
        """An extension request waiting for a lead's decision."""
        action = self.action
        when = min(self.plan.now - datetime.timedelta(hours=1), action.updated_at + DAY)
        request = factories.ExtensionRequestFactory.build(
            action=action,
            proposed_date=action.due_date + self.rng.randint(14, 90) * DAY,
            previous_due_date=action.due_date,
            reason=self.rng.choice(EXTENSION_REASONS),
            requested_by=action.owner,
            requested_at=when,
        )
        self.plan.bulk.add(request, when=when, by=action.owner, reason=request.reason)


def _tell(plan: _Plan, draft: _Draft, people: dict) -> None:
    """Play an action's story: its records, its history, and where it ends up."""
    action = draft.action
    reason = f"Action created and assigned to {action.owner}"
    plan.bulk.add(action, when=action.created_at, by=action.created_by, reason=reason)
    story = _Story(plan, action, people, draft.shifts)
    moments = plan.spread(draft.start, draft.end, len(draft.events))
    for n, (event, when) in enumerate(zip(draft.events, moments, strict=True)):
        following = moments[n + 1] if n + 1 < len(moments) else min(plan.now, when + 10 * DAY)
        getattr(story, "return_" if event == "return" else event)(when, following, n)
    if action.is_open and action.status != S.SUBMITTED and plan.rng.random() < 0.05:
        story.ask_for_extension()


def _long_story(rounds: int) -> list[str]:
    """The action with the long timeline: the same story in every plan, whatever its size."""
    events = ["start"]
    for _ in range(rounds):
        events += ["note", "evidence", "approve_extension", "edit", "note", "submit", "return"]
    return events


def _add_extra_edits(plan: _Plan, drafts: list[_Draft], target: int) -> None:
    """Leads' edits (descriptions, titles, owners), spread unevenly, until history reaches its target size."""
    rng = plan.rng
    extra = target - sum(_history_rows(draft.events) for draft in drafts)
    if extra <= 0:
        return
    candidates = [draft for draft in drafts[1:] if draft.events or draft.final == S.NOT_STARTED]
    weights = [rng.random() ** 2 for _ in candidates]  # a few actions are edited far more than most
    for draft in rng.choices(candidates, weights=weights, k=extra):
        closing = 1 if draft.events and draft.events[-1] in ("sign_off", "withdraw") else 0
        position = rng.randint(0, len(draft.events) - closing)
        draft.events.insert(position, "edit")


def _discharge(plan: _Plan, finding: Finding, actions: list[Action], people: dict) -> None:
    """The PCC's office discharges most findings whose every action is closed."""
    rng = plan.rng
    if not actions or any(action.is_open for action in actions) or rng.random() > 0.6:
        return
    when = max(action.updated_at for action in actions) + rng.randint(7, 60) * DAY
    if when >= plan.now:
        return
    plan.bulk.add(
        factories.SignOffFactory.build(
            action=None,
            finding=finding,
            decision=SignOff.Decision.APPROVE,
            comment="Every action is complete; the finding is put right.",
            decided_by=rng.choice(people[permissions.REVIEWER]),
            decided_at=when,
        )
    )


def _drafts(plan: _Plan, findings: list[Finding], sizes: dict, people: dict, long_timeline_rounds: int) -> list:
    """Every action, drafted: the findings it answers, and the story each will tell (the first, the long one)."""
    rng = plan.rng
    # Findings still awaiting allocation are mostly in the newest plans.
    allocated = [f for f in findings if rng.random() > (0.15 if f.inspection.age < 0.2 else 0.01)]
    allocated = allocated or findings[:1]
    counts = {finding.pk: 1 for finding in allocated[: sizes["actions"]]}
    for finding in rng.choices(allocated, k=sizes["actions"] - len(counts)):
        counts[finding.pk] += 1
    drafts = []
    for finding in findings:
        for number in range(counts.get(finding.pk, 0)):
            # Every status at least once, however small the plan (the first draft gets the long story).
            final = S.values[len(drafts) - 1] if 1 <= len(drafts) <= len(S.values) else None
            drafts.append(_draft_action(plan, finding, people, number, final))
    long_draft = drafts[0]
    long_draft.final, long_draft.events = S.IN_PROGRESS, _long_story(long_timeline_rounds)
    long_draft.shifts = [30] * long_timeline_rounds
    long_draft.action.owner = people[permissions.OWNER][0]
    long_draft.action.due_date = long_draft.action.original_due_date = plan.today - 30 * DAY
    long_draft.start = plan.now - datetime.timedelta(days=300)
    long_draft.end = plan.now - DAY
    _add_extra_edits(plan, drafts, sizes["action_history"])
    return drafts


def _close_findings(plan: _Plan, findings: list[Finding], drafts: list, people: dict) -> None:
    """Discharges, and the inspectorate's register entries, once the actions' stories are told."""
    by_finding: dict[int, list[Action]] = {}
    for draft in drafts:
        by_finding.setdefault(draft.action.finding_id, []).append(draft.action)
    for finding in findings:
        actions = by_finding.get(finding.pk, [])
        _discharge(plan, finding, actions, people)
        if finding.kind != Finding.Kind.AREA_FOR_IMPROVEMENT:
            done = bool(actions) and not any(action.is_open for action in actions)
            _register_entries(plan, finding, plan.rng.choice(people[permissions.LEAD]), done)


def generate(
    scale: float = 1.0,
    *,
    seed: int = 2017,
    password: str = DEFAULT_PASSWORD,
    long_timeline_rounds: int = 12,
    now: datetime.datetime | None = None,
) -> dict:
    """Write a plan of the given scale (1.0 = large, 0.01 = small); return what was made and how long it took."""
    started = time.perf_counter()
    now = now or timezone.now()
    plan = _Plan(rng=random.Random(seed), now=now, today=timezone.localdate(now))
    factory.random.reseed_random(seed)
    sizes = plan_sizes(scale)
    rng = plan.rng

    with transaction.atomic():
        themes = list(Theme.objects.all())  # the reference themes, which migrate adds
        joined = _at(plan.today - datetime.timedelta(days=6 * 365 + 30), rng)
        people = _people(plan, sizes, make_password(password), joined)
        inspections = _inspections(plan, sizes, people)

        per_inspection, spare = divmod(sizes["findings"], sizes["inspections"])
        findings = []
        for n, inspection in enumerate(inspections):
            findings += _findings(plan, inspection, per_inspection + (n < spare), themes, people)

        drafts = _drafts(plan, findings, sizes, people, long_timeline_rounds)
        for draft in drafts:
            _tell(plan, draft, people)

        _close_findings(plan, findings, drafts, people)
        built = time.perf_counter()
        plan.bulk.write()
        written = time.perf_counter()

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # What autovacuum does after a bulk load: statistics, and the visibility map for index-only scans.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    return {
        "scale": scale,
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_building": round(built - started, 1),
        "seconds_writing": round(written - built, 1),
        "counts": {
            "users": User.objects.count(),
            "inspections": Inspection.objects.count(),
            "findings": Finding.objects.count(),
            "actions": Action.objects.count(),
            "action_history": Action.history.count(),
            "history_all": sum(len(rows) for rows in plan.bulk.history.values()),
            "progress_updates": ProgressUpdate.objects.count(),
            "evidence": Evidence.objects.count(),
            "extension_requests": ExtensionRequest.objects.count(),
            "sign_offs": SignOff.objects.count(),
        },
        "statuses": {status: sum(d.action.status == status for d in drafts) for status in S.values},
        "overdue": sum(d.action.is_overdue(plan.today) for d in drafts),
        "people": {role: [user.username for user in users] for role, users in people.items()},
        "long_timeline_action": drafts[0].action.pk,
        "inspection_slugs": [inspection.slug for inspection in inspections],
    }
