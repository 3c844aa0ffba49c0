"""The demo plan, made many times larger by copying it: the scaling probe.

seed() writes the demo plan exactly as `manage.py seed_demo` does (the
Hertfordshire inspection, its findings, the eight demo accounts, and actions in
every status with their notes, evidence, extension requests, sign-offs, a
discharged finding and their history). multiply(times) then copies the whole
of that inspection, row for row, into times - 1 new inspections, so the plan
is `times` times larger while the Hertfordshire inspection itself does not
change: a page about it must cost the same, however many others there are.

Copies are exact: every column is kept, timestamps included; only the primary
keys, the references between the copied rows, and the inspection's slug and
title differ. History rows are copied with them (pointing at the copies), and
the copied sign-offs are appended to the tamper-evident chain, so verify_audit
passes. The people and themes are shared, as they would be in one force.

    DATABASE_URL=sqlite:////tmp/probe.sqlite3 python -m tests.benchmarks.run --demo 100
"""

import contextlib
import io

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Q

from tracker import audit
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
    SignOffChain,
)

DEMO_SLUG = "hertfordshire-peel-2016-effectiveness"
# In the order they are written: each row points only at rows written before it (or at itself).
COPIED = [Inspection, Judgement, Finding, RegisterEntry, Action, ProgressUpdate, Evidence, ExtensionRequest, SignOff]
BATCH = 1000


def seed() -> Inspection:
    """The demo plan, as `manage.py seed_demo` builds it; returns its inspection."""
    call_command("seed_demo", stdout=io.StringIO())
    return Inspection.objects.get(slug=DEMO_SLUG)


def demo_rows(inspection: Inspection) -> dict:
    """Every row of the inspection's plan, by model, in primary key order."""
    on_inspection = {
        Inspection: Q(pk=inspection.pk),
        Judgement: Q(inspection=inspection),
        Finding: Q(inspection=inspection),
        RegisterEntry: Q(finding__inspection=inspection),
        Action: Q(finding__inspection=inspection),
        ProgressUpdate: Q(action__finding__inspection=inspection),
        Evidence: Q(action__finding__inspection=inspection),
        ExtensionRequest: Q(action__finding__inspection=inspection),
        SignOff: Q(action__finding__inspection=inspection) | Q(finding__inspection=inspection),
    }
    return {model: list(model.objects.filter(on_inspection[model]).order_by("pk").values()) for model in COPIED}


def demo_history(rows: dict) -> dict:
    """The history rows of the plan's tracked records, by historical model, oldest first."""
    history = {}
    for model in COPIED:
        if hasattr(model, "history"):
            pks = [row["id"] for row in rows[model]]
            history[model.history.model] = list(
                model.history.filter(id__in=pks).order_by("history_id").values(*_history_columns(model))
            )
    return history


def _history_columns(model) -> list[str]:
    return [field.attname for field in model.history.model._meta.concrete_fields if not field.primary_key]


@contextlib.contextmanager
def _timestamps_as_given():
    """created_at and friends are auto_now(_add): switched off, so the copies keep the originals' times."""
    saved = []
    for model in COPIED:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class _Copy:
    """The n-th copy: each copied model's primary keys moved up by n times that table's largest key."""

    def __init__(self, n: int, spans: dict):
        self.n, self.spans = n, spans

    def pk(self, model, value):
        return None if value is None else value + self.n * self.spans[model]

    def row(self, model, values: dict, *, table=None) -> dict:
        """A row of model (or of its history table) moved to this copy: its key, and its references to copied rows."""
        copied = dict(values)
        copied["id"] = self.pk(model, values["id"])
        for field in (table or model)._meta.concrete_fields:
            if field.is_relation and field.related_model in self.spans:
                copied[field.attname] = self.pk(field.related_model, values[field.attname])
        if model is Inspection:
            copied["slug"] = f"{values['slug']}-copy-{self.n}"
            copied["title"] = f"{values['title']} (copy {self.n})"
        return copied


def multiply(times: int, inspection: Inspection | None = None) -> dict:
    """Copy the demo inspection's whole plan times - 1 times; return the rows written, by table."""
    inspection = inspection or Inspection.objects.get(slug=DEMO_SLUG)
    written: dict[str, int] = {}
    with transaction.atomic(), _timestamps_as_given():
        rows = demo_rows(inspection)
        history = demo_history(rows)
        spans = {model: model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in COPIED}
        copies = [_Copy(n, spans) for n in range(1, times)]
        chain = SignOffChain.objects.select_for_update().get(pk=1)
        key = audit.audit_key()
        previous = chain.last_hash
        for model in COPIED:
            objects = []
            for copy in copies:
                for values in rows[model]:
                    obj = model(**copy.row(model, values))
                    if model is SignOff:
                        # Appended to the chain in the order they are written (the chain's order is pk order).
                        obj.previous_hash = previous
                        obj.record_hash = previous = obj.compute_hash(key)
                    objects.append(obj)
            model.objects.bulk_create(objects, batch_size=BATCH)
            written[model._meta.db_table] = len(objects)
        chain.last_hash = previous
        chain.length += written[SignOff._meta.db_table]
        chain.save(update_fields=["last_hash", "length"])
        for historical, history_rows in history.items():
            model = historical.instance_type
            objects = [
                historical(**copy.row(model, values, table=historical)) for copy in copies for values in history_rows
            ]
            historical.objects.bulk_create(objects, batch_size=BATCH)
            written[historical._meta.db_table] = len(objects)
        if connection.vendor == "postgresql":
            # The primary keys were chosen here: move the sequences past them.
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), COPIED):
                    cursor.execute(statement)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # What autovacuum does after a bulk load: statistics, and the visibility map for index-only scans.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return written


def build(times: int) -> dict:
    """The probe: the demo plan, then copies of it until it is `times` times larger."""
    inspection = seed()
    written = multiply(times, inspection) if times > 1 else {}
    return {"times": times, "inspection": inspection.slug, "written": written}
