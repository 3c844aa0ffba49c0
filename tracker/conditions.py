"""A Q condition checked against one object already loaded, in Python, with no query.

The derived states of an action (open, overdue, RAG, ...) are each written
once, as a Q, in tracker/models.py. Querysets filter and count with that Q;
a page that already holds the action asks holds(q, action) of the same Q, so
the SQL and the Python cannot drift apart. Only plain comparisons of the
object's own fields are understood; anything else is refused loudly.
"""

import operator

from django.db.models import Q

COMPARISONS = {
    "exact": operator.eq,
    "in": lambda value, choices: value in choices,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _holds_lookup(child, obj) -> bool:
    if not isinstance(child, tuple):
        raise ValueError(f"holds() cannot check {child!r} without a query")
    lookup, expected = child
    field, _, comparison = lookup.partition("__")
    comparison = comparison or "exact"
    if comparison not in COMPARISONS or not hasattr(obj, field) or hasattr(expected, "resolve_expression"):
        raise ValueError(f"holds() understands only {', '.join(COMPARISONS)} of the object's own fields: {lookup!r}")
    return COMPARISONS[comparison](getattr(obj, field), expected)


def holds(condition: Q, obj) -> bool:
    """Whether obj, as loaded, meets condition: what obj's model .filter(condition) would say of it."""
    results = (holds(child, obj) if isinstance(child, Q) else _holds_lookup(child, obj) for child in condition.children)
    met = any(results) if condition.connector == Q.OR else all(results)
    return met != condition.negated
