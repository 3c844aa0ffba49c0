"""The deadline a finding's own words set, as a suggested due date.

Recommendations carry their deadlines in prose: "take immediate steps",
"With immediate effect", "Within six months", "By September 2014", "Not later
than 31 March 2015". Each is read relative to the report's publication date.
When the text holds several, the earliest date wins: it is the one the force
must meet first. No phrase, no suggestion.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.conf import settings

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "twenty-four": 24, "thirty": 30, "sixty": 60, "ninety": 90,
}  # fmt: skip

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_NUMBER = r"(?P<count>\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"

IMMEDIATE = re.compile(r"\bimmediate(?:ly)?\b|\bwith immediate effect\b", re.IGNORECASE)
WITHIN = re.compile(rf"\bwithin\s+(?:the\s+next\s+)?{_NUMBER}\s+(?P<unit>day|week|month|year)s?\b", re.IGNORECASE)
NOT_LATER_THAN = re.compile(
    rf"\b(?:not\s+later\s+than|no\s+later\s+than|by)\s+(?:the\s+end\s+of\s+)?"
    rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?{_MONTH}\s+(?P<year>\d{{4}})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SuggestedDue:
    date: datetime.date
    phrase: str  # the words the date came from, as the text has them
    immediate: bool = False


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word.lower()]


def _candidates(text: str, published: datetime.date):
    immediate_days = settings.TRACKER_IMMEDIATE_DAYS
    for match in IMMEDIATE.finditer(text):
        yield SuggestedDue(published + datetime.timedelta(days=immediate_days), match.group(0), immediate=True)
    for match in WITHIN.finditer(text):
        count, unit = _count(match["count"]), match["unit"].lower()
        if unit == "day":
            due = published + datetime.timedelta(days=count)
        elif unit == "week":
            due = published + datetime.timedelta(weeks=count)
        else:
            due = _add_months(published, count * (12 if unit == "year" else 1))
        yield SuggestedDue(due, match.group(0))
    for match in NOT_LATER_THAN.finditer(text):
        year, month = int(match["year"]), MONTHS[match["month"].lower()]
        last_day = calendar.monthrange(year, month)[1]
        day = int(match["day"]) if match["day"] else last_day
        if 1 <= day <= last_day:
            yield SuggestedDue(datetime.date(year, month, day), match.group(0))


def suggest_due_date(text: str, published: datetime.date) -> SuggestedDue | None:
    """The earliest deadline the text sets, or None when it sets none."""
    return min(_candidates(text, published), key=lambda suggestion: suggestion.date, default=None)
