"""The import benchmark: a 50,000-row findings file through `manage.py import_findings`, on a fresh database.

    python -m tests.benchmarks.import_findings          (make benchmark-import)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m tests.benchmarks.import_findings
    python -m tests.benchmarks.import_findings --rows 5000

It migrates a fresh database (a SQLite file in a temporary folder, or a
PostgreSQL database made beside DATABASE_URL's and dropped afterwards), writes a
valid file (a cause of concern, five recommendations under it and four areas for
improvement in every ten rows, every reference theme, titles and register ids on
some), and runs the documented command on it, creating the inspection for the
force TRACKER_FORCE names. It reports:

- the whole command, end to end, and within it the check (reading and checking
  every row, outside any transaction) and the write transaction, from BEGIN to
  COMMIT, the only time the import holds the database's write lock;
- sign-ins on another connection while the import runs: a second thread signs in
  through the sign-in page every SIGN_IN_EVERY seconds; each must succeed.

The file is imported --repeat times (3 by default), each time into a new
inspection of the same database; the median run is reported with every run.

The figures go to docs/performance.md ("Importing findings") by hand; the run
writes docs/benchmarks/import-<engine>.json.
"""

import argparse
import contextlib
import csv
import io
import json
import os
import random
import tempfile
import threading
import time
import types
from pathlib import Path

from tests.benchmarks.run import CHILD_ENV, OUTPUT, drop_database, fresh_database, machine

ROWS = 50_000
SIGN_IN_EVERY = 0.25  # seconds between one sign-in and the next
FORCE = "Hertfordshire Constabulary"
SENTENCE = (
    "the force should improve how it identifies assesses and responds to vulnerable victims at first contact "
    "supervisors must review investigations regularly and record the rationale for their decisions"
)


def findings_file(rows: int, themes: list[str], seed: int = 2017) -> bytes:
    rng = random.Random(seed)
    words = SENTENCE.split(" ")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "kind", "text", "parent_reference", "theme", "addressee", "register_id", "title"])
    cause = ""
    for n in range(rows):
        text = " ".join(rng.choices(words, k=rng.randint(20, 60))).capitalize() + "."
        theme = rng.choice([*themes, ""])
        title = " ".join(rng.choices(words, k=4)) if n % 2 else ""
        register_id = f"REG-{n:06d}" if n % 3 == 0 else ""
        if n % 10 == 0:
            cause = f"CoC{n // 10 + 1}"
            writer.writerow([cause, "cause_of_concern", text, "", theme, "", register_id, title])
        elif n % 10 <= 5:
            writer.writerow([f"R{n}", "recommendation", text, cause, theme, "", register_id, title])
        else:
            writer.writerow([f"AFI{n}", "Area for improvement", text, "", theme, "NPCC lead", register_id, title])
    return out.getvalue().encode("utf-8")


