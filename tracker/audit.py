"""The sign-off chain: appending to it, and checking it (what verify_audit reports)."""

from collections.abc import Sequence

from .models import SignOff, SignOffChain


def append_to_chain(sign_offs: Sequence[SignOff]) -> None:
    """Link new sign-offs, in the order given, onto the end of the tamper-evident chain; the caller saves them.

    Each gets the hash of the record before it and its own hash; the chain's
    head moves on past the last. The head is locked until the caller's
    transaction ends, so two appends at once cannot both link to the same
    record: call it inside the transaction that saves the sign-offs, and save
    them in this order (verify_audit walks the chain in primary key order).
    """
    SignOffChain.objects.get_or_create(pk=1)
    head = SignOffChain.objects.select_for_update().get(pk=1)
    for sign_off in sign_offs:
        sign_off.previous_hash = head.last_hash
        sign_off.record_hash = head.last_hash = sign_off.compute_hash()
        head.length += 1
    if sign_offs:
        head.save(update_fields=["last_hash", "length"])


def chain_problems() -> list[str]:
    """Every sign-off changed or removed outside the application, as sentences; empty when intact."""
    problems = []
    previous_hash, count, last = "", 0, None
    for sign_off in SignOff.objects.order_by("pk").iterator(chunk_size=1000):
        count += 1
        if sign_off.previous_hash != previous_hash:
            where = f"after sign-off #{last.pk}" if last else "before the first sign-off"
            problems.append(
                f"Sign-off #{sign_off.pk} does not follow the record before it: "
                f"a record {where} was removed or altered."
            )
        if sign_off.compute_hash() != sign_off.record_hash:
            problems.append(f"Sign-off #{sign_off.pk} has been changed since it was recorded.")
        previous_hash, last = sign_off.record_hash, sign_off
    head = SignOffChain.objects.filter(pk=1).first()
    head_hash, head_length = (head.last_hash, head.length) if head else ("", 0)
    if head_hash != previous_hash or head_length != count:
        problems.append(
            f"The chain should hold {head_length} sign-offs ending in {head_hash[:12] or 'nothing'}, "
            f"but holds {count} ending in {previous_hash[:12] or 'nothing'}: records were removed or added "
            "outside the application."
        )
    return problems
