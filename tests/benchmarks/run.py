"""The page benchmark: every page of the site (tracker/urls.py), on a small plan and on a large one.

    python -m tests.benchmarks.run                  (make benchmark)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m tests.benchmarks.run
    python -m tests.benchmarks.run --plans demo     (only the demo x100 probe)

Two sets of plans are measured, each a small plan and a large one:

- generated: the plans of tests/benchmarks/generate.py, 1/100 of the large
  plan and the large plan, with every page of the site;
- demo x100: the demo plan of `manage.py seed_demo`, and the same plan copied
  (tests/benchmarks/demo.py) until it is 100 times larger, with the pages that
  must not grow with it: the reviewer's dashboard, the review queue, and the
  panel report on the Hertfordshire inspection, which the copies leave as it was.

Each plan is written into a fresh database of its own (SQLite files in a
temporary folder by default; with DATABASE_URL, PostgreSQL databases created
beside the one it names, named after it, and dropped after), in a process of
its own. There each page is requested in-process with the test
Client, DEBUG off: a few warm-up requests, one with the SQL captured (the query
count, and EXPLAIN of every query on the list and dashboard pages), then
REPEAT timed requests (the whole response read, for the exports too), in
ROUNDS rounds alternating between the two plans so that a busy moment on the
machine falls on both alike; the median is reported. On the demo x100 pages
every query is explained, and its plan kept in the results. Two references run alongside: the floor (a signed-in page
that only renders the site's frame, from the benchmark's own URLconf) and the
Django admin's change list of actions, as a superuser.

It prints the tables and writes docs/benchmarks/<engine>.json (generated) and
docs/benchmarks/demo-x100-<engine>.json (demo x100).

    python -m tests.benchmarks.run --generate 1.0   (only write a plan into DATABASE_URL's database)
    python -m tests.benchmarks.run --demo 100       (only write the demo probe into DATABASE_URL's database)
"""

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "benchmarks"
SIZES = {"small": 0.01, "large": 1.0}
# The demo plan, and the demo plan copied until it is DEMO_SIZES["large"] times larger.
DEMO_SIZES = {"small": 1, "large": 100}
PLAN_SETS = {"generated": SIZES, "demo": DEMO_SIZES}
REPEAT = 25
ROUNDS = 5  # REPEAT requests in ROUNDS rounds, alternating between the plans
# The demo probe's pages are few and quick: more requests, in more rounds, for a steadier median.
DEMO_REPEAT, DEMO_ROUNDS = 60, 12
WARM_UP = 3
RATIO_LIMIT = 2.0
# Tables with fewer rows than this are read whole by any sensible plan; a scan of them is not reported.
BIG_TABLE_ROWS = 1000
CHILD_ENV = {
    "SECRET_KEY": "benchmark-only-not-a-secret",
    "AUDIT_KEY": "benchmark-only-audit-key-not-a-secret",
    "DEBUG": "",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    # The simulated people sign in with a password alone (force_login here, the sign-in form in load.py): the
    # second factor (tracker/mfa.py) is off, as in make run. With it on, a lead's page reads their device too.
    "TRACKER_MFA": "off",
    # The child answers on standard output, where the site's log also goes: only errors may share it.
    "LOG_LEVEL": "ERROR",
    # A throwaway copy on loopback that sends no mail (tracker/checks.py): the load test's gunicorn would refuse it.
    "SILENCED_SYSTEM_CHECKS": "tracker.E001,tracker.E002,tracker.E003",
}


