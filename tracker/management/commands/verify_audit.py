import os
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from tracker import audit
from tracker.models import SignOff

EXAMPLE = "tracker-audit-anchor length=12 hash=<64 hex digits> taken=2026-01-31T02:00:00+00:00"


def read_anchor(path: Path) -> audit.Anchor | None:
    """The anchor an earlier run wrote to path; None when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"The anchor file {path} cannot be read: {getattr(error, 'strerror', error)}.") from None
    try:
        return audit.Anchor.parse(text)
    except ValueError as error:
        raise CommandError(
            f"The anchor file {path} is not one verify_audit wrote ({error}): it should hold one line like "
            f"'{EXAMPLE}'. Nothing was checked and the file was left as it is. Restore it from the copy kept "
            "elsewhere, or move it aside to start a new anchor."
        ) from None


def write_anchor(path: Path, anchor: audit.Anchor) -> None:
    """Replace path with the anchor in one step, readable by its owner only: a crash leaves the old one or the new."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise CommandError(f"The anchor could not be written to {path}: {error.strerror}.") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(anchor.line() + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"The anchor could not be written to {path}: {error.strerror}.") from None


def read_old_key(path: Path) -> bytes:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"The old key file {path} cannot be read: {getattr(error, 'strerror', error)}.") from None
    if not key:
        raise CommandError(f"The old key file {path} is empty.")
    return key.encode()


def listed(heading: str, problems: list[str]) -> list[str]:
    return [heading, *(f"- {problem}" for problem in problems)] if problems else []


class Command(BaseCommand):
    help = (
        "Check the tamper-evident chain of sign-off decisions, and the plan against it; exit 1 if anything was "
        "changed or removed. With --anchor FILE, also check the chain still holds what the anchor in FILE saw, "
        "then move the anchor on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            metavar="FILE",
            type=Path,
            help="Check the chain against the anchor an earlier run wrote to FILE (if it exists), then write "
            "the chain's head there. Keep FILE where the database's administrators cannot write.",
        )
        parser.add_argument(
            "--print-anchor", action="store_true", help="Print the chain's head as an anchor line, to keep elsewhere."
        )
        parser.add_argument(
            "--rekey",
            action="store_true",
            help="Once, on upgrading from a version before AUDIT_KEY: check the old chain, then re-link it under "
            "AUDIT_KEY. Needs --anchor.",
        )
        parser.add_argument(
            "--old-key-file",
            metavar="FILE",
            type=Path,
            help="With --rekey, to change the key: the file holding the key the chain is linked under now.",
        )

    def handle(self, *args, anchor=None, print_anchor=False, rekey=False, old_key_file=None, **options):
        try:
            audit.audit_key()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if old_key_file and not rekey:
            raise CommandError("--old-key-file is only for --rekey.")
        earlier = read_anchor(anchor) if anchor else None
        head = self.rekey(anchor, earlier, old_key_file) if rekey else self.verify(anchor, earlier)
        if print_anchor:
            self.stdout.write(head.line())

    def verify(self, path: Path | None, earlier: audit.Anchor | None) -> audit.Anchor:
        report = audit.check_chain(earlier)
        problems = listed("The sign-off record has been tampered with:", report.problems) + listed(
            "The plan does not agree with the sign-off record:", audit.plan_problems()
        )
        if problems:
            raise CommandError("\n".join(problems))
        head = report.anchor()
        message = f"The sign-off record is intact: {report.length} decisions, none changed or removed"
        if earlier:
            message += f", the {earlier.length} that {earlier.describe()} saw among them"
        if path:
            write_anchor(path, head)
            message += f"; anchor written to {path}"
        self.stdout.write(message + ".")
        return head

    def rekey(self, path: Path | None, earlier: audit.Anchor | None, old_key_file: Path | None) -> audit.Anchor:
        if not path:
            raise CommandError(
                "--rekey needs --anchor FILE: re-keying changes every hash, so it checks the anchor in FILE "
                "(if there is one) and writes the new chain's first anchor there."
            )
        old_link = audit.keyed_link(read_old_key(old_key_file)) if old_key_file else SignOff.unkeyed_hash
        try:
            report = audit.rekey(old_link, anchor=earlier)
        except audit.ChainRefused as refused:
            raise CommandError("\n".join(refused.problems)) from None
        head = report.anchor()
        write_anchor(path, head)
        self.stdout.write(
            f"The sign-off record has been re-keyed: {report.length} decisions, now linked under AUDIT_KEY; "
            f"anchor written to {path}."
        )
        return head
