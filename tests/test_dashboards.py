"""The dashboard at /: a section per role, every count a link to exactly the actions it counts."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tracker import permissions
from tracker.models import Action, ExtensionRequest, SignOff

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db

S = Action.Status
TRAITS = factories.STATUS_TRAITS
DUE_OFFSETS = [-20, -1, 0, 7, 14, 15, 60]
COUNT_LINK = re.compile(r'<a (?:class="[^"]*" )?href="([^"]+)" data-count="(\d+)"')


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def make_action(status=S.NOT_STARTED, due_in: int = 60, **kwargs) -> Action:
    return factories.ActionFactory(status=status, due_date=day(due_in), **TRAITS[status], **kwargs)


def approve_extension(action, lead):
    factories.ExtensionRequestFactory(
        action=action, status=ExtensionRequest.Status.APPROVED, decided_by=lead, decided_at=timezone.now()
    )


def return_action(action, reviewer):
    factories.SignOffFactory(
        action=action, decision=SignOff.Decision.RETURN, comment="Show the audit", decided_by=reviewer
    )


def build_plan(size: int, *, owner, lead, reviewer) -> None:
    """`size` actions spread over every status, due date and state the dashboards count; half are the owner's."""
    other = factories.OwnerFactory()
    inspections = [
        factories.InspectionFactory(published=datetime.date(2016, 11, 1)),
        factories.InspectionFactory(published=day(-10)),
        factories.InspectionFactory(published=day(-100)),
        factories.InspectionFactory(published=day(-200), response_published=day(-150)),
    ]
    findings = [factories.FindingFactory(inspection=inspection) for inspection in inspections]
    for number in range(size):
        status = list(S)[number % len(S)]
        action = make_action(
            status,
            DUE_OFFSETS[number % len(DUE_OFFSETS)],
            owner=owner if number % 2 == 0 else other,
            created_by=lead,
            finding=findings[number % len(findings)],
        )
        if action.is_open and number % 4 == 0:
            approve_extension(action, lead)
        if status in (S.NOT_STARTED, S.BLOCKED) and number % 5 == 0:
            factories.ExtensionRequestFactory(action=action)
        if status in (S.IN_PROGRESS, S.SUBMITTED) and number % 3 == 0:
            return_action(action, reviewer)  # in progress: returned; submitted: returned, then resubmitted
        if number % 3 == 0:
            action._history_user = lead
            action._change_reason = "Owner changed after the restructure"
            action.save()
    for inspection in inspections[: 1 + size // 20]:
        factories.FindingFactory(inspection=inspection, reference=f"AFI-unallocated-{inspection.pk}")


@pytest.fixture
def plan(owner, lead, reviewer):
    build_plan(30, owner=owner, lead=lead, reviewer=reviewer)


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def count_links(page: str) -> list[tuple[str, int]]:
    return [(html.unescape(url), int(count)) for url, count in COUNT_LINK.findall(page)]


def card_count(page: str, label: str) -> int:
    match = re.search(rf"<h3>{re.escape(label)}</h3>\s*<a [^>]*data-count=\"(\d+)\"", page)
    assert match, f"no card {label!r}"
    return int(match.group(1))


def test_dashboard_requires_sign_in(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# Each role's sections ---------------------------------------------------------------------


SECTIONS = {
    "owner": '<h2 id="owner-title">Your actions</h2>',
    "lead": '<h2 id="lead-title">The improvement plan</h2>',
    "reviewer": '<h2 id="reviewer-title">The PCC\'s office</h2>',
    "auditor": '<h2 id="auditor-title">Recent changes to actions</h2>',
}


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        ("owner", {"owner"}),
        ("lead", {"owner", "lead"}),  # a lead owns actions too
        ("reviewer", {"reviewer"}),
        ("auditor", {"auditor"}),
        ("administrator", {"auditor"}),
    ],
)
def test_each_role_sees_its_sections(client, plan, request, role, sections):
    page = dashboard(client, request.getfixturevalue(role))

    assert page.count("<h1") == 1
    for section, heading in SECTIONS.items():
        assert (heading in page) == (section in sections), section


def test_a_person_with_several_roles_sees_each_section(client, plan):
    person = factories.OwnerFactory(username="owner-and-reviewer")
    person.groups.add(Group.objects.get(name=permissions.REVIEWER))

    page = dashboard(client, person)

    assert "Your actions</h2>" in page
    assert "The PCC's office</h2>" in page
    assert "Recent changes to actions</h2>" not in page


