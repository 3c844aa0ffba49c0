"""Each step the deploy check takes, timed, with PASS, FAIL or SKIP and why, and the summary at the end."""

import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass


class Skip(Exception):
    """A step that cannot be tried in this version, with the reason; it does not fail the check."""


class Abort(Exception):
    """A setup step failed: nothing after it could pass, so the check stops (and still cleans up)."""


@dataclass
class Row:
    name: str
    outcome: str
    seconds: float
    detail: str = ""


class Steps:
    def __init__(self):
        self.rows: list[Row] = []
        self.started = time.monotonic()
        self.marks: dict[str, float] = {}

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def mark(self, name: str) -> None:
        self.marks[name] = self.elapsed()

    @contextmanager
    def step(self, name: str, *, required: bool = False):
        began = time.monotonic()
        detail = ""
        try:
            yield
            outcome = "PASS"
        except Skip as skip:
            outcome, detail = "SKIP", str(skip)
        except Exception as error:  # every failure of a step is reported, then the next step runs
            outcome = "FAIL"
            detail = str(error) or type(error).__name__
            if not isinstance(error, AssertionError):
                detail = "".join(traceback.format_exception_only(error)).strip()
        row = Row(name, outcome, time.monotonic() - began, detail)
        self.rows.append(row)
        print(f"{row.outcome:4}  {row.seconds:6.1f} s  {row.name}" + (f"\n      {row.detail}" if row.detail else ""))
        if outcome == "FAIL" and required:
            raise Abort(name)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == "FAIL"]

    def summary(self) -> str:
        width = max(len(row.name) for row in self.rows) if self.rows else 10
        lines = ["", "deploy-check summary", "-" * (width + 18)]
        lines += [f"{row.outcome:4}  {row.seconds:6.1f} s  {row.name}" for row in self.rows]
        lines.append("-" * (width + 18))
        for name, at in self.marks.items():
            lines.append(f"{name}: {at:.1f} s after the check started")
        counts = {outcome: sum(row.outcome == outcome for row in self.rows) for outcome in ("PASS", "FAIL", "SKIP")}
        lines.append(
            f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped in {self.elapsed():.1f} s"
        )
        return "\n".join(lines)
