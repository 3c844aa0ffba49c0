"""Dates the GOV.UK way: typed in a day, a month and a year box, read as UK dates, and shown as "7 December 2026".

The forms are posted as a browser posts them (the three boxes, tests/pages.py date_boxes); the messages are
GOV.UK's, only the boxes in error are marked, and the error summary links to the first of them.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests import factories
from tests.pages import date_boxes, main_text, url
from tracker import clock
from tracker.models import Action, ExtensionRequest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "tracker" / "templates"


def new_action(client, finding, owner, due: str | datetime.date):
    data = {"title": "Dip-sample supervisors' reviews", "owner": owner.pk, **date_boxes("due_date", due)}
    return client.post(url(finding, "actions/new/"), data)


def marked_boxes(html: str, name: str) -> set[str]:
    """Which of the field's boxes say they are in error."""
    return {
        part
        for part in ("day", "month", "year")
        if re.search(
            rf'<input class="[^"]*date-input__input--error"[^>]*name="{name}_{part}"[^>]*aria-invalid="true"', html
        )
    }


def summary_link(html: str) -> str:
    return re.search(r'<div class="error-summary".*?<a href="#([^"]+)"', html, re.S).group(1)


# The boxes ----------------------------------------------------------------------------------------


def test_the_due_date_is_three_labelled_boxes_in_one_fieldset(client, lead, finding):
    client.force_login(lead)

    html = main_text(client.get(url(finding, "actions/new/")))

    legend = '<legend class="legend--as-label">Due date</legend>'
    fieldset = re.search(rf"<fieldset[^>]*>\s*{legend}.*?</fieldset>", html, re.S).group(0)
    assert '<div class="hint" id="id_due_date_helptext">For example, 31 3 2027</div>' in fieldset
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert f'<label class="date-input__label" for="id_due_date_{part}">{label}</label>' in fieldset
        assert re.search(rf'id="id_due_date_{part}" name="due_date_{part}" type="text" inputmode="numeric"', fieldset)
    assert 'type="date"' not in html and "31/03/2027" not in html and "mm/dd" not in html.lower()


def test_a_lead_creates_an_action_with_a_uk_date(client, lead, owner, finding):
    client.force_login(lead)

    response = new_action(client, finding, owner, "7/12/2026")

    assert response.status_code == 302
    assert Action.objects.get().due_date == datetime.date(2026, 12, 7)  # the 7th of December, not 12 July


@pytest.mark.parametrize("month", ["Dec", "december", " 12 "])
def test_a_month_may_be_typed_as_its_name_and_spaces_are_forgiven(client, lead, owner, finding, month):
    client.force_login(lead)

    assert new_action(client, finding, owner, f"7/{month}/2026").status_code == 302
    assert Action.objects.get().due_date == datetime.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("typed", "message", "marked", "first"),
    [
        ("//", "Enter a due date", {"day", "month", "year"}, "day"),
        ("31//2027", "Due date must include a month", {"month"}, "month"),
        ("/3/", "Due date must include a day and year", {"day", "year"}, "day"),
        ("31/2/2027", "Due date must be a real date", {"day", "month", "year"}, "day"),
        ("12/13/2027", "Due date must be a real date", {"month"}, "month"),
        ("32/x/2027", "Due date must be a real date", {"day", "month"}, "day"),
        ("1/3/27", "Due date must have a year of 4 numbers, for example 2027", {"year"}, "year"),
        ("1/1/2020", "Enter a due date in the future, or today&#x27;s date", {"day", "month", "year"}, "day"),
    ],
)
def test_a_wrong_date_says_what_is_wrong_and_marks_only_the_boxes_in_error(
    client, lead, owner, finding, typed, message, marked, first
):
    client.force_login(lead)

    response = new_action(client, finding, owner, typed)

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<span class="visually-hidden">Error:</span> {message}' in html
    assert marked_boxes(html, "due_date") == marked
    assert summary_link(html) == f"id_due_date_{first}"
    for part, value in zip(("day", "month", "year"), typed.split("/"), strict=True):  # kept as typed
        assert f'name="due_date_{part}" type="text" inputmode="numeric" value="{value}"' in html
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "typed", ["²/3/2027", "1/3/²⁰²⁷", "1/3/0000", "1/3/99999999999999999999", "-1/3/2027", "1/٣/2027"]
)
def test_odd_characters_in_a_box_are_a_message_not_a_server_error(client, lead, owner, finding, typed):
    client.force_login(lead)

    response = new_action(client, finding, owner, typed)

    assert response.status_code == 400
    assert re.search(r"Due date must (be a real date|have a year of 4 numbers)", response.content.decode())
    assert not Action.objects.exists()