# In the child: one plan, every page ------------------------------------------------------


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def pages(summary: dict) -> list[dict]:
    """Each page measured: name, path, who asks, and what the targets make of it."""
    from django.db.models import Count
    from django.urls import reverse

    from tracker import permissions
    from tracker.models import Action, Finding, Inspection, Theme, User

    people = {role: User.objects.get(username=names[0]) for role, names in summary["people"].items()}
    owner, lead = people[permissions.OWNER], people[permissions.LEAD]
    reviewer, auditor = people[permissions.REVIEWER], people[permissions.AUDITOR]
    superuser = people[permissions.ADMINISTRATOR]
    slugs = summary["inspection_slugs"]
    inspection = Inspection.objects.get(slug=slugs[len(slugs) // 2])
    finding = (
        Finding.objects.filter(inspection=inspection)
        .annotate(n=Count("actions"))
        .filter(n__gt=0)
        .order_by("-n", "pk")
        .first()
    )
    theme = Theme.objects.order_by("pk").first()
    long_action = Action.objects.get(pk=summary["long_timeline_action"])
    actions = reverse("tracker:action-list")

    def listing(**params):
        return f"{actions}?{urlencode(params, doseq=True)}"

    # Exports: the same 200 rows (one inspection) at both sizes; and 1,000 rows from the large
    # plan against all 200 of the small one, compared per row.
    one_inspection = {"inspection": inspection.slug}
    if Action.objects.count() > 1000:
        first = Action.objects.order_by("due_date", "pk").values_list("due_date", flat=True)
        start = summary["today"]
        from_start = first.filter(due_date__gte=start)
        thousand = {"due_from": start, "due_to": str(from_start[999])}
    else:
        thousand = {}
    return [
        {"name": "Floor: signed-in frame", "path": "/benchmark-floor/", "user": owner, "kind": "reference"},
        {"name": "Dashboard: owner", "path": "/", "user": owner, "kind": "dashboard"},
        {"name": "Dashboard: lead", "path": "/", "user": lead, "kind": "dashboard"},
        {"name": "Dashboard: reviewer", "path": "/", "user": reviewer, "kind": "dashboard"},
        {"name": "Dashboard: auditor", "path": "/", "user": auditor, "kind": "dashboard"},
        {"name": "Action list", "path": actions, "user": lead, "kind": "list"},
        {
            "name": "Action list: open and overdue",
            "path": listing(status=["in_progress", "blocked"], overdue="on"),
            "user": lead,
            "kind": "list",
        },
        {
            "name": "Action list: inspection, RAG amber",
            "path": listing(inspection=inspection.slug, rag="amber"),
            "user": lead,
            "kind": "list",
        },
        {
            "name": "Action list: theme, kind",
            "path": listing(theme=theme.pk, kind="area_for_improvement"),
            "user": lead,
            "kind": "list",
        },
        {
            "name": "Action list: owner, due range",
            "path": listing(owner=owner.pk, due_from=summary["today"]),
            "user": lead,
            "kind": "list",
        },
        {"name": "Action list: drifting", "path": listing(drifting=1), "user": lead, "kind": "list"},
        {"name": "My actions", "path": reverse("tracker:action-mine"), "user": owner, "kind": "list"},
        {
            "name": "Action page, long timeline",
            "path": reverse("tracker:action-detail", args=[long_action.pk]),
            "user": long_action.owner,
            "kind": "page",
        },
        {
            "name": "Inspection page with chart",
            "path": reverse("tracker:inspection-detail", args=[inspection.slug]),
            "user": lead,
            "kind": "page",
        },
        {
            "name": "Finding page",
            "path": reverse("tracker:finding-detail", args=[finding.pk]),
            "user": lead,
            "kind": "page",
        },
        {"name": "Review queue", "path": reverse("tracker:review-queue"), "user": reviewer, "kind": "list"},
        {"name": "Panel report", "path": reverse("tracker:panel-report"), "user": reviewer, "kind": "page"},
        {
            # The whole plan in one report: it grows with the inspections in it, compared per inspection.
            "name": "Panel report, every inspection",
            "path": f"{reverse('tracker:panel-report')}?inspection=all",
            "user": reviewer,
            "kind": "page",
            "per_row": True,
        },
        {"name": "CSV export, one inspection", "path": listing(**one_inspection, format="csv"), "user": lead},
        {"name": "Excel export, one inspection", "path": listing(**one_inspection, format="xlsx"), "user": lead},
        {
            "name": "CSV export, 1,000 rows",
            "path": listing(**thousand, format="csv"),
            "user": lead,
            "per_row": True,
        },
        {
            "name": "Excel export, 1,000 rows",
            "path": listing(**thousand, format="xlsx"),
            "user": lead,
            "per_row": True,
        },
        {"name": "Admin change list of actions", "path": "/admin/tracker/action/", "user": superuser},
    ]


def demo_pages(summary: dict) -> list[dict]:
    """The pages measured on the demo probe, each as the demo reviewer: none may grow with the copies."""
    from django.urls import reverse

    from tracker.models import User

    reviewer = User.objects.get(username="reviewer")
    report = f"{reverse('tracker:panel-report')}?{urlencode({'inspection': summary['inspection']})}"
    return [
        {"name": "Floor: signed-in frame", "path": "/benchmark-floor/", "user": reviewer, "kind": "reference"},
        {"name": "Dashboard: reviewer", "path": "/", "user": reviewer, "kind": "dashboard", "explain": "all"},
        {
            "name": "Review queue",
            "path": reverse("tracker:review-queue"),
            "user": reviewer,
            "kind": "list",
            "explain": "all",
        },
        {"name": "Panel report, Hertfordshire", "path": report, "user": reviewer, "kind": "page", "explain": "all"},
    ]


def read(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def export_rows(page: dict, body: bytes) -> int | None:
    """Rows in an export, in a list page's table (its body rows), or inspections in a panel report."""
    if "/reports/panel/" in page["path"]:
        return body.count(b'class="report-section"')
    if page.get("kind") == "list":
        return max(body.count(b"<tr") - body.count(b"<thead"), 0)
    if "format=csv" in page["path"]:
        import csv
        import io

        # Notes and descriptions may hold line breaks of their own: count records, not lines.
        return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1
    if "format=xlsx" in page["path"]:
        import io

        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body), read_only=True)["Actions"]
        return sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
    return None


def explain(statements: list[tuple[str, tuple]], table_rows: dict[str, int], *, every: bool = False) -> list[dict]:
    """The plan of each SELECT with any whole-table scan of a big table in it (every: of each SELECT)."""
    from django.db import connection

    findings = []
    for sql, params in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = [row[-1] for row in cursor.fetchall()]
                scans = [
                    m.group(1)
                    for line in plan
                    if (m := re.match(r"SCAN (\w+)(?: AS \w+)?$", line.strip()))  # no index at all
                ]
            else:
                cursor.execute("EXPLAIN " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
                scans = [m.group(1) for line in plan if (m := re.search(r"Seq Scan on (\w+)", line))]
        full = sorted({table for table in scans if table_rows.get(table, 0) >= BIG_TABLE_ROWS})
        if full or every:
            findings.append({"sql": sql if every else sql[:300], "full_scans": full, "plan": plan})
    return findings


class Page:
    """One page in the child: its signed-in client, warmed up, ready to be counted and timed."""

    def __init__(self, spec: dict):
        from django.test import Client

        self.spec = spec
        self.client = Client()
        self.client.force_login(spec["user"])

    def get(self) -> bytes:
        response = self.client.get(self.spec["path"])
        assert response.status_code == 200, (self.spec["name"], response.status_code)
        return read(response)

    def count(self, table_rows: dict[str, int]) -> dict:
        """Warm up, then the query count (and EXPLAIN on list and dashboard pages) of one request."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(WARM_UP):
            body = self.get()
        statements = []

        def keep(execute, sql, params, many, context):
            statements.append((sql, params))
            return execute(sql, params, many, context)

        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(keep):
            self.get()
        result = {"queries": len(queries), "bytes": len(body), "rows": export_rows(self.spec, body)}
        if self.spec.get("kind") in ("dashboard", "list") or self.spec.get("explain"):
            result["explain"] = explain(statements, table_rows, every=self.spec.get("explain") == "all")
        return result

    def time(self, repeat: int) -> list[float]:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            self.get()
            times.append((time.perf_counter() - started) * 1000)
        return times


def table_sizes() -> dict[str, int]:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (own table names)
            sizes[table] = cursor.fetchone()[0]
    return sizes


def build_demo(times: int) -> dict:
    """The demo probe in DATABASE_URL's database: what was made and how long it took, as generate() says it."""
    from django.db.models import Count
    from django.utils import timezone

    from tests.benchmarks import demo
    from tracker.models import Action, Evidence, ExtensionRequest, Finding, Inspection, ProgressUpdate, SignOff

    started = time.perf_counter()
    built = demo.build(times)
    statuses = dict(Action.objects.order_by().values_list("status").annotate(n=Count("*")))
    return {
        "times": times,
        "inspection": built["inspection"],
        "seconds": round(time.perf_counter() - started, 1),
        "counts": {
            "inspections": Inspection.objects.count(),
            "findings": Finding.objects.count(),
            "actions": Action.objects.count(),
            "action_history": Action.history.count(),
            "progress_updates": ProgressUpdate.objects.count(),
            "evidence": Evidence.objects.count(),
            "extension_requests": ExtensionRequest.objects.count(),
            "sign_offs": SignOff.objects.count(),
        },
        "statuses": {status: statuses.get(status, 0) for status in Action.Status.values},
        "overdue": Action.objects.overdue(timezone.localdate()).count(),
    }


def child(plan_set: str, size: str) -> None:
    """Write one plan, then answer the parent's commands (a JSON line each) on stdin/stdout."""
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else printed goes to stderr, not into the channel
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.urls import clear_url_caches
    from django.utils import timezone

    from tests.benchmarks.generate import generate

    call_command("migrate", verbosity=0)
    if plan_set == "demo":
        summary, generated_keys = build_demo(DEMO_SIZES[size]), ("times", "seconds", "counts", "overdue")
    else:
        summary = generate(SIZES[size])
        generated_keys = ("scale", "seconds", "seconds_building", "seconds_writing", "counts", "overdue")
    summary["today"] = timezone.localdate().isoformat()
    settings.ROOT_URLCONF = "tests.benchmarks.urls"
    clear_url_caches()
    table_rows = table_sizes()
    specs = demo_pages(summary) if plan_set == "demo" else pages(summary)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]

    def answer(message: dict) -> None:
        channel.write(json.dumps(message, default=str) + "\n")
        channel.flush()

    answer(
        {
            "size": size,
            "engine": connection.vendor,
            "engine_version": version,
            "generated": {k: summary[k] for k in generated_keys},
            "statuses": summary["statuses"],
            "table_rows": {t: n for t, n in table_rows.items() if t.startswith("tracker_")},
            "pages": [
                {"name": spec["name"], "path": spec["path"], "per_row": spec.get("per_row", False)} for spec in specs
            ],
        }
    )
    live = [Page(spec) for spec in specs]
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "count":
            answer(live[command["page"]].count(table_rows))
        elif command["do"] == "time":
            answer({"times": live[command["page"]].time(command["repeat"])})
        else:
            return


# In the parent: fresh databases, a child each, the table ---------------------------------


def postgres_admin(url: str):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    connection = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
        autocommit=True,
    )
    return config, connection


