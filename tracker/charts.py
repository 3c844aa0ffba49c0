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

from .models import Action, Inspection

SIGNED_OFF = Action.Status.SIGNED_OFF
WITHDRAWN = Action.Status.WITHDRAWN

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 16, 80
DONE_COLOUR = "#00703c"
SCOPE_COLOUR = "#505a5f"
GRID_COLOUR = "#b1b4b6"
TEXT_COLOUR = "#0b0c0c"


@dataclass(frozen=True)
class Point:
    date: datetime.date
    done: int
    scope: int


def burn_up_history(inspection: Inspection):
    """The history rows the chart needs, oldest first: one query, plain values.

    Only creations, deletions and rows in a final status matter, so the rest of
    an action's history (notes, edits, extensions) is never read.
    """
    return (
        Action.history.filter(finding__inspection=inspection)
        .filter(Q(history_type__in=["+", "-"]) | Q(status__in=[SIGNED_OFF, WITHDRAWN]))
        .order_by("history_date", "history_id")
        .values_list("id", "history_type", "status", "history_date")
    )


def burn_up(rows) -> list[Point]:
    """Actions done (signed off) and total actions (scope) on each date either changed.

    rows are (action id, history type, status, history date), oldest first. An
    action joins the scope when it is created and counts as done the first time
    it is signed off; a withdrawn action leaves the scope on the day it is
    withdrawn, so that a plan whose every action is closed reaches the top.
    """
    joined: dict[int, datetime.date] = {}
    done: dict[int, datetime.date] = {}
    left: dict[int, datetime.date] = {}
    for action_id, history_type, status, when in rows:
        day = timezone.localdate(when)
        joined.setdefault(action_id, day)
        if status == SIGNED_OFF:
            done.setdefault(action_id, day)
        elif status == WITHDRAWN or history_type == "-":
            left.setdefault(action_id, day)

    scope_change: dict[datetime.date, int] = {}
    done_change: dict[datetime.date, int] = {}
    for day in joined.values():
        scope_change[day] = scope_change.get(day, 0) + 1
    for day in left.values():
        scope_change[day] = scope_change.get(day, 0) - 1
    for day in done.values():
        done_change[day] = done_change.get(day, 0) + 1

    points = []
    total_done = total_scope = 0
    for day in sorted(set(scope_change) | set(done_change)):
        total_done += done_change.get(day, 0)
        total_scope += scope_change.get(day, 0)
        points.append(Point(day, total_done, total_scope))
    return points


def describe(points: list[Point]) -> str:
    if not points:
        return "No actions yet."
    first, last = points[0], points[-1]
    return (
        f"Actions done (signed off) went from {first.done} of {first.scope} on {first.date:%-d %B %Y} "
        f"to {last.done} of {last.scope} on {last.date:%-d %B %Y}. The table below gives the numbers for each date."
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


def burn_up_svg(points: list[Point], *, today: datetime.date, title: str, id_prefix: str = "burn-up") -> SafeString:
    """The chart as an accessible inline SVG (role img, with a title and a description)."""
    if not points:
        return SafeString("")
    start = points[0].date
    end = max(points[-1].date, today)
    span = (end - start).days
    highest = max(point.scope for point in points)
    step = _nice_step(highest)
    top = step * max(math.ceil(highest / step), 1)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    axis_y = TOP + plot_height

    def x(day: datetime.date) -> float:
        # A plan whose whole history is one day is drawn across the full width.
        return LEFT + ((day - start).days / span * plot_width if span else 0)

    def y(count: int) -> float:
        return axis_y - count / top * plot_height

    gridlines = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                _n(y(count)),
                _n(y(count)),
                GRID_COLOUR,
                LEFT - 8,
                _n(y(count) + 4),
                TEXT_COLOUR,
                count,
            )
            for count in range(0, top + 1, step)
        ),
    )
    dates = format_html(
        '<text x="{}" y="{}" text-anchor="start" fill="{}">{}</text>',
        LEFT,
        axis_y + 20,
        TEXT_COLOUR,
        f"{start:%-d %b %Y}",
    )
    if span:
        dates += format_html(
            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
            WIDTH - RIGHT,
            axis_y + 20,
            TEXT_COLOUR,
            f"{end:%-d %b %Y}",
        )
    scope_line = format_html(
        '<path d="{}" fill="none" stroke="{}" stroke-width="3" stroke-dasharray="8 5"/>',
        _step_path(points, lambda p: p.scope, x, y, WIDTH - RIGHT),
        SCOPE_COLOUR,
    )
    done_line = format_html(
        '<path d="{}" fill="none" stroke="{}" stroke-width="4"/>',
        _step_path(points, lambda p: p.done, x, y, WIDTH - RIGHT),
        DONE_COLOUR,
    )
    legend_y = HEIGHT - 20
    legend = format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="4"/>'
        '<text x="{}" y="{}" fill="{}">Actions done (signed off)</text>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="3" stroke-dasharray="8 5"/>'
        '<text x="{}" y="{}" fill="{}">Total actions (scope)</text>',
        LEFT,
        LEFT + 32,
        legend_y,
        legend_y,
        DONE_COLOUR,
        LEFT + 40,
        legend_y + 4,
        TEXT_COLOUR,
        LEFT + 260,
        LEFT + 292,
        legend_y,
        legend_y,
        SCOPE_COLOUR,
        LEFT + 300,
        legend_y + 4,
        TEXT_COLOUR,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{}" height="{}" viewBox="0 0 {} {}" '
        'role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '{}<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>{}{}{}{}</svg>',
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
        gridlines,
        LEFT,
        WIDTH - RIGHT,
        axis_y,
        axis_y,
        TEXT_COLOUR,
        dates,
        scope_line,
        done_line,
        legend,
    )