def test_the_error_summary_links_to_the_first_box_in_error_of_each_date(client, reviewer, inspection):
    client.force_login(reviewer)
    data = {**date_boxes("comments_invited", "3//2017"), **date_boxes("comments_received", "3/3/")}

    html = client.post(f"/inspections/{inspection.slug}/response/", data).content.decode()

    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)
    assert ("id_comments_invited_month", "Date the comments were invited must include a month") in links
    assert ("id_comments_received_year", "Date the comments were received must include a year") in links


def test_an_owner_asks_for_an_extension_in_the_three_boxes(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True, due_date=datetime.date(2027, 1, 31))
    client.force_login(owner)

    data = {**date_boxes("proposed_date", "28/2/2027"), "reason": "The audit team is away in January"}
    response = client.post(f"/actions/{action.pk}/extension/", data)

    assert response.status_code == 302
    assert ExtensionRequest.objects.get(action=action).proposed_date == datetime.date(2027, 2, 28)
    page = main_text(client.get(f"/actions/{action.pk}/"))
    assert "to move the due date from 31 January 2027 to <strong>28 February 2027</strong>" in page


def test_an_extension_before_the_current_due_date_names_it_in_words(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True, due_date=datetime.date(2027, 1, 31))
    client.force_login(owner)

    data = {**date_boxes("proposed_date", "1/1/2027"), "reason": "More time"}
    html = client.post(f"/actions/{action.pk}/extension/", data).content.decode()

    assert "The new due date must be after the current one, 31 January 2027" in html


# The action list's due range (a GET form) ---------------------------------------------------------


def test_the_due_range_filter_takes_the_boxes(signed_in):
    factories.ActionFactory(title="December", due_date=datetime.date(2026, 12, 7))
    factories.ActionFactory(title="July", due_date=datetime.date(2026, 7, 12))

    query = "&".join(f"{name}={value}" for name, value in date_boxes("due_from", "1/12/2026").items())
    html = main_text(signed_in.get(f"/actions/?{query}"))

    assert "December" in html and ">July<" not in html
    assert "7 December 2026" in html


@pytest.mark.parametrize("given", ["2026-12-07", "7/12/2026", "7 December 2026"])
def test_a_link_may_give_the_due_range_as_one_value_read_the_uk_way(signed_in, given):
    factories.ActionFactory(title="Early December", due_date=datetime.date(2026, 12, 6))
    factories.ActionFactory(title="Later December", due_date=datetime.date(2026, 12, 8))

    html = main_text(signed_in.get("/actions/", {"due_from": given}))

    assert "Later December" in html and "Early December" not in html
    # The boxes show the date the link gave.
    assert 'name="due_from_day" type="text" inputmode="numeric" value="7"' in html
    assert 'name="due_from_month" type="text" inputmode="numeric" value="12"' in html


def test_a_half_typed_due_range_is_reported_not_fatal(signed_in):
    response = signed_in.get("/actions/", date_boxes("due_to", "7//2026"))

    assert response.status_code == 200
    assert "The end of the due range must include a month" in response.content.decode()


# Dates shown -------------------------------------------------------------------------------------


def test_every_template_shows_dates_with_the_month_in_full():
    formats = set()
    for template in TEMPLATES.rglob("*.html"):
        formats |= set(re.findall(r'\|date:"([^"]*)"', template.read_text()))
    assert formats == {"j F Y"}, "times are shown with |moment_in_words or |time_of_day"


def test_the_action_list_and_the_queue_show_days_and_times_in_words(client, reviewer, owner):
    moment = timezone.make_aware(datetime.datetime(2026, 11, 2, 15, 5))
    factories.ActionFactory(owner=owner, submitted=True, submitted_at=moment, due_date=datetime.date(2026, 12, 7))
    client.force_login(reviewer)

    assert "7 December 2026" in main_text(client.get("/actions/"))
    assert "2 November 2026, 3:05pm" in main_text(client.get("/review/"))


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [(15, 5, "3:05pm"), (9, 0, "9am"), (12, 0, "midday"), (0, 0, "midnight"), (0, 30, "12:30am"), (12, 1, "12:01pm")],
)
def test_times_of_day_are_written_the_gov_uk_way(hour, minute, words):
    moment = timezone.make_aware(datetime.datetime(2026, 12, 7, hour, minute))

    assert clock.time_of_day(moment) == words
    assert clock.moment_in_words(moment) == f"7 December 2026, {words}"


def test_a_moment_is_named_by_its_day_in_the_uk(settings):
    late_in_summer = datetime.datetime(2026, 7, 31, 23, 30, tzinfo=datetime.UTC)  # 00:30 on 1 August in London

    assert clock.moment_in_words(late_in_summer) == "1 August 2026, 12:30am"