def fresh_database(size: str, workdir: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{workdir / f'benchmark-{size}.sqlite3'}"
    config, admin = postgres_admin(url)
    # Named after DATABASE_URL's database, so that runs from different databases do not collide.
    name = f"{config['NAME']}_benchmark_{size}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_database(database_url: str, admin_url: str | None = None) -> None:
    if database_url.startswith("postgres"):
        _, admin = postgres_admin(admin_url or os.environ["DATABASE_URL"])
        with admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}"')


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def ratio(small: dict, large: dict, *, per_row: bool) -> float:
    if per_row:
        return (large["median_ms"] / large["rows"]) / (small["median_ms"] / small["rows"])
    return large["median_ms"] / small["median_ms"]


def combine(small: list[dict], large: list[dict]) -> list[dict]:
    rows = []
    for s, big in zip(small, large, strict=True):
        # Exports (and the whole-plan report) asked for different numbers of rows are compared per row;
        # lists just say how many they show.
        per_row = bool(s.get("rows")) and s["rows"] != big.get("rows") and s["per_row"]
        rows.append(
            {
                "name": s["name"],
                "path_large": big["path"],
                "queries_small": s["queries"],
                "queries_large": big["queries"],
                "ms_small": s["median_ms"],
                "ms_large": big["median_ms"],
                "rows_small": s.get("rows"),
                "rows_large": big.get("rows"),
                "ratio": round(ratio(s, big, per_row=per_row), 2),
                "ratio_per_row": per_row,
                "explain_large": big.get("explain", []),
            }
        )
    return rows


