"""Done means signed off everywhere; withdrawn actions stay in the total and are counted apart.

One plan with actions signed off, withdrawn and still open: the lead's
dashboard, the inspections list, the inspection's page (findings tree and
burn-up), the finding's page and the panel report all give the same three
numbers for it. The burn-up's rules are pinned here too.
"""

import datetime
import re

import pytest
from django.utils import timezone

from tests import factories
from tests.workflow import on, take_to_sign_off
from tracker import charts, services
from tracker.models import Action

pytestmark = pytest.mark.django_db

SIGNED_OFF, WITHDRAWN, OPEN = 2, 1, 2
EXPECTED = {"done": SIGNED_OFF, "withdrawn": WITHDRAWN, "total": SIGNED_OFF + WITHDRAWN + OPEN}


@pytest.fixture
def inspection(db):
    return factories.InspectionFactory(
        slug="herts-peel-2016", title="PEEL 2016: Hertfordshire", published=datetime.date(2017, 3, 2)
    )


@pytest.fixture
def plan(inspection, lead, owner, reviewer):
    """Five actions on one finding, made through the services: two signed off, one withdrawn, two open."""
    finding = factories.FindingFactory(inspection=inspection, reference="AFI1")
    due = timezone.localdate() + datetime.timedelta(days=30)

    def create(title):
        return services.create_action(finding, by=lead, title=title, owner=owner, due_date=due)

    with on(datetime.date(2025, 3, 1)):
        first, second, third = create("First"), create("Second"), create("Third")
    with on(datetime.date(2025, 3, 10)):
        fourth, _fifth = create("Fourth"), create("Fifth")
    with on(datetime.date(2025, 4, 1)):
        take_to_sign_off(first, owner=owner, reviewer=reviewer)
    with on(datetime.date(2025, 4, 15)):
        take_to_sign_off(second, owner=owner, reviewer=reviewer)
        services.withdraw_action(fourth, by=lead, reason="Overtaken by the new control room system")
    services.record_progress(third, by=owner, note="Under way", move_to=Action.Status.IN_PROGRESS)
    factories.ActionFactory(finding=factories.FindingFactory(), owner=owner, signed_off=True)  # elsewhere
    return finding


def counted(done, withdrawn, total) -> dict:
    return {"done": done, "withdrawn": withdrawn, "total": total}


def test_every_page_counts_done_and_withdrawn_alike(client, lead, inspection, plan):
    client.force_login(lead)

    dashboard = client.get("/").context["lead"]
    [row] = [row for row in dashboard["progress"] if row["inspection"] == inspection]
    [listed] = [i for i in client.get("/inspections/").context["inspections"] if i == inspection]
    page = client.get(f"/inspections/{inspection.slug}/").context
    [[_, [tree_finding]]] = page["finding_groups"]
    last = page["burn_up_points"][-1]
    finding_page = client.get(f"/findings/{plan.pk}/").context
    [panel] = client.get("/reports/panel/", {"inspection": inspection.slug}).context["inspections"]
    by_status, by_rag = dict(panel.by_status), dict(panel.by_rag)

    assert counted(row["signed_off"].count, row["withdrawn"].count, row["total"].count) == EXPECTED
    assert counted(listed.done_count, listed.withdrawn_count, listed.action_count) == EXPECTED
    assert counted(tree_finding.signed_off_count, tree_finding.withdrawn_count, tree_finding.action_count) == EXPECTED
    assert counted(last.done, last.withdrawn, last.scope) == EXPECTED
    assert (
        counted(finding_page["done_count"], finding_page["withdrawn_count"], finding_page["finding"].action_count)
        == EXPECTED
    )
    assert counted(by_status["Signed off"], by_status["Withdrawn"], panel.total) == EXPECTED
    assert by_rag["complete"] == EXPECTED["done"]
    assert row["percent"] == round(100 * SIGNED_OFF / EXPECTED["total"])


def test_pages_say_how_many_are_done_and_how_many_withdrawn(client, lead, inspection, plan):
    client.force_login(lead)

    assert "2 of 5, 1 withdrawn" in client.get("/inspections/").content.decode()
    assert "2 of 5 actions done, 1 withdrawn" in client.get(f"/inspections/{inspection.slug}/").content.decode()
    assert "2 of 5 actions done, 1 withdrawn" in client.get(f"/findings/{plan.pk}/").content.decode()
    dashboard = client.get("/").content.decode()
    assert f'1<span class="visually-hidden"> actions withdrawn on {inspection.title}</span>' in dashboard


def test_a_plan_with_nothing_withdrawn_says_nothing_of_withdrawals(client, lead, inspection, owner):
    finding = factories.FindingFactory(inspection=inspection)
    factories.ActionFactory(finding=finding, owner=owner, signed_off=True)
    factories.ActionFactory(finding=finding, owner=owner)
    client.force_login(lead)

    assert "1 of 2</td>" in client.get("/inspections/").content.decode()
    assert "1 of 2 actions done</span>" in client.get(f"/findings/{finding.pk}/").content.decode()


# The burn-up ----------------------------------------------------------------------------


def test_burn_up_keeps_withdrawn_actions_in_the_scope_and_counts_them_apart(inspection, plan):
    points = charts.burn_up(charts.burn_up_history(inspection))

    assert points == [
        charts.Point(datetime.date(2025, 3, 1), done=0, scope=3, withdrawn=0),
        charts.Point(datetime.date(2025, 3, 10), done=0, scope=5, withdrawn=0),
        charts.Point(datetime.date(2025, 4, 1), done=1, scope=5, withdrawn=0),
        charts.Point(datetime.date(2025, 4, 15), done=2, scope=5, withdrawn=1),
    ]


def test_burn_up_drops_a_deleted_action_from_the_scope_and_counts_done_once():
    def at(day):
        return timezone.make_aware(datetime.datetime(2025, 1, day, 9))

    rows = [
        (1, "+", "not_started", at(1)),
        (2, "+", "not_started", at(1)),
        (1, "~", "signed_off", at(5)),
        (1, "~", "signed_off", at(9)),  # a later save of a signed-off action
        (2, "-", "not_started", at(9)),
    ]

    assert charts.burn_up(rows) == [
        charts.Point(datetime.date(2025, 1, 1), 0, 2),
        charts.Point(datetime.date(2025, 1, 5), 1, 2),
        charts.Point(datetime.date(2025, 1, 9), 1, 1),
    ]


def test_burn_up_chart_and_table_show_withdrawn_actions(client, auditor, inspection, plan):
    client.force_login(auditor)

    html = client.get(f"/inspections/{inspection.slug}/").content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "from 0 of 3 on 1 March 2025 to 2 of 5, 1 withdrawn, on 15 April 2025" in svg
    assert svg.count("<path") == 3
    assert ">Actions withdrawn</text>" in svg
    cells = r'<td class="numeric">(\d+)</td>'
    rows = re.findall(rf'<tr><th scope="row">([^<]+)</th>{cells}{cells}{cells}</tr>', html)
    assert rows == [
        ("1 March 2025", "0", "0", "3"),
        ("10 March 2025", "0", "0", "5"),
        ("1 April 2025", "1", "0", "5"),
        ("15 April 2025", "2", "1", "5"),
    ]


def test_burn_up_draws_no_withdrawn_line_when_none_is_withdrawn():
    points = [charts.Point(datetime.date(2025, 1, 1), 0, 2), charts.Point(datetime.date(2025, 2, 1), 1, 2)]

    svg = charts.burn_up_svg(points, today=datetime.date(2025, 3, 1), title="Plan")

    assert svg.count("<path") == 2
    assert "withdrawn" not in svg
