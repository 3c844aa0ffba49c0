"""The moment the plan is at: the real time, unless someone holds the clock at a moment of their choosing.

Every timestamp the tracker writes (a record's creation, a decision, a line of
history) comes from now(), so a whole story can be told at the moments it
happened: the demo plan is built over the past months with the clock held at
each step, and every record of one step agrees on its time.

    with clock.held_at(start) as held:
        services.create_action(...)
        held.advance(datetime.timedelta(days=3))
        services.record_progress(...)
"""

import datetime
import functools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils import timezone


@dataclass
class HeldClock:
    moment: datetime.datetime

    def advance(self, by: datetime.timedelta) -> datetime.datetime:
        self.moment += by
        return self.moment

    def set(self, moment: datetime.datetime) -> None:
        self.moment = moment


_held: ContextVar[HeldClock | None] = ContextVar("tracker_clock", default=None)


def now() -> datetime.datetime:
    held = _held.get()
    return held.moment if held is not None else timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())


@contextmanager
def held_at(moment: datetime.datetime) -> Iterator[HeldClock]:
    """Hold the clock at `moment` (timezone-aware) until the block ends; advance it as the story goes on."""
    if timezone.is_naive(moment):
        raise ValueError("Hold the clock at a timezone-aware moment.")
    held = HeldClock(moment)
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def at_one_moment(function: Callable) -> Callable:
    """Run `function` with the clock held where it stands when called: every timestamp one call writes agrees."""

    @functools.wraps(function)
    def held(*args, **kwargs):
        with held_at(now()):
            return function(*args, **kwargs)

    return held


# How a page names a day, a moment and a length of time, the GOV.UK way: "7 December 2026", "3:05pm",
# "midday", "1 hour and 30 minutes".


def day_in_words(day: datetime.date) -> str:
    """ "7 December 2026"; a moment is named by its day where the site's time zone is."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day) if timezone.is_aware(day) else day
    return f"{day:%-d %B %Y}"


def time_of_day(moment: datetime.datetime) -> str:
    """ "3:05pm", "9am", "midday", "midnight", in the site's time zone."""
    moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{moment.hour % 12 or 12}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def moment_in_words(moment: datetime.datetime) -> str:
    """ "7 December 2026, 3:05pm": a record's time in a table or a line of history."""
    return f"{day_in_words(moment)}, {time_of_day(moment)}"


def counted(n: int, unit: str) -> str:
    """ "1 day", "14 days"."""
    return f"{n} {unit}{'' if n == 1 else 's'}"


def duration_in_words(duration: datetime.timedelta) -> str:
    """ "30 minutes", "1 hour and 30 minutes", "1 day, 2 hours and 5 minutes"; under a minute, whole seconds
    ("45 seconds", rounded up, so a wait is never said to be shorter than it is); else to the nearest minute."""
    seconds = math.ceil(duration.total_seconds())
    if seconds < 60:
        return counted(max(seconds, 1), "second")
    days, minutes = divmod(round(seconds / 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [counted(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
