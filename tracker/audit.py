"""The sign-off chain: appending to it, and checking it (what verify_audit reports).

Each sign-off's record_hash is an HMAC-SHA256, under AUDIT_KEY, of its content
and the hash of the record before it. The key is kept outside the database, so
someone who can change the database cannot make a link that verifies. What the
key cannot show is the newest records removed with the head rolled back to an
earlier record: the anchor (chain length and the hash at that position, kept
outside the database) shows that. And the plan is checked against the chain:
nothing is signed off or discharged without its decision.
"""

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Max, Min

from . import clock
from .models import Action, SignOff, SignOffChain


class ChainRefused(Exception):
    """The chain was not re-keyed; problems says why, as sentences."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# How a record's link is worked out: under AUDIT_KEY, under another key, or the plain SHA-256 of old chains.
Link = Callable[[SignOff], str]


def audit_key() -> bytes:
    """AUDIT_KEY as bytes; refuses when it is unset (with DEBUG off, tracker.E004 stops the site first)."""
    if not settings.AUDIT_KEY:
        raise ImproperlyConfigured(
            "AUDIT_KEY is not set, so sign-off decisions cannot be signed or checked. "
            "Set AUDIT_KEY to a long random secret of its own (see docs/deploy.md)."
        )
    return settings.AUDIT_KEY.encode()


def keyed_link(key: bytes) -> Link:
    return lambda sign_off: sign_off.compute_hash(key)


def append_to_chain(sign_offs: Sequence[SignOff]) -> None:
    """Link new sign-offs, in the order given, onto the end of the tamper-evident chain; the caller saves them.

    Each gets the hash of the record before it and its own hash; the chain's
    head moves on past the last. The head is locked until the caller's
    transaction ends, so two appends at once cannot both link to the same
    record: call it inside the transaction that saves the sign-offs, and save
    them in this order (verify_audit walks the chain in primary key order).
    """
    key = audit_key()
    SignOffChain.objects.get_or_create(pk=1)
    head = SignOffChain.objects.select_for_update().get(pk=1)
    for sign_off in sign_offs:
        sign_off.previous_hash = head.last_hash
        sign_off.record_hash = head.last_hash = sign_off.compute_hash(key)
        head.length += 1
    if sign_offs:
        head.save(update_fields=["last_hash", "length"])


# The anchor ---------------------------------------------------------------------------------

ANCHOR_LINE = re.compile(r"tracker-audit-anchor length=(\d+) hash=([0-9a-f]{64}|-) taken=(\S+)")


@dataclass(frozen=True)
class Anchor:
    """Where the chain stood at a moment: how many records, and the hash of the last of them."""

    length: int
    hash: str
    taken: datetime.datetime

    @property
    def taken_text(self) -> str:
        return self.taken.astimezone(datetime.UTC).replace(microsecond=0).isoformat()

    def line(self) -> str:
        return f"tracker-audit-anchor length={self.length} hash={self.hash or '-'} taken={self.taken_text}"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """The anchor a line holds; ValueError when it holds none."""
        match = ANCHOR_LINE.fullmatch(text.strip())
        if not match:
            raise ValueError("it does not hold an anchor line")
        length, hash_, taken = match.groups()
        moment = datetime.datetime.fromisoformat(taken)  # ValueError when garbled
        if moment.tzinfo is None:
            raise ValueError("its time has no time zone")
        hash_ = "" if hash_ == "-" else hash_
        if (int(length) == 0) != (hash_ == ""):
            raise ValueError("its length and hash disagree")
        return cls(int(length), hash_, moment)

    def describe(self) -> str:
        return f"the anchor taken {self.taken_text}"


# Checking -----------------------------------------------------------------------------------


@dataclass
class ChainReport:
    changed: list[str] = field(default_factory=list)  # records whose hash does not match their content
    unlinked: list[str] = field(default_factory=list)  # records not following the one before; the head
    anchored: list[str] = field(default_factory=list)  # what an earlier anchor saw and the chain no longer holds
    length: int = 0
    last_hash: str = ""
    hash_at_anchor: str | None = None  # the record_hash at the anchor's position, when the chain reaches it

    @property
    def problems(self) -> list[str]:
        return self.changed + self.unlinked + self.anchored

    def anchor(self) -> Anchor:
        return Anchor(self.length, self.last_hash, clock.now())


def walk_chain(link: Link, *, anchor: Anchor | None = None) -> ChainReport:
    """Every record in chain order, each checked against the one before and its own content; then the head."""
    report = ChainReport()
    previous_hash, last = "", None
    for sign_off in SignOff.objects.order_by("pk").iterator(chunk_size=1000):
        report.length += 1
        if sign_off.previous_hash != previous_hash:
            where = f"after sign-off #{last.pk}" if last else "before the first sign-off"
            report.unlinked.append(
                f"Sign-off #{sign_off.pk} does not follow the record before it: "
                f"a record {where} was removed or altered."
            )
        if link(sign_off) != sign_off.record_hash:
            report.changed.append(f"Sign-off #{sign_off.pk} has been changed since it was recorded.")
        if anchor is not None and report.length == anchor.length:
            report.hash_at_anchor = sign_off.record_hash
        previous_hash, last = sign_off.record_hash, sign_off
    report.last_hash = previous_hash
    head = SignOffChain.objects.filter(pk=1).first()
    head_hash, head_length = (head.last_hash, head.length) if head else ("", 0)
    if head_hash != previous_hash or head_length != report.length:
        report.unlinked.append(
            f"The chain should hold {head_length} sign-offs ending in {head_hash[:12] or 'nothing'}, "
            f"but holds {report.length} ending in {previous_hash[:12] or 'nothing'}: records were removed or added "
            "outside the application."
        )
    return report


def anchor_problems(anchor: Anchor, report: ChainReport) -> list[str]:
    """Whether the chain still holds, at the anchor's position, the record the anchor saw there."""
    if anchor.length == 0:
        return []
    if report.length < anchor.length:
        return [
            f"The anchor taken {anchor.taken_text} saw {anchor.length} sign-offs, but the chain now holds "
            f"{report.length}: the newest were removed and the chain's head rolled back (or the database was "
            "restored from an older backup)."
        ]
    if report.hash_at_anchor != anchor.hash:
        return [
            f"Sign-off number {anchor.length} in the chain is not the one {anchor.describe()} saw there: "
            "the records up to it were rewritten."
        ]
    return []


