"""What someone with database access and no AUDIT_KEY can do to the sign-off record: raw SQL, no services."""

from django.db import connection

from tracker.models import SignOff


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def relink(key: bytes | None = None, *, start: int = 0) -> None:
    """Recompute every link from sign-off number `start` on (0: all of them) and the chain's head, as verify_audit
    once did: plain SHA-256 when key is None, otherwise HMAC-SHA256 under key (a guessed or stolen one)."""
    previous = ""
    sign_offs = list(SignOff.objects.order_by("pk"))
    for position, sign_off in enumerate(sign_offs):
        if position < start:
            previous = sign_off.record_hash
            continue
        sign_off.previous_hash = previous
        previous = sign_off.unkeyed_hash() if key is None else sign_off.compute_hash(key)
        raw(
            "UPDATE tracker_signoff SET previous_hash = %s, record_hash = %s WHERE id = %s",
            sign_off.previous_hash,
            previous,
            sign_off.pk,
        )
    raw("UPDATE tracker_signoffchain SET last_hash = %s, length = %s WHERE id = 1", previous, len(sign_offs))


def delete_newest_and_roll_back_head() -> None:
    """Remove the newest decision, and set the head back to the record before it: length and last hash."""
    newest, before = SignOff.objects.order_by("-pk")[:2]
    raw("DELETE FROM tracker_signoff WHERE id = %s", newest.pk)
    raw(
        "UPDATE tracker_signoffchain SET last_hash = %s, length = length - 1 WHERE id = 1",
        before.record_hash,
    )