def test_a_person_with_no_role_is_told_whom_to_ask(client, db):
    factories.AdministratorFactory(username="it", first_name="Alex", last_name="Admin", job_title="System owner")
    make_action(title="Not for your eyes")

    page = dashboard(client, factories.UserFactory(username="newcomer"))

    assert "<h1>You do not have a role yet</h1>" in page
    assert "Alex Admin, System owner" in page
    assert "Not for your eyes" not in page
    assert "data-count" not in page


# Every count is a link to exactly what it counts ------------------------------------------


@pytest.mark.parametrize("role", ["owner", "lead", "reviewer"])
def test_every_count_links_to_a_list_of_that_many_actions(client, plan, request, role):
    page = dashboard(client, request.getfixturevalue(role))
    links = count_links(page)

    assert len(links) >= 5
    assert sum(count for _, count in links) > 0
    for url, count in links:
        assert url.startswith(("/actions/?", "/actions/mine/?"))
        listed = client.get(url)
        assert listed.status_code == 200
        assert not listed.context["form"].errors, url
        assert listed.context["page"].paginator.count == count, url


def test_owner_counts(client, owner, reviewer):
    make_action(S.IN_PROGRESS, -1, owner=owner)  # red
    make_action(S.BLOCKED, 60, owner=owner)  # amber: blocked
    make_action(S.NOT_STARTED, 14, owner=owner)  # amber: due soon
    make_action(S.NOT_STARTED, 15, owner=owner)  # green
    make_action(S.SIGNED_OFF, -5, owner=owner)  # complete
    make_action(S.WITHDRAWN, -5, owner=owner)  # no RAG
    returned = make_action(S.IN_PROGRESS, 30, owner=owner)  # green, and returned
    return_action(returned, reviewer)
    make_action(S.IN_PROGRESS, -1)  # someone else's

    page = dashboard(client, owner)

    assert card_count(page, "Red: overdue") == 1
    assert card_count(page, "Amber: at risk") == 2
    assert card_count(page, "Green: on track") == 2
    assert card_count(page, "Complete") == 1
    assert card_count(page, "Returned to you by the PCC&#x27;s office") == 1


def test_lead_sees_progress_waiting_extensions_and_unallocated_findings(client, lead, owner):
    inspection = factories.InspectionFactory(slug="peel-2016", title="PEEL effectiveness 2016")
    finding = factories.FindingFactory(inspection=inspection)
    make_action(S.SIGNED_OFF, -5, finding=finding)
    make_action(S.IN_PROGRESS, -5, finding=finding)
    drifting = make_action(S.IN_PROGRESS, 30, finding=finding, title="Stalking audit")
    approve_extension(drifting, lead)
    factories.ExtensionRequestFactory(action=drifting, requested_by=owner)
    factories.FindingFactory(inspection=inspection, reference="AFI9", title="Evidence base")

    page = dashboard(client, lead)

    assert '<a href="/actions/?inspection=peel-2016" data-count="3">' in page
    assert '<a href="/actions/?inspection=peel-2016&amp;status=signed_off" data-count="1">' in page
    assert "33%" in page
    assert card_count(page, "Overdue actions") == 1
    assert card_count(page, "Drifting: due date extended") == 1
    assert card_count(page, "Extension requests waiting") == 1
    assert f'<a href="/actions/{drifting.pk}/">Stalking audit</a>' in page
    assert "Findings awaiting allocation: 1" in page
    assert '<a href="/inspections/peel-2016/">AFI9: Evidence base</a>' in page


def test_lead_lists_are_cut_short_with_a_link_to_the_rest(client, lead):
    inspection = factories.InspectionFactory(slug="long-plan")
    for number in range(21):
        factories.ExtensionRequestFactory(action=make_action(S.IN_PROGRESS, title=f"Waiting {number}"))
        factories.FindingFactory(inspection=inspection, reference=f"R{number}")

    page = dashboard(client, lead)

    assert page.count("asked on") == 10
    assert '<a href="/actions/?pending_extension=1" data-count="21">All 21 actions' in page
    assert "Findings awaiting allocation: 21" in page
    assert "And 11 more: see each inspection's page." in page