def check_chain(anchor: Anchor | None = None) -> ChainReport:
    """The chain under AUDIT_KEY, and against an earlier anchor if one is given."""
    report = walk_chain(keyed_link(audit_key()), anchor=anchor)
    if report.length and len(report.changed) == report.length:
        # Not one record matches: list them all and the one cause is lost in the list.
        report.changed = [_none_match(report.length)]
    if anchor is not None:
        report.anchored = anchor_problems(anchor, report)
    return report


def _none_match(length: int) -> str:
    if not walk_chain(SignOff.unkeyed_hash).changed:
        return (
            f"None of the {length} sign-offs has a link made with AUDIT_KEY, but they form a chain of plain "
            "SHA-256 links. Either the database comes from a version before AUDIT_KEY and was never re-keyed "
            "(see docs/deploy.md, `verify_audit --rekey`), or someone rewrote the records and recomputed every "
            "link without the key."
        )
    return (
        f"None of the {length} sign-offs has a link that matches it under AUDIT_KEY: either AUDIT_KEY is not "
        "the key they were signed with, or every record was rewritten outside the application."
    )


def chain_problems() -> list[str]:
    """Every sign-off changed or removed outside the application, as sentences; empty when intact."""
    return check_chain().problems


def plan_problems() -> list[str]:
    """The plan against the chain: nothing signed off or discharged without its decision, as sentences."""
    S = Action.Status
    approvals = SignOff.objects.filter(decision=SignOff.Decision.APPROVE)
    approved = approvals.filter(action__isnull=False).values("action_id")
    problems = [
        f"Action #{pk} ({title}) is signed off, but no sign-off decision approves it."
        for pk, title in Action.objects.filter(status=S.SIGNED_OFF)
        .exclude(pk__in=approved)
        .order_by("pk")
        .values_list("pk", "title")
    ]
    in_history = (
        Action.history.filter(status=S.SIGNED_OFF)
        .exclude(id__in=approved)
        .values("id")
        .annotate(first=Min("history_date"), title=Max("title"))
        .order_by("id")
    )
    problems += [
        f"Action #{row['id']} ({row['title']}) is recorded in its history as signed off on "
        f"{row['first'].astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC, but no sign-off decision approves it."
        for row in in_history
    ]
    # Signed off and withdrawn are final (services.py): an approved action never moves on.
    problems += [
        f"Action #{sign_off.action_id} ({sign_off.action.title}) was approved by sign-off #{sign_off.pk}, but it "
        f"is now {sign_off.action.get_status_display().lower()}: its status was changed outside the application."
        for sign_off in approvals.filter(action__isnull=False)
        .exclude(action__status=S.SIGNED_OFF)
        .select_related("action")
        .order_by("pk")
    ]
    # A finding is discharged by its sign-off (Finding.is_discharged), once every action is final, and a
    # discharged finding takes no new actions (permissions.require_add_action).
    problems += [
        f"Finding {action.finding.display_name} was discharged, but its action #{action.pk} ({action.title}) "
        f"is {action.get_status_display().lower()}: the action was added or reopened outside the application."
        for action in Action.objects.filter(finding__sign_offs__isnull=False, status__in=Action.OPEN_STATUSES)
        .select_related("finding")
        .order_by("pk")
    ]
    return problems