def checks(rows: list[dict], scanned: str = "lists and dashboards") -> dict[str, list[str]]:
    """Each target, and what misses it (an empty list: met)."""
    by_name = {row["name"]: row for row in rows}
    admin, listing = by_name.get("Admin change list of actions"), by_name.get("Action list")
    targets = {
        "same query count at both sizes": [
            f"{row['name']}: {row['queries_small']} small, {row['queries_large']} large"
            for row in rows
            if row["queries_small"] != row["queries_large"]
        ],
        f"large/small time at most {RATIO_LIMIT}": [
            f"{row['name']}: {row['ratio']} ({row['ms_small']} ms small, {row['ms_large']} ms large)"
            for row in rows
            if row["ratio"] > RATIO_LIMIT and not row["name"].startswith("Admin")
        ],
    }
    if admin and listing:
        targets["action list no slower than the admin change list"] = (
            [f"action list {listing['ms_large']} ms, admin {admin['ms_large']} ms"]
            if listing["ms_large"] > admin["ms_large"]
            else []
        )
    targets[f"no whole-table scan of a table of {BIG_TABLE_ROWS:,}+ rows ({scanned}, large plan)"] = [
        f"{row['name']}: {', '.join(finding['full_scans'])} in {finding['sql'][:90]}..."
        for row in rows
        for finding in row["explain_large"]
        if finding["full_scans"]
    ]
    return targets


