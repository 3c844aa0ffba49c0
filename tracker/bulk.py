"""Writing a generated plan in one go, with the history and the sign-off chain that the services write.

Real work goes through tracker.services, one move at a time, each checked.
Generated benchmark data (tests/benchmarks/generate.py) is far too big for
that, so its generator tells each record's story to a BulkPlan instead and
writes the whole plan at the end:

    bulk = BulkPlan()
    bulk.add(action, when=created, by=lead, reason="Action created and assigned to ...")
    action.status = Action.Status.IN_PROGRESS
    bulk.save(action, when=started, by=owner, reason="Training plan agreed.")
    bulk.add(ProgressUpdate(action=action, ..., created_at=started))
    bulk.add(SignOff(action=action, ...))
    bulk.write()

What write() guarantees, inside one transaction:

- every row is inserted with the primary key add() gave it, so rows can point
  at each other before anything is saved; on PostgreSQL the sequences are then
  moved past those keys;
- every tracked model (one with simple-history) gets a history row for each
  add() ("+") and save() ("~"), holding the record as it stood at that call,
  with who (by), when and why (reason), inserted oldest first so that
  history_id follows history_date; save() also sets updated_at to `when` and
  counts the save in Action.version, as services do on every save;
- sign-offs are linked into the tamper-evident chain in the order they were
  decided, through audit.append_to_chain, the same function the services
  append with, so verify_audit passes and later decisions continue the chain;
- Action.last_progress_at and Action.drift are worked out from the records
  written, with the models' own definitions (models.last_progress, models.drift).

What it does not do: it checks no permission, no workflow move, no evidence
before submission and no separation of duties, and runs no model validation.
The caller is a trusted bulk loader and must tell only stories the services
would allow. Timestamps are whatever the instances hold (the fields default to
clock.now, so build them with the moment set, or hold the clock). Use it for
generated benchmark data only; anything a person does goes through the services.

Two lean writers below it serve a service that has checked everything itself
(services.add_findings, which imports a whole file of findings): insert() writes
new records and gives them their keys, and insert_history() their history rows.
"""

import functools
import operator

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, OuterRef

from . import audit
from .models import Action, SignOff, drift, last_progress

BATCH = 10_000


@functools.cache
def _historical(model) -> tuple:
    """The model's historical model and the fields it copies (not those excluded from history), or (None, [])."""
    history = getattr(model, "history", None)
    if history is None:
        return None, []
    historical = history.model  # the manager descriptor is slow to reach: once per model
    kept = {field.attname for field in historical._meta.concrete_fields}
    return historical, [field.attname for field in model._meta.concrete_fields if field.attname in kept]


class BulkPlan:
    """Records and their history, gathered in memory and written together by write()."""

    def __init__(self):
        self.rows: dict[type, list] = {}  # model -> instances, in the order added
        self.history: dict[type, list[dict]] = {}  # historical model -> rows as column values
        self.sign_offs: list[SignOff] = []
        self._next_pk: dict[type, int] = {}

    def add(self, obj, *, when=None, by=None, reason: str = ""):
        """A new record, given its primary key now; for a tracked model, its "+" history row at `when`."""
        if isinstance(obj, SignOff):
            self.sign_offs.append(obj)  # keyed in chain order by write()
            return obj
        model = type(obj)
        if obj.pk is None:
            obj.pk = self.key(model)
        self.rows.setdefault(model, []).append(obj)
        if _historical(model)[0] is not None:
            if when is None:
                raise ValueError(f"A {model.__name__} is tracked: say when it was created, by whom and why.")
            self._record(obj, "+", when, by, reason)
        return obj

    def save(self, obj, *, when, by, reason: str) -> None:
        """A change to a record already added, made at `when` by `by` for `reason`: its "~" history row."""
        if hasattr(obj, "updated_at"):
            obj.updated_at = when
        if isinstance(obj, Action):
            obj.version += 1
        self._record(obj, "~", when, by, reason)

    def key(self, model) -> int:
        """The next primary key for a new record of model: add() takes one itself when the record has none."""
        if model not in self._next_pk:
            self._next_pk[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        pk = self._next_pk[model]
        self._next_pk[model] += 1
        return pk

    def _record(self, obj, history_type: str, when, by, reason: str) -> None:
        historical, attnames = _historical(type(obj))
        values = {}
        for attname in attnames:
            value = getattr(obj, attname)
            values[attname] = value.name if isinstance(value, models.fields.files.FieldFile) else value
        values.update(
            history_date=when,
            history_user_id=by.pk if by is not None else None,
            history_type=history_type,
            history_change_reason=reason,
        )
        self.history.setdefault(historical, []).append(values)

    @transaction.atomic
    def write(self) -> None:
        """Insert everything added, its history and its sign-offs; then the kept sums of the actions written."""
        self.sign_offs.sort(key=lambda sign_off: sign_off.decided_at)
        audit.append_to_chain(self.sign_offs)
        for sign_off in self.sign_offs:
            if sign_off.pk is None:
                sign_off.pk = self.key(SignOff)
        if self.sign_offs:
            self.rows[SignOff] = self.sign_offs
        for model, rows in self.rows.items():
            _insert(model, rows)
        for historical, rows in self.history.items():
            rows.sort(key=lambda values: values["history_date"])
            _insert(historical, rows, as_dicts=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), list(self.rows)):
                    cursor.execute(statement)
        if actions := self.rows.get(Action):
            keys = [action.pk for action in actions]
            Action.objects.filter(pk__gte=min(keys), pk__lte=max(keys)).update(
                last_progress_at=last_progress(OuterRef("pk")), drift=drift(OuterRef("pk"))
            )


