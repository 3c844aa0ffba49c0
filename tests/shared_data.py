"""Data a whole test module reads, written once instead of once per test."""

import contextlib

from django.db import transaction


@contextlib.contextmanager
def written_once(django_db_blocker):
    """Write the data inside this block; it stays until the block ends, then is rolled back.

    For a module-scoped fixture (with django_db_setup and django_db_blocker). Each
    test still runs in a transaction of its own nested within this one, so what a
    test changes is undone after it and the next test sees the data as written.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