def table(rows: list[dict]) -> str:
    lines = [
        "| page | queries small | queries large | median ms small | median ms large | ratio |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        name = row["name"]
        if row["rows_small"] is not None:
            name += f" ({row['rows_small']} / {row['rows_large']} rows)"
        mark = " per row" if row["ratio_per_row"] else ""
        lines.append(
            f"| {name} | {row['queries_small']} | {row['queries_large']} | {row['ms_small']:.1f} "
            f"| {row['ms_large']:.1f} | {row['ratio']:.2f}{mark} |"
        )
    return "\n".join(lines)


class Child:
    """A plan in its own database and process, measuring pages on request."""

    def __init__(self, plan_set: str, size: str, database_url: str):
        self.size = size
        print(
            f"Writing the {plan_set} {size} plan ({PLAN_SETS[plan_set][size]}) in {database_url}",
            file=sys.stderr,
            flush=True,
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.run", "--child", size, "--plan-set", plan_set],
            cwd=ROOT,
            env={**os.environ, **CHILD_ENV, "DATABASE_URL": database_url},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.hello = self.receive()

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"The {self.size} plan's process stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.receive()

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.write(json.dumps({"do": "quit"}) + "\n")
                self.process.stdin.close()
            self.process.wait(timeout=60)


def measure_all(children: dict[str, Child], repeat: int = REPEAT, rounds: int = ROUNDS) -> dict[str, list[dict]]:
    """Each page on both plans, timed in alternating rounds so that a busy moment hits both alike."""
    results = {size: [] for size in children}
    for index, page in enumerate(children["small"].hello["pages"]):
        print(f"  {page['name']}", file=sys.stderr, flush=True)
        counted = {size: child.ask(do="count", page=index) for size, child in children.items()}
        times = {size: [] for size in children}
        for _ in range(rounds):
            for size, child in children.items():
                times[size] += child.ask(do="time", page=index, repeat=repeat // rounds)["times"]
        for size in children:
            path = children[size].hello["pages"][index]["path"]
            results[size].append(
                {
                    "name": page["name"],
                    "path": path,
                    "per_row": page["per_row"],
                    **counted[size],
                    "median_ms": round(statistics.median(times[size]), 2),
                    "min_ms": round(min(times[size]), 2),
                }
            )
    return results


def measure_set(plan_set: str) -> tuple[dict, dict]:
    """Both plans of a set in fresh databases: the hello of each, and each page's results on each."""
    workdir = Path(tempfile.mkdtemp(prefix="tracker-benchmark-"))
    urls, children = {}, {}
    try:
        for size in PLAN_SETS[plan_set]:
            name = size if plan_set == "generated" else f"{plan_set}_{size}"
            urls[size] = fresh_database(name, workdir)
            children[size] = Child(plan_set, size, urls[size])
        results = measure_all(children, *((DEMO_REPEAT, DEMO_ROUNDS) if plan_set == "demo" else (REPEAT, ROUNDS)))
    finally:
        for child in children.values():
            child.close()
        for url in urls.values():
            drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return {size: child.hello for size, child in children.items()}, results


def report_set(plan_set: str) -> None:
    """Measure one set of plans, print its table and targets, and write its JSON."""
    hello, results = measure_set(plan_set)
    small, large = hello["small"], hello["large"]
    rows = combine(results["small"], results["large"])
    if plan_set == "demo":
        problems = checks(rows, scanned="every query")
        filename, title = f"demo-x100-{large['engine']}.json", "Demo plan x100 (tests/benchmarks/demo.py)"
    else:
        problems = checks(rows)
        filename, title = f"{large['engine']}.json", "Generated plans (tests/benchmarks/generate.py)"
    report = {
        "plans": title,
        "engine": large["engine"],
        "engine_version": large["engine_version"],
        "machine": machine(),
        "repeat": DEMO_REPEAT if plan_set == "demo" else REPEAT,
        "generated": {"small": small["generated"], "large": large["generated"]},
        "statuses_large": large["statuses"],
        "table_rows_large": large["table_rows"],
        "pages": rows,
        "targets": problems,
    }
    if plan_set == "demo":
        # Every query's plan, on both sizes: what docs/benchmarks/demo-x100.md shows.
        report["explain_small"] = {row["name"]: row.get("explain", []) for row in results["small"]}
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / filename
    path.write_text(json.dumps(report, indent=1, default=str) + "\n")
    generated = report["generated"]
    print(f"\n{title}\n{report['engine']} {report['engine_version']}; {report['machine']}")
    print(
        f"Plans: small {generated['small']['counts']['actions']} actions, made in "
        f"{generated['small']['seconds']} s; large {generated['large']['counts']['actions']} actions and "
        f"{generated['large']['counts']['action_history']} rows of action history, made in "
        f"{generated['large']['seconds']} s. Median of {report['repeat']} requests.\n"
    )
    print(table(rows))
    for target, misses in problems.items():
        print(f"\nTarget: {target}: {'met' if not misses else 'NOT MET'}")
        for miss in misses:
            print(f"- {miss}")
    print(f"\nWritten to {path.relative_to(ROOT)}")


def parent(plan_sets: list[str]) -> None:
    for plan_set in plan_sets:
        report_set(plan_set)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", type=float, metavar="SCALE", help="only write a plan into DATABASE_URL")
    parser.add_argument("--demo", type=int, metavar="TIMES", help="only write the demo probe into DATABASE_URL")
    parser.add_argument(
        "--plans", choices=["all", *PLAN_SETS], default="all", help="which set of plans to measure (default: all)"
    )
    parser.add_argument("--child", choices=list(SIZES), help=argparse.SUPPRESS)
    parser.add_argument("--plan-set", choices=list(PLAN_SETS), default="generated", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.plan_set, arguments.child)
    elif arguments.generate is not None:
        setup_django()
        from django.core.management import call_command

        from tests.benchmarks.generate import generate

        call_command("migrate", verbosity=0)
        summary = generate(arguments.generate)
        print(json.dumps({k: v for k, v in summary.items() if k not in ("people", "inspection_slugs")}, indent=1))
    elif arguments.demo is not None:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(json.dumps(build_demo(arguments.demo), indent=1))
    else:
        parent(list(PLAN_SETS) if arguments.plans == "all" else [arguments.plans])


if __name__ == "__main__":
    main()
