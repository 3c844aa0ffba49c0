"""Deadline phrases in the inspectorate's words, read as suggested due dates."""

import datetime

import pytest

from tracker.deadlines import suggest_due_date

PUBLISHED = datetime.date(2017, 3, 2)
HERTFORDSHIRE_RECOMMENDATION = (
    "To address this cause of concern HMIC recommends that the force should take immediate steps to ensure that:"
)


@pytest.mark.parametrize(
    ("text", "due", "phrase", "immediate"),
    [
        (HERTFORDSHIRE_RECOMMENDATION, datetime.date(2017, 4, 1), "immediate", True),
        ("With immediate effect, all forces should review their use of pre-charge bail.", datetime.date(2017, 4, 1),
         "With immediate effect", True),
        ("The force should immediately ensure that call handlers use THRIVE.", datetime.date(2017, 4, 1),
         "immediately", True),
        ("Within six months, the force should have a plan.", datetime.date(2017, 9, 2), "Within six months", False),
        ("within 3 months of the publication of this report", datetime.date(2017, 6, 2), "within 3 months", False),
        ("Within 28 days chief constables should confirm", datetime.date(2017, 3, 30), "Within 28 days", False),
        ("within two weeks", datetime.date(2017, 3, 16), "within two weeks", False),
        ("Within twelve months the NPCC lead should publish guidance", datetime.date(2018, 3, 2),
         "Within twelve months", False),
        ("within the next eighteen months", datetime.date(2018, 9, 2), "within the next eighteen months", False),
        ("within a year", datetime.date(2018, 3, 2), "within a year", False),
        ("By September 2014, all forces should have implemented the plan.", datetime.date(2014, 9, 30),
         "By September 2014", False),
        ("by the end of March 2018 the force should", datetime.date(2018, 3, 31), "by the end of March 2018", False),
        ("By February 2020", datetime.date(2020, 2, 29), "By February 2020", False),
        ("Not later than 31 March 2015, the force should", datetime.date(2015, 3, 31), "Not later than 31 March 2015",
         False),
        ("no later than 1st October 2018", datetime.date(2018, 10, 1), "no later than 1st October 2018", False),
        ("Not later than Sept. 2019", datetime.date(2019, 9, 30), "Not later than Sept. 2019", False),
    ],
)  # fmt: skip
def test_phrases_give_a_due_date_and_say_where_it_came_from(text, due, phrase, immediate):
    suggestion = suggest_due_date(text, PUBLISHED)

    assert suggestion.date == due
    assert suggestion.phrase == phrase
    assert suggestion.immediate is immediate


def test_the_earliest_deadline_wins():
    text = "Within twelve months the force should review this, and it should take immediate steps to stop it."

    suggestion = suggest_due_date(text, PUBLISHED)

    assert (suggestion.date, suggestion.immediate) == (datetime.date(2017, 4, 1), True)


def test_month_arithmetic_keeps_to_the_month_end():
    assert suggest_due_date("within one month", datetime.date(2017, 1, 31)).date == datetime.date(2017, 2, 28)


def test_immediate_allowance_is_a_setting(settings):
    settings.TRACKER_IMMEDIATE_DAYS = 14

    assert suggest_due_date("take immediate steps", PUBLISHED).date == datetime.date(2017, 3, 16)


@pytest.mark.parametrize(
    "text",
    [
        "It is a cause of concern to HMIC that some call handlers are not correctly identifying risk.",
        "The force is not responding to these incidents within the appropriate timescales.",
        "Supervisors should review investigations consistently.",
        "By improving supervision the force will help victims.",  # "by" without a date
        "Not later than 31 February 2015",  # no such day
        "",
    ],
)
def test_no_phrase_no_suggestion(text):
    assert suggest_due_date(text, PUBLISHED) is None
