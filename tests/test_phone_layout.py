"""What phones need of the markup (tracker.css does the rest, tests/browser checks the result at 390 pixels):
every cell of a table that stacks on a phone names its column, and the action list's filters fold
away unless the address sets one."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from tests import factories
from tracker.models import Action, RegisterEntry, RegisterStatus, SignOff

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """Each table of class responsive-table: its column headings, and each body cell's (data-label, colspan)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.depth = 0  # inside a responsive table
        self.part = ""
        self.heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "responsive-table" in (attrs.get("class") or "").split():
            self.tables.append({"columns": [], "cells": []})
            self.depth = 1
        elif not self.depth:
            return
        elif tag in ("thead", "tbody"):
            self.part = tag
        elif tag == "th" and self.part == "thead":
            self.heading = []
        elif tag == "td" and self.part == "tbody":
            self.tables[-1]["cells"].append((attrs.get("data-label"), attrs.get("colspan")))

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth = 0
        elif tag == "th" and self.heading is not None:
            self.tables[-1]["columns"].append(" ".join("".join(self.heading).split()))
            self.heading = None

    def handle_data(self, data):
        if self.heading is not None:
            self.heading.append(data)


def responsive_tables(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


@pytest.fixture
def plan(owner, reviewer, lead, inspection):
    """Something in every stacking table: an overdue action, one submitted, history, a register entry."""
    finding = factories.FindingFactory(inspection=inspection, register_id="REG-1")
    factories.ActionFactory(finding=finding, owner=owner, in_progress=True, overdue=True)
    factories.ActionFactory(finding=finding, owner=owner, submitted=True)
    RegisterEntry.objects.create(finding=finding, date=datetime.date(2025, 6, 1), status=RegisterStatus.choices[0][0])
    returned = factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
    factories.SignOffFactory(action=returned, decision=SignOff.Decision.RETURN, comment="More", decided_by=reviewer)
    return finding


PAGES = {
    "owner": ["/actions/", "/actions/mine/", "/inspections/", "/reports/panel/", "/findings/{finding}/"],
    "lead": ["/"],
    "reviewer": ["/", "/review/"],
    "auditor": ["/"],
}


@pytest.mark.parametrize(("role", "path"), [(role, path) for role, paths in PAGES.items() for path in paths])
def test_every_cell_of_a_stacking_table_names_its_column(client, plan, request, role, path):
    client.force_login(request.getfixturevalue(role))

    tables = responsive_tables(client, path.format(finding=plan.pk))

    assert tables, f"no stacking table on {path}"
    for table in tables:
        assert table["cells"], f"an empty table on {path}"
        for label, colspan in table["cells"]:
            assert label in table["columns"] or (colspan and label is None), (path, label, table["columns"])


def test_the_sign_off_queues_decision_is_labelled_in_its_stacked_row(client, plan, reviewer):
    client.force_login(reviewer)

    (queue,) = responsive_tables(client, "/review/")

    assert ("Decide", None) in queue["cells"]


# The action list's filters ------------------------------------------------------------------

DETAILS = re.compile(r'<details class="filters"( open)?>\s*<summary><span id="filters-title">Filter actions</span>')


def filters_open(client, query: str) -> bool:
    match = DETAILS.search(client.get(f"/actions/{query}").content.decode())
    assert match, "the filters are not in a details element"
    return bool(match.group(1))


@pytest.mark.parametrize(
    ("query", "open_"),
    [
        ("", False),
        ("?page=1", False),  # a page of every action: nothing filtered
        ("?q=&rag=&owner=", False),  # the form sent back empty
        ("?q=stalking", True),
        ("?status=in_progress", True),
        ("?overdue=on", True),
        ("?returned=1", True),  # a filter the dashboards link to, with no field of its own
        ("?due_from=2027-02-01&due_to=2027-01-01", True),  # a wrong filter: its error must be seen
    ],
)
def test_the_filters_fold_away_unless_the_address_sets_one(signed_in, query, open_):
    assert filters_open(signed_in, query) is open_


def test_a_wrong_filter_shows_its_error_inside_the_open_filters(signed_in):
    page = signed_in.get("/actions/?due_from=2027-02-01&due_to=2027-01-01").content.decode()

    details = page[page.index('<details class="filters" open>') : page.index("</details>")]
    assert 'class="error-message"' in details


def test_the_list_still_filters_with_its_filters_folded(client, owner):
    factories.ActionFactory(title="Mine", owner=owner, due_date=timezone.localdate())
    factories.ActionFactory(title="Someone else's")
    client.force_login(owner)

    page = client.get("/actions/?q=mine").content.decode()

    assert Action.objects.count() == 2
    assert 'data-count="1"' in page