# Re-keying ----------------------------------------------------------------------------------


@transaction.atomic
def rekey(old_link: Link, *, anchor: Anchor | None = None) -> ChainReport:
    """Re-link the whole chain under AUDIT_KEY, once the old chain is checked under old_link; the new state.

    Refuses (ChainRefused) when the old chain is broken, when it already verifies under
    AUDIT_KEY, or when an anchor is given and the chain holds neither the old nor the new hash it saw.
    Re-keying vouches for the records as they stand: see docs/deploy.md.
    """
    key = audit_key()
    SignOffChain.objects.get_or_create(pk=1)
    head = SignOffChain.objects.select_for_update().get(pk=1)
    if not walk_chain(keyed_link(key)).problems:
        raise ChainRefused(["The sign-off record is already linked under AUDIT_KEY: there is nothing to re-key."])
    old = walk_chain(old_link, anchor=anchor)
    if old.problems:
        raise ChainRefused(["The old chain is broken, so it has not been re-keyed.", *old.problems])
    # The one rewrite sign-offs ever see, of their links only: past SignOffQuerySet's append-only guard.
    links = models.QuerySet(SignOff)
    previous_hash, batch = "", []
    for sign_off in SignOff.objects.order_by("pk").iterator(chunk_size=1000):
        sign_off.previous_hash = previous_hash
        sign_off.record_hash = previous_hash = sign_off.compute_hash(key)
        batch.append(sign_off)
        if len(batch) == 1000:
            links.bulk_update(batch, ["previous_hash", "record_hash"])
            batch = []
    links.bulk_update(batch, ["previous_hash", "record_hash"])
    head.last_hash, head.length = previous_hash, old.length
    head.save(update_fields=["last_hash", "length"])
    new = walk_chain(keyed_link(key), anchor=anchor)
    if new.problems:  # cannot happen unless the records changed under us: the lock and the transaction stop that
        raise ChainRefused(new.problems)
    # An anchor taken before the upgrade saw an old hash; one taken since, a hash under the key.
    if anchor is not None and anchor_problems(anchor, old) and anchor_problems(anchor, new):
        raise ChainRefused(["The chain has not been re-keyed.", *anchor_problems(anchor, old)])
    return new
