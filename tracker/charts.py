"""The burn-up chart of an inspection's plan: its data from history, drawn as inline SVG.

Plain markup, no JavaScript and nothing fetched from elsewhere. The chart is
never the only way to read the numbers: the page puts the same points in a
table beneath it.
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .models import Action, Inspection, done_q, withdrawn_q

# In the SVG's own units: the page scales it to fit, and tracker.css sizes its text for the scale
# (larger units on a phone, where the chart is drawn at about half size), so the labels have room for either.
WIDTH, HEIGHT = 640, 380
LEFT, RIGHT, TOP, BOTTOM = 60, 24, 16, 140
DATES_BELOW, LEGEND_BELOW, LEGEND_ROW = 28, 60, 30
DONE_COLOUR = "#00703c"
WITHDRAWN_COLOUR = "#6f777b"
SCOPE_COLOUR = "#505a5f"
GRID_COLOUR = "#b1b4b6"
TEXT_COLOUR = "#0b0c0c"


@dataclass(frozen=True)
class Point:
    """The plan on one date: actions done (signed off), every action (scope), and those withdrawn."""

    date: datetime.date
    done: int
    scope: int
    withdrawn: int = 0


def burn_up_history(inspection: Inspection):
    """The history rows the chart needs, oldest first: one query, plain values.

    Only creations, deletions and rows signed off or withdrawn matter, so the
    rest of an action's history (notes, edits, extensions) is never read.
    """
    return (
        Action.history.filter(finding__inspection=inspection)
        .filter(Q(history_type__in=["+", "-"]) | done_q() | withdrawn_q())
        .order_by("history_date", "history_id")
        .values_list("id", "history_type", "status", "history_date")
    )


def _first_days(rows) -> tuple[dict, dict, dict, dict]:
    """Per action, the day it joined the plan, was first done, was first withdrawn, was deleted."""
    joined: dict[int, datetime.date] = {}
    done: dict[int, datetime.date] = {}
    withdrawn: dict[int, datetime.date] = {}
    deleted: dict[int, datetime.date] = {}
    for action_id, history_type, status, when in rows:
        day = timezone.localdate(when)
        joined.setdefault(action_id, day)
        if history_type == "-":
            deleted.setdefault(action_id, day)
        elif (row := Action(status=status)).is_done:
            done.setdefault(action_id, day)
        elif row.is_withdrawn:
            withdrawn.setdefault(action_id, day)
    return joined, done, withdrawn, deleted


def _changes(days: dict[int, datetime.date], by: int = 1) -> dict[datetime.date, int]:
    change: dict[datetime.date, int] = {}
    for day in days.values():
        change[day] = change.get(day, 0) + by
    return change


def burn_up(rows) -> list[Point]:
    """Actions done (signed off), withdrawn, and all actions (scope) on each date any of them changed.

    rows are (action id, history type, status, history date), oldest first. An
    action joins the scope when it is created and counts as done the first time
    it is signed off. A withdrawn action stays in the scope, counted apart, as
    everywhere else the plan is counted; only a deleted one leaves it.
    """
    joined, done, withdrawn, deleted = _first_days(rows)
    scope_change = _changes(joined)
    for day, count in _changes(deleted, by=-1).items():
        scope_change[day] = scope_change.get(day, 0) + count
    done_change, withdrawn_change = _changes(done), _changes(withdrawn)
    points = []
    total_done = total_withdrawn = total_scope = 0
    for day in sorted(set(scope_change) | set(done_change) | set(withdrawn_change)):
        total_done += done_change.get(day, 0)
        total_withdrawn += withdrawn_change.get(day, 0)
        total_scope += scope_change.get(day, 0)
        points.append(Point(day, total_done, total_scope, total_withdrawn))
    return points


def describe(points: list[Point]) -> str:
    if not points:
        return "No actions yet."
    first, last = points[0], points[-1]
    withdrawn = f", {last.withdrawn} withdrawn," if last.withdrawn else ""
    return (
        f"Actions done (signed off) went from {first.done} of {first.scope} on {first.date:%-d %B %Y} "
        f"to {last.done} of {last.scope}{withdrawn} on {last.date:%-d %B %Y}. "
        "The table below gives the numbers for each date."
    )


def _nice_step(top: int) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving at most five gridlines."""
    rough = max(top / 5, 1)
    power = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= rough:
            return multiple * power
    return 10 * power


def _n(value: float) -> str:
    return f"{value:.1f}"


def _step_path(points: list[Point], value, x, y, right: float) -> str:
    """A stepped line: each count holds until the date it changes."""
    first = points[0]
    parts = [f"M{_n(x(first.date))} {_n(y(value(first)))}"]
    for point in points[1:]:
        parts.append(f"H{_n(x(point.date))} V{_n(y(value(point)))}")
    parts.append(f"H{_n(right)}")
    return " ".join(parts)


