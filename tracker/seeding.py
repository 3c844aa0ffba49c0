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
from django.db import transaction
from django.utils import timezone

from . import clock, permissions, services
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
                    f"Finding {row['reference']}: no theme named {theme_name!r} (migrate adds the reference themes)."
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


# Invented people: the real PCC and chief constable named in the news
# coverage must never appear as demo users.
DEMO_ACCOUNTS = [
    DemoAccount("owner", permissions.OWNER, "Jordan", "Ashby", "Detective Chief Inspector, Crime Standards"),
    DemoAccount("lead", permissions.LEAD, "Helen", "Marsh", "HMICFRS Liaison Manager, Planning and Performance"),
    DemoAccount("reviewer", permissions.REVIEWER, "Tom", "Okafor", "Head of Scrutiny, Office of the PCC"),
    DemoAccount("auditor", permissions.AUDITOR, "Ruth", "Kendal", "Internal Audit Manager"),
    DemoAccount("admin", permissions.ADMINISTRATOR, "Chris", "Lane", "Systems Administrator"),
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

DEMO_PLAN_SEED = settings.BASE_DIR / "seeds" / "demo-plan.json"


class DemoAction(NamedTuple):
    """One action of the demo plan and its story so far (seeds/demo-plan.json says what each field holds)."""

    finding: str
    title: str
    owner: str
    due_in: int
    description: str
    story: list[list]


def read_demo_plan(path: Path = DEMO_PLAN_SEED) -> tuple[list[DemoAction], list[dict]]:
    """The demo plan's actions, and the findings discharged once their stories are told."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [DemoAction(**action) for action in data["actions"]], data["discharges"]


# The story unfolds over the past months, in working hours: the lead writes the
# plan in its first weeks, one action a day; each action's moves then come a
# twelve days apart, its last one yesterday; and an extension is decided the
# afternoon it is asked for.
DEMO_STORY_DAYS = 150
BETWEEN_MOVES = datetime.timedelta(days=12)
DECISION_DELAY = datetime.timedelta(hours=3)


def tell(action: Action, step: list, people: dict[str, User], today: datetime.date) -> None:
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
    elif verb == "publish":
        services.write_public_summary(action.finding, action=action, by=lead, text=args[0])
    else:
        raise ValueError(f"Unknown step {verb!r} in the demo plan.")


def build_demo_plan(inspection: Inspection, people: dict[str, User], today: datetime.date) -> list[Action]:
    """seeds/demo-plan.json told through the services, each move at its moment of the past months, the clock held.

    people maps the DEMO_ACCOUNTS usernames to their users.
    """
    plan, discharges = read_demo_plan()
    findings = {finding.reference: finding for finding in inspection.findings.all()}
    morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 0)))
    yesterday = morning - datetime.timedelta(days=1)
    actions = []
    for n, planned in enumerate(plan):
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
        for discharge in discharges:
            services.discharge_finding(
                findings[discharge["finding"]], by=people["reviewer"], comment=discharge["comment"]
            )
    return actions


def seed_demo_plan(inspection: Inspection, people: dict[str, User], today: datetime.date) -> list[Action]:
    """Build the demo plan unless the inspection already has actions (then leave them alone, and return none)."""
    if Action.objects.filter(finding__inspection=inspection).exists():
        return []
    return build_demo_plan(inspection, people, today)
