"""The reviewer dashboard's section 55 clocks: every warning, the soonest of the rest, and a way to all of them."""

import datetime

import pytest
from django.utils import timezone

from tests import factories
from tracker.selectors.dashboards import CLOCK_LIMIT

pytestmark = pytest.mark.django_db

MORE = "Every inspection's response clock"


def published_days_ago(days: int, title: str):
    return factories.InspectionFactory(title=title, published=timezone.localdate() - datetime.timedelta(days=days))


def clock_rows(page: str) -> int:
    table = page.split("<caption>Section 55 response clocks</caption>", 1)[1].split("</table>", 1)[0]
    return table.count('<th scope="row"')


def dashboard(client, reviewer) -> str:
    client.force_login(reviewer)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_few_clocks_are_all_shown(client, reviewer):
    for n in range(3):
        published_days_ago(10 + n, f"Report {n}")

    page = dashboard(client, reviewer)

    assert clock_rows(page) == 3
    assert MORE not in page


def test_only_the_soonest_deadlines_are_shown_with_a_link_to_every_clock(client, reviewer):
    for n in range(CLOCK_LIMIT + 2):
        published_days_ago(n + 1, f"Report {n:02d}")  # every deadline weeks away: none warned
    factories.InspectionFactory(title="Old report", published=datetime.date(2016, 11, 1))  # no deadline: last

    page = dashboard(client, reviewer)

    assert clock_rows(page) == CLOCK_LIMIT
    # Oldest published first: their deadlines are the soonest.
    assert page.index("Report 11") < page.index("Report 02")
    assert "Report 01" not in page and "Report 00" not in page and "Old report" not in page
    assert f'<a href="/inspections/">{MORE}</a>' in page


def test_every_clock_that_needs_a_warning_is_shown_however_many(client, reviewer):
    for n in range(CLOCK_LIMIT + 3):
        published_days_ago(70 + n, f"Late report {n:02d}")  # deadline passed, no response
    published_days_ago(50, "Due soon")  # due in a few days
    published_days_ago(5, "Due later")  # no warning, and beyond the warnings

    page = dashboard(client, reviewer)

    assert clock_rows(page) == CLOCK_LIMIT + 4
    assert page.count('data-warning="s55"') == CLOCK_LIMIT + 4
    assert "Due later" not in page
    assert MORE in page