class Stopwatch:
    """Times the outermost transaction the services open, from BEGIN to COMMIT, and the check before it."""

    def __init__(self):
        self.write_seconds = 0.0
        self.check_seconds = 0.0

    def install(self) -> None:
        from django.db import connection, transaction

        from tracker import findings_csv, services

        real_atomic, real_read = transaction.atomic, findings_csv.read_findings
        self._undo = [(services, "transaction", services.transaction), (findings_csv, "read_findings", real_read)]

        @contextlib.contextmanager
        def timed_atomic(*args, **kwargs):
            outermost = not connection.in_atomic_block
            started = time.perf_counter()
            with real_atomic(*args, **kwargs):
                yield
            if outermost:
                self.write_seconds += time.perf_counter() - started

        def timed_read(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real_read(*args, **kwargs)
            finally:
                self.check_seconds += time.perf_counter() - started

        services.transaction = types.SimpleNamespace(atomic=timed_atomic)
        findings_csv.read_findings = timed_read

    def uninstall(self) -> None:
        for module, name, value in self._undo:
            setattr(module, name, value)


class SignIns(threading.Thread):
    """Sign in through the sign-in page, on a connection of its own, until told to stop."""

    def __init__(self, username: str, password: str):
        super().__init__(daemon=True)
        self.username, self.password = username, password
        self.stop = threading.Event()
        self.results: list[tuple[bool, float, str]] = []  # (signed in, seconds, what went wrong)

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.is_set():
                self.sign_in()
                self.stop.wait(SIGN_IN_EVERY)
        finally:
            connection.close()

    def sign_in(self) -> None:
        from django.test import Client
        from django.urls import reverse

        client = Client()
        started = time.perf_counter()
        try:
            response = client.post(reverse("login"), {"username": self.username, "password": self.password})
            ok = response.status_code == 302 and "_auth_user_id" in client.session
            problem = "" if ok else f"status {response.status_code}"
        except Exception as error:  # "database is locked" is what this looks for
            ok, problem = False, f"{type(error).__name__}: {error}"
        self.results.append((ok, time.perf_counter() - started, problem))


def measure(rows: int, repeat: int) -> dict:
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    from tracker.models import Theme, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the sign-in, not the hash
    settings.TRACKER_FORCE = FORCE
    call_command("migrate", verbosity=0)
    User.objects.create_user("signing.in", password="benchmark-password")
    data = findings_file(rows, list(Theme.objects.values_list("name", flat=True)))
    warm_up = SignIns("signing.in", "benchmark-password")  # the site's code loaded before any run
    warm_up.sign_in()
    assert warm_up.results[0][0], warm_up.results
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "findings.csv"
        path.write_bytes(data)
        for run in range(1, repeat + 1):
            runs.append(import_once(path, f"benchmark-import-{run}", rows))
    middle = sorted(runs, key=lambda run: run["total_seconds"])[len(runs) // 2]
    return {"rows": rows, "file_bytes": len(data), "median_run": middle, "runs": runs}


def import_once(path: Path, slug: str, rows: int) -> dict:
    """One import of the file into a new inspection, with sign-ins beside it."""
    from django.core.management import call_command

    from tracker.models import Inspection

    stopwatch = Stopwatch()
    stopwatch.install()
    sign_ins = SignIns("signing.in", "benchmark-password")
    sign_ins.start()
    time.sleep(SIGN_IN_EVERY)  # one sign-in before the import starts
    load = os.getloadavg()[0]
    started = time.perf_counter()
    call_command(
        "import_findings",
        str(path),
        inspection=slug,
        title="A large inspection",
        published="2017-03-02",
        stdout=io.StringIO(),
    )
    total = time.perf_counter() - started
    sign_ins.stop.set()
    sign_ins.join()
    stopwatch.uninstall()
    inspection = Inspection.objects.get(slug=slug)
    assert inspection.findings.count() == rows
    assert inspection.force == FORCE
    return {
        "total_seconds": round(total, 2),
        "check_seconds": round(stopwatch.check_seconds, 2),
        "write_transaction_seconds": round(stopwatch.write_seconds, 2),
        "sign_ins": len(sign_ins.results),
        "sign_ins_ok": sum(ok for ok, _, _ in sign_ins.results),
        "slowest_sign_in_seconds": round(max((s for _, s, _ in sign_ins.results), default=0), 2),
        "sign_in_problems": sorted({problem for ok, _, problem in sign_ins.results if not ok}),
        "load_average_1_min": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3, help="imports of the file, each into a new inspection")
    options = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as workdir:
        database_url = fresh_database("import", Path(workdir))
        os.environ.update({**CHILD_ENV, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"})
        try:
            result = measure(options.rows, options.repeat)
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(database_url, admin_url or None)
    engine = "postgresql" if database_url.startswith("postgres") else "sqlite"
    result = {"engine": engine, "machine": machine(), **result}
    print(json.dumps(result, indent=2))
    if options.rows == ROWS:
        (OUTPUT / f"import-{engine}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
