"""The load test: gunicorn on loopback serving the large plan, and 20 people using it at once.

    python -m tests.benchmarks.load                  (make loadtest; SQLite)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m tests.benchmarks.load

The large plan is generated into a fresh database (a SQLite file in a temporary
folder, or a PostgreSQL database made beside the one DATABASE_URL names and
dropped after), and gunicorn serves it on 127.0.0.1 with DEBUG off. Then, for
--duration seconds, each simulated person loops with no pause (each loop
stops by itself at the deadline, or after --max-loops):

- action owners open their open actions, open one, and add a progress note
  through its form (signed in through the sign-in page, with CSRF tokens);
- PCC reviewers open the review queue, open an action from it, answer the
  decision's question and confirm it on the check page: sign it off (one
  time in five, return it with a comment).

Two reviewers often pick the same action: the second is refused on purpose
(403, or 400 with the reason on the form). That is counted as a race, not an
error. An error is a 5xx, a refused connection, a timeout, or anything else
unexpected. Afterwards every update the clients saw succeed is looked for in
the database: each note as a ProgressUpdate, each decision as a SignOff and
as a HistoricalAction row with the reviewer and the reason; and the sign-off
chain is verified. It prints the figures and writes
docs/benchmarks/load-<engine>.json.
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.run import CHILD_ENV, OUTPUT, ROOT, drop_database, fresh_database, machine

HOST = "127.0.0.1"
TIMEOUT = 60
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACTION_LINK = re.compile(r'href="/actions/(\d+)/"')
DECIDE_LINK = re.compile(r'href="/actions/(\d+)/">Review and decide')
VERSION = re.compile(r'name="version" value="(\d+)"')
OPEN = urllib.parse.urlencode({"status": ["not_started", "in_progress", "blocked"]}, doseq=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 after a POST is the answer itself


@dataclass
class Outcome:
    kind: str
    status: int  # 0: no answer (refused, reset, timed out)
    ms: float


@dataclass
class Person:
    username: str
    role: str
    base: str
    outcomes: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # (action id, note)
    decisions: list = field(default_factory=list)  # (action id, "approve" or "return", comment)
    raced: int = 0

    def __post_init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, kind: str, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        headers = {"Referer": self.base + path} if body is not None else {}
        started = time.perf_counter()
        try:
            request = urllib.request.Request(self.base + path, body, headers)  # noqa: S310 (http://127.0.0.1 only)
            with self.opener.open(request, timeout=TIMEOUT) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError:
            status, text = 0, ""
        self.outcomes.append(Outcome(kind, status, (time.perf_counter() - started) * 1000))
        return status, text

    def sign_in(self, password: str) -> None:
        status, page = self.request("login page", "/accounts/login/")
        token = CSRF.search(page).group(1)
        status, _ = self.request(
            "login", "/accounts/login/", {"username": self.username, "password": password, "csrfmiddlewaretoken": token}
        )
        if status != 302:
            raise RuntimeError(f"{self.username} could not sign in: {status}")

    def owner_loop(self, run: str, number: int) -> None:
        status, page = self.request("my open actions", f"/actions/mine/?{OPEN}")
        ids = ACTION_LINK.findall(page) if status == 200 else []
        if not ids:
            return
        action = random.choice(ids)
        status, page = self.request("action page", f"/actions/{action}/")
        match = CSRF.search(page) if status == 200 else None
        if not match or f'action="/actions/{action}/progress/"' not in page:
            return
        note = f"Load test {run}: note {number} by {self.username}"
        status, _ = self.request(
            "add progress note", f"/actions/{action}/progress/", {"note": note, "csrfmiddlewaretoken": match.group(1)}
        )
        if status == 302:
            self.notes.append((int(action), note))

    def reviewer_loop(self, run: str, number: int) -> None:
        status, page = self.request("review queue", "/review/")
        ids = DECIDE_LINK.findall(page) if status == 200 else []
        if not ids:
            return
        action = random.choice(ids)
        status, page = self.request("action page", f"/actions/{action}/")
        approve = random.random() >= 0.2
        match = CSRF.search(page) if status == 200 else None
        version = VERSION.search(page) if status == 200 else None
        if not match or not version or f'action="/actions/{action}/sign-off/"' not in page:
            self.raced += 1  # decided by someone else since the queue was read
            return
        comment = f"Load test {run}: {'sign-off' if approve else 'return'} {number} by {self.username}"
        # The decision's question, then the page that checks it; the decision is the check page's POST.
        answer = {"decision": "sign_off" if approve else "return", "comment": comment, "version": version.group(1)}
        status, _ = self.request(
            "decision question", f"/actions/{action}/sign-off/", {**answer, "csrfmiddlewaretoken": match.group(1)}
        )
        if status == 302:
            status, _ = self.request(
                "sign off" if approve else "return",
                f"/actions/{action}/sign-off/check/",
                {"csrfmiddlewaretoken": match.group(1)},
            )
        if status == 302:
            self.decisions.append((int(action), "approve" if approve else "return", comment))
        elif status in (400, 403):
            self.raced += 1
            self.outcomes[-1].kind += " (raced)"

    def run(self, run: str, deadline: float, max_loops: int) -> None:
        loop = self.owner_loop if self.role == "owner" else self.reviewer_loop
        for number in range(max_loops):
            if time.monotonic() >= deadline:
                return
            loop(run, number)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            *("--bind", f"{HOST}:{port}", "--workers", str(workers), "--timeout", "60", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def check_history(run: str, people: list[Person]) -> dict:
    """Every update a client saw succeed, found in the database, with its history."""
    from tracker.audit import chain_problems
    from tracker.models import Action, ProgressUpdate, SignOff

    notes = {(a, n, p.username) for p in people for a, n in p.notes}
    stored_notes = set(
        ProgressUpdate.objects.filter(note__startswith=f"Load test {run}:").values_list(
            "action_id", "note", "author__username"
        )
    )
    decisions = {(a, d, c, p.username) for p in people for a, d, c in p.decisions}
    stored_decisions = set(
        SignOff.objects.filter(comment__startswith=f"Load test {run}:").values_list(
            "action_id", "decision", "comment", "decided_by__username"
        )
    )
    history_missing = []
    for action, decision, comment, username in decisions:
        reason, status = (comment, "signed_off") if decision == "approve" else (f"Returned: {comment}", "in_progress")
        found = Action.history.filter(
            id=action, history_change_reason=reason, status=status, history_user__username=username
        ).exists()
        if not found:
            history_missing.append(action)
    return {
        "notes_recorded_by_clients": len(notes),
        "notes_in_database": len(stored_notes),
        "notes_match": notes == stored_notes,
        "decisions_recorded_by_clients": len(decisions),
        "decisions_in_database": len(stored_decisions),
        "decisions_match": decisions == stored_decisions,
        "decisions_missing_history": len(history_missing),
        "sign_off_chain_problems": chain_problems(),
    }


def report(people: list[Person], seconds: float) -> dict:
    outcomes = [o for p in people for o in p.outcomes if not o.kind.startswith("login")]  # before the clock
    errors = [o for o in outcomes if o.status == 0 or o.status >= 500]
    unexpected = [o for o in outcomes if o.status not in (0, 200, 302) and "(raced)" not in o.kind and o.status < 500]
    kinds = {}
    for outcome in outcomes:
        kinds.setdefault(outcome.kind, []).append(outcome)
    latencies = [o.ms for o in outcomes]
    return {
        "requests": len(outcomes),
        "seconds": round(seconds, 1),
        "throughput_per_second": round(len(outcomes) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": len(errors) + len(unexpected),
        "errors_5xx": sum(o.status >= 500 for o in errors),
        "errors_no_answer": sum(o.status == 0 for o in errors),
        "errors_unexpected_4xx": len(unexpected),
        "raced_decisions": sum(p.raced for p in people),
        "progress_notes_added": sum(len(p.notes) for p in people),
        "actions_signed_off": sum(d == "approve" for p in people for _, d, _ in p.decisions),
        "actions_returned": sum(d == "return" for p in people for _, d, _ in p.decisions),
        "by_kind": {
            kind: {
                "requests": len(items),
                "median_ms": round(statistics.median(o.ms for o in items), 1),
                "p95_ms": round(percentile([o.ms for o in items], 0.95), 1),
                "statuses": {str(s): sum(o.status == s for o in items) for s in sorted({o.status for o in items})},
            }
            for kind, items in sorted(kinds.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--owners", type=int, default=14, help="simulated action owners (default 14)")
    parser.add_argument("--reviewers", type=int, default=6, help="simulated PCC reviewers (default 6)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--scale", type=float, default=1.0, help="plan size (default 1.0: the large plan)")
    parser.add_argument("--max-loops", type=int, default=100_000, help="a bound on each person's loops")
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tracker-loadtest-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    database_url = fresh_database("loadtest", workdir)
    env = {**os.environ, **CHILD_ENV, "DATABASE_URL": database_url, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from tests.benchmarks.generate import DEFAULT_PASSWORD, generate
        from tracker import permissions

        call_command("migrate", verbosity=0)
        print(f"Generating the plan (scale {arguments.scale}) in {database_url}", file=sys.stderr, flush=True)
        plan = generate(arguments.scale)
        engine = connection.vendor
        connections.close_all()

        port = free_port()
        log = workdir / "gunicorn.log"
        server = start_gunicorn(env, port, arguments.workers, log)
        base = f"http://{HOST}:{port}"
        owners = plan["people"][permissions.OWNER][: arguments.owners]
        reviewers = plan["people"][permissions.REVIEWER][: arguments.reviewers]
        people = [Person(name, "owner", base) for name in owners] + [
            Person(name, "reviewer", base) for name in reviewers
        ]
        print(f"Signing in {len(people)} people", file=sys.stderr, flush=True)
        for person in people:
            person.sign_in(DEFAULT_PASSWORD)

        run = uuid.uuid4().hex[:8]
        print(f"Load for {arguments.duration:.0f} s: run {run}", file=sys.stderr, flush=True)
        started = time.monotonic()
        deadline = started + arguments.duration
        threads = [
            threading.Thread(target=person.run, args=(run, deadline, arguments.max_loops), daemon=True)
            for person in people
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=arguments.duration + 2 * TIMEOUT)
        seconds = time.monotonic() - started
        server.terminate()
        server.wait(timeout=60)
        server = None

        figures = report(people, seconds)
        figures["history"] = check_history(run, people)
        history = figures["history"]
        result = {
            "engine": engine,
            "machine": machine(),
            "gunicorn_workers": arguments.workers,
            "owners": len(owners),
            "reviewers": len(reviewers),
            "plan": plan["counts"],
            **figures,
        }
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"load-{engine}.json"
        path.write_text(json.dumps(result, indent=1, default=str) + "\n")

        print(f"\n{engine}, gunicorn with {arguments.workers} workers, {len(people)} people, {seconds:.0f} s")
        print(f"requests {figures['requests']}, {figures['throughput_per_second']} per second")
        print(f"latency p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms")
        print(
            f"errors {figures['errors']} (5xx {figures['errors_5xx']}, no answer {figures['errors_no_answer']}, "
            f"unexpected 4xx {figures['errors_unexpected_4xx']}); raced decisions refused {figures['raced_decisions']}"
        )
        print(
            f"notes added {figures['progress_notes_added']}, signed off {figures['actions_signed_off']}, "
            f"returned {figures['actions_returned']}"
        )
        print("\n| request | count | median ms | p95 ms | statuses |\n|---|--:|--:|--:|---|")
        for kind, row in figures["by_kind"].items():
            print(f"| {kind} | {row['requests']} | {row['median_ms']} | {row['p95_ms']} | {row['statuses']} |")
        intact = (
            history["notes_match"]
            and history["decisions_match"]
            and not history["decisions_missing_history"]
            and not history["sign_off_chain_problems"]
        )
        print(
            f"\nHistory: {history['notes_in_database']} of {history['notes_recorded_by_clients']} notes and "
            f"{history['decisions_in_database']} of {history['decisions_recorded_by_clients']} decisions found, "
            f"{history['decisions_missing_history']} decisions without their history row; sign-off chain "
            f"{'intact' if not history['sign_off_chain_problems'] else 'BROKEN'}: {'OK' if intact else 'FAILED'}"
        )
        print(f"Written to {path.relative_to(ROOT)}")
        if figures["errors"] or not intact:
            print("\nThe server's log ends:\n" + "\n".join(log.read_text().splitlines()[-40:]), file=sys.stderr)
            sys.exit(1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django may not have started)
            pass
        drop_database(database_url, admin_url)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