def test_lead_sees_the_latest_inspections_progress_and_a_link_to_every_one(client, lead):
    for year in range(2010, 2022):
        finding = factories.FindingFactory(
            inspection__title=f"PEEL {year}", inspection__published=datetime.date(year, 3, 1)
        )
        make_action(S.SIGNED_OFF, finding=finding)
        make_action(S.IN_PROGRESS, finding=finding)

    page = dashboard(client, lead)

    assert "Progress by inspection: the 10 published most recently" in page
    assert re.findall(r">PEEL (\d{4})</a>", page) == [str(y) for y in range(2021, 2011, -1)]
    assert "PEEL 2011" not in page and "PEEL 2010" not in page
    assert '<a href="/inspections/">All 12 inspections, with their progress</a>' in page
    assert page.count("50%") == 10


def test_lead_sees_every_inspection_when_there_are_few(client, lead):
    make_action(S.IN_PROGRESS)

    page = dashboard(client, lead)

    assert "<caption>Progress by inspection</caption>" in page
    assert '<a href="/inspections/">All' not in page


def test_reviewer_sees_queue_clocks_progress_and_red_items(client, reviewer):
    factories.InspectionFactory(title="Old report", published=datetime.date(2016, 11, 1))
    factories.InspectionFactory(title="New report", published=day(-10))
    factories.InspectionFactory(title="Late report", published=day(-60))
    factories.InspectionFactory(title="Answered report", published=day(-80), response_published=day(-30))
    for _ in range(12):
        make_action(S.IN_PROGRESS, -3)
    make_action(S.SUBMITTED, 30)

    page = dashboard(client, reviewer)

    assert card_count(page, "Waiting for sign-off") == 1
    assert '<a href="/review/">Go to the sign-off queue</a>' in page
    assert "No statutory deadline (published before 2 May 2017)" in page
    assert "45 days left" in page  # published 10 days ago: due on day 56, counting publication as day 1
    assert "5 days overdue" in page
    assert "Answered report" not in page
    assert card_count(page, "In progress") == 12
    assert page.count('<td class="numeric" data-label="Days overdue">3</td>') == 10  # the ten most overdue, 3 days each
    assert '<a href="/actions/?rag=red" data-count="12">All 12 red actions</a>' in page


def test_auditor_sees_recent_changes_with_who_and_why(client, auditor, lead):
    action = make_action(title="Review stalking cases")
    action._history_user = lead
    action._change_reason = "Owner changed after the restructure"
    action.save()

    page = dashboard(client, auditor)

    assert str(lead) in page
    assert "Changed: Owner changed after the restructure" in page
    assert f'<a href="/actions/{action.pk}/">Review stalking cases</a>' in page
    assert f'href="/admin/tracker/action/{action.pk}/history/"' in page
    assert 'href="/admin/"' in page


def test_auditor_sees_only_the_latest_twenty_changes(client, auditor):
    for number in range(25):
        make_action(title=f"Action number {number}")

    page = dashboard(client, auditor)

    assert "Action number 24" in page
    assert "Action number 4<" not in page
    assert page.count("Status then:") == 20


# Query counts -----------------------------------------------------------------------------


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["owner", "lead", "reviewer", "auditor", "administrator", "nobody"])
def test_query_count_does_not_grow_with_the_plan(client, owner, lead, reviewer, request, role):
    user = factories.UserFactory(username="nobody") if role == "nobody" else request.getfixturevalue(role)
    client.force_login(user)
    build_plan(10, owner=owner, lead=lead, reviewer=reviewer)
    small = queries_for(client)

    build_plan(60, owner=owner, lead=lead, reviewer=reviewer)

    assert Action.objects.count() == 70
    assert queries_for(client) == small


# Every page: session, user, the user's permissions, its groups' permissions. Then:
# owner: the owner's counts, the owner's to-do list.
# lead: the owner's counts and to-do list, inspections counted, the latest inspections with progress, four counts
#   of the plan (overdue, drifting, inactive, extensions waiting), unallocated findings counted and
#   listed, waiting extension requests.
# reviewer: counts by status, the red count, inspections awaiting a PCC response, the red list.
# auditor: the latest history rows with their users.
# nobody: the administrators to ask.
# And last, the session saved again (savepoint, update, release) to push back its idle expiry.
QUERIES = {"owner": 9, "lead": 18, "reviewer": 11, "auditor": 8, "nobody": 8}


@pytest.mark.parametrize(("role", "expected"), QUERIES.items())
def test_query_count_is_pinned(client, owner, lead, reviewer, request, django_assert_num_queries, role, expected):
    user = factories.UserFactory(username="nobody") if role == "nobody" else request.getfixturevalue(role)
    client.force_login(user)
    build_plan(10, owner=owner, lead=lead, reviewer=reviewer)

    with django_assert_num_queries(expected):
        client.get("/")