@dataclass(frozen=True)
class Series:
    """One line of the chart and its legend entry."""

    label: str
    field: str
    colour: str
    width: int
    dashes: str = ""

    def value(self, point: Point) -> int:
        return getattr(point, self.field)

    @property
    def dash_attribute(self) -> SafeString:
        return format_html(' stroke-dasharray="{}"', self.dashes) if self.dashes else SafeString("")


DONE = Series("Actions done (signed off)", "done", DONE_COLOUR, 4)
SCOPE = Series("Total actions (scope)", "scope", SCOPE_COLOUR, 3, "8 5")
WITHDRAWN = Series("Actions withdrawn", "withdrawn", WITHDRAWN_COLOUR, 3, "2 4")


@dataclass(frozen=True)
class Frame:
    """Where dates and counts fall on the chart."""

    start: datetime.date
    end: datetime.date
    top: int
    step: int

    @classmethod
    def around(cls, points: list[Point], today: datetime.date) -> "Frame":
        highest = max(point.scope for point in points)
        step = _nice_step(highest)
        return cls(points[0].date, max(points[-1].date, today), step * max(math.ceil(highest / step), 1), step)

    @property
    def axis_y(self) -> int:
        return HEIGHT - BOTTOM

    def x(self, day: datetime.date) -> float:
        span = (self.end - self.start).days
        # A plan whose whole history is one day is drawn across the full width.
        return LEFT + ((day - self.start).days / span * (WIDTH - LEFT - RIGHT) if span else 0)

    def y(self, count: int) -> float:
        return self.axis_y - count / self.top * (HEIGHT - TOP - BOTTOM)


def _gridlines(frame: Frame) -> SafeString:
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" dy="0.35em" text-anchor="end" fill="{}">{}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                _n(frame.y(n)),
                _n(frame.y(n)),
                GRID_COLOUR,
                LEFT - 8,
                _n(frame.y(n)),
                TEXT_COLOUR,
                n,
            )
            for n in range(0, frame.top + 1, frame.step)
        ),
    )


def _dates(frame: Frame) -> SafeString:
    """The first date under the left end of the axis and, if later, the last under the right."""
    label = '<text x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>'
    y = frame.axis_y + DATES_BELOW
    dates = format_html(label, LEFT, y, "start", TEXT_COLOUR, f"{frame.start:%-d %B %Y}")
    if frame.end > frame.start:
        dates += format_html(label, WIDTH - RIGHT, y, "end", TEXT_COLOUR, f"{frame.end:%-d %B %Y}")
    return dates


def _line(points: list[Point], series: Series, frame: Frame) -> SafeString:
    return format_html(
        '<path d="{}" fill="none" stroke="{}" stroke-width="{}"{}/>',
        _step_path(points, series.value, frame.x, frame.y, WIDTH - RIGHT),
        series.colour,
        series.width,
        series.dash_attribute,
    )


LEGEND_ENTRY = (
    '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="{}"{}/>'
    '<text x="{}" y="{}" dy="0.35em" fill="{}">{}</text>'
)


def _legend(entries: list[Series], frame: Frame) -> SafeString:
    """An entry a row under the dates: a row has room for the longest label at a phone's text size."""
    placed = []
    for n, series in enumerate(entries):
        y = frame.axis_y + LEGEND_BELOW + LEGEND_ROW * n
        line = (LEFT, LEFT + 32, y, y, series.colour, series.width, series.dash_attribute)
        placed.append((*line, LEFT + 40, y, TEXT_COLOUR, series.label))
    return format_html_join("", LEGEND_ENTRY, placed)


def burn_up_svg(points: list[Point], *, today: datetime.date, title: str, id_prefix: str = "burn-up") -> SafeString:
    """The chart as an accessible inline SVG (role img, with a title and a description)."""
    if not points:
        return SafeString("")
    frame = Frame.around(points, today)
    # Withdrawn actions get a line of their own only on a plan that has some.
    lines = [SCOPE, DONE] + ([WITHDRAWN] if any(point.withdrawn for point in points) else [])
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{}" height="{}" viewBox="0 0 {} {}" '
        'role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '{}<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        id_prefix,
        id_prefix,
        id_prefix,
        title,
        id_prefix,
        describe(points),
        _gridlines(frame),
        LEFT,
        WIDTH - RIGHT,
        frame.axis_y,
        frame.axis_y,
        TEXT_COLOUR,
        _dates(frame),
        format_html_join("", "{}", ((_line(points, series, frame),) for series in lines)),
        _legend([DONE, SCOPE, *lines[2:]], frame),
    )