def insert(objs: list) -> None:
    """INSERT new records of one model, with keys taken from the table's own sequence, in order.

    The keys are taken first (reserve_keys), so a record may point at one before it
    in the same call (a child at its parent: its key is read from the related
    object). Then the rows go in as _insert writes them, without bulk_create's
    per-value work (most of a minute for 50,000 findings). The values are the
    instances' own: the caller has checked them. Call inside the caller's transaction.
    """
    if not objs:
        return
    model = type(objs[0])
    for obj, key in zip(objs, reserve_keys(model, len(objs)), strict=True):
        obj.pk = key
    _insert(model, objs)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def reserve_keys(model, count: int) -> list[int]:
    """count new primary keys for model, ascending, that no one else will be given.

    PostgreSQL: from the key's sequence, which others draw from too. SQLite: past
    the highest key the table has ever given (AUTOINCREMENT), under the write lock
    the transaction holds from its start (transaction_mode IMMEDIATE in settings).
    """
    table, key = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, key, count]
            )
            return sorted(key for (key,) in cursor.fetchall())
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        given = cursor.fetchone()
    top = max(given[0] if given else 0, model._default_manager.aggregate(top=Max("pk"))["top"] or 0)
    return list(range(top + 1, top + 1 + count))


def insert_history(objs: list, *, when, by, reason: str) -> None:
    """The "+" history rows of records insert() has just written: who (a User or None), when and why."""
    historical, _ = _historical(type(objs[0])) if objs else (None, [])
    if historical is None:
        return
    stamp = {
        "history_date": when,
        "history_user_id": by.pk if by is not None else None,
        "history_type": "+",
        "history_change_reason": reason,
    }
    _insert(historical, objs, constants=stamp)


def _values(fields: list, *, as_dicts: bool = False, constants: dict | None = None, historical: bool = False):
    """A function giving the row of values of those fields, as the database takes them, from an instance or dict.

    constants gives the same value to every row for the fields it names. A key left unset on an
    instance is read from its related object, which may have been inserted since it was set
    (not for a history row: its record has just been inserted, keys and all).
    """
    ops = connection.ops
    constants = constants or {}

    def reader(field):
        if field.attname in constants:
            value = constants[field.attname]
            return lambda row: value
        if as_dicts:
            return operator.itemgetter(field.attname)
        if field.is_relation and not historical:
            return _key_reader(field)
        return operator.attrgetter(field.attname)

    readers = [reader(field) for field in fields]
    files = [n for n, field in enumerate(fields) if isinstance(field, models.FileField)]
    adapt = {}
    if connection.vendor != "postgresql":
        adapt = {"DateTimeField": ops.adapt_datetimefield_value, "DateField": ops.adapt_datefield_value}
    # Cached: a whole import, or a day of generated history, shares a few moments.
    converters = [
        (n, functools.lru_cache(maxsize=4096)(adapt[field.get_internal_type()]))
        for n, field in enumerate(fields)
        if field.get_internal_type() in adapt
    ]

    def values(row) -> list:
        out = [reader(row) for reader in readers]
        for n in files:
            out[n] = out[n].name  # the file's stored name
        for n, convert in converters:
            out[n] = convert(out[n])
        return out

    return values


def _key_reader(field):
    """The key an instance holds for a foreign key, or its related object's, set on the instance as Django does."""
    attname = field.attname

    def read(obj):
        key = getattr(obj, attname)
        # field.get_cached_value(obj, None), without the KeyError it raises and catches when nothing is cached.
        if key is None and (related := obj._state.fields_cache.get(field.cache_name)) is not None:
            key = related.pk
            setattr(obj, attname, key)
        return key

    return read


def _insert(model, rows: list, *, as_dicts: bool = False, constants: dict | None = None) -> None:
    """INSERT the rows, model instances with their pk set or (as_dicts) history rows whose history_id the
    database assigns: COPY on PostgreSQL, executemany elsewhere. bulk_create's per-value work would
    take most of a minute for the biggest tables. constants: values shared by every row, by field."""
    ops = connection.ops
    historical = as_dicts or bool(constants)
    fields = [field for field in model._meta.concrete_fields if not (historical and field.primary_key)]
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    values = _values(fields, as_dicts=as_dicts, constants=constants, historical=historical)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        placeholders = ", ".join(["%s"] * len(fields))
        # Table and column names are the model's own, quoted; every value is a parameter.
        sql = " ".join(["INSERT INTO", table, f"({columns})", "VALUES", f"({placeholders})"])
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [values(row) for row in rows[start : start + BATCH]])
