"""The PCC office's pages: the sign-off queue and the Police and Crime Panel report."""

import datetime
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.html import escape

from tests import factories
from tests.test_inspections import main_text, query_count
from tracker import permissions, services
from tracker.models import Action, ExtensionRequest, ProgressUpdate

# Some tests reach their users through request.getfixturevalue, which pytest-django cannot see.
pytestmark = pytest.mark.django_db

S = Action.Status
ROLES = ["owner", "lead", "reviewer", "auditor"]


@pytest.fixture
def nobody(db):
    return factories.UserFactory(username="nobody")


@pytest.fixture
def today():
    return timezone.localdate()


def days(today, n):
    return today + datetime.timedelta(days=n)


def submitted(finding, owner, when):
    """An action submitted through the services, dated when."""
    action = factories.ActionFactory(finding=finding, owner=owner, in_progress=True)
    factories.EvidenceFactory(action=action)
    services.submit_for_sign_off(action, by=owner)
    ProgressUpdate.objects.filter(action=action, status_to=S.SUBMITTED).update(created_at=when)
    Action.objects.filter(pk=action.pk).update(submitted_at=when)
    return action


# The sign-off queue -----------------------------------------------------------------------


def test_reviewer_sees_the_queue(client, reviewer):
    client.force_login(reviewer)

    response = client.get("/review/")

    assert response.status_code == 200
    assert "Nothing is waiting for sign-off." in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "lead", "nobody"])
def test_only_the_pcc_office_and_auditors_see_the_queue(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/review/")

    assert response.status_code == 403
    assert "Only the PCC&#x27;s office and auditors can see the sign-off queue." in response.content.decode()


def test_queue_lists_submitted_actions_oldest_submission_first(client, reviewer, owner, other_owner):
    finding = factories.FindingFactory(reference="AFI3")
    newer = submitted(finding, owner, timezone.now() - datetime.timedelta(days=1))
    older = submitted(finding, other_owner, timezone.now() - datetime.timedelta(days=5))
    factories.EvidenceFactory(action=older, url="https://intranet.example/second")
    factories.ActionFactory(finding=finding, owner=owner, in_progress=True)  # not submitted
    client.force_login(reviewer)

    response = client.get("/review/")

    actions = response.context["actions"]
    assert actions == [older, newer]
    assert [a.evidence_count for a in actions] == [2, 1]
    assert [a.submitted_by for a in actions] == [other_owner, owner]
    html = main_text(response)
    assert html.index(older.title) < html.index(newer.title)
    assert "AFI3" in html
    assert escape(other_owner) in html
    assert f'href="/actions/{older.pk}/">Review and decide' in html


def test_queue_marks_actions_the_reviewer_may_not_decide(client, owner):
    both = factories.ReviewerFactory(username="both-roles")
    both.groups.add(Group.objects.get(name=permissions.OWNER))
    finding = factories.FindingFactory()
    own = submitted(finding, both, timezone.now() - datetime.timedelta(days=3))
    others = submitted(finding, owner, timezone.now() - datetime.timedelta(days=2))
    client.force_login(both)

    response = client.get("/review/")

    marks = {action.pk: action.is_conflicted for action in response.context["actions"]}
    assert marks == {own.pk: True, others.pk: False}
    html = main_text(response)
    assert "Not yours to decide" in html
    assert f'href="/actions/{own.pk}/">Review and decide' not in html
    assert f'href="/actions/{others.pk}/">Review and decide' in html


def test_queue_runs_the_same_queries_however_many_rows(client, reviewer, owner):
    def grow(size):
        for _ in range(size):
            submitted(factories.FindingFactory(), owner, timezone.now())
            factories.ActionFactory(owner=owner, submitted=True)  # no submission note: falls back to updated_at

    client.force_login(reviewer)
    grow(1)
    small = query_count(client, "/review/")

    grow(9)
    large = query_count(client, "/review/")

    assert small == large


def test_queue_is_shown_a_page_at_a_time_oldest_first(client, reviewer, owner):
    finding = factories.FindingFactory()
    now = timezone.now()
    queue = [submitted(finding, owner, now - datetime.timedelta(hours=n)) for n in range(26, 0, -1)]
    client.force_login(reviewer)

    first = client.get("/review/")
    second = client.get("/review/?page=2")

    assert first.context["actions"] == queue[:25]
    assert second.context["actions"] == queue[25:]
    assert "26 waiting" in main_text(first)
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert 'href="?page=1" rel="prev"' in second.content.decode()


# The panel report -------------------------------------------------------------------------


@pytest.fixture
def names(db):
    """Distinctive staff names, so that a name in the page can only have come from one of them."""
    return {
        "owner": factories.OwnerFactory(username="pr", first_name="Priya", last_name="Ransome"),
        "author": factories.LeadFactory(username="ah", first_name="Agnes", last_name="Holloway"),
        "reviewer": factories.ReviewerFactory(username="tf", first_name="Tobias", last_name="Fairweather"),
        "viewer": factories.AuditorFactory(username="va", first_name="Vera", last_name="Auditwell"),
    }


@pytest.fixture
def plan(names, today):
    """One action in every status and RAG, with notes, an extension and a recent sign-off."""
    owner, author, reviewer = names["owner"], names["author"], names["reviewer"]
    inspection = factories.InspectionFactory(
        title="PEEL 2016 effectiveness", slug="peel-2016", published=days(today, -400)
    )
    finding = factories.FindingFactory(inspection=inspection, reference="AFI1")
    factories.FindingFactory(inspection=inspection, reference="AFI2", title="Stalking and harassment")
    soon = settings.TRACKER_DUE_SOON_DAYS

    def action(due_in, **traits):
        return factories.ActionFactory(finding=finding, owner=owner, due_date=days(today, due_in), **traits)

    late = action(-5, in_progress=True, title="Retrain call handlers in THRIVE")
    action(-1, blocked=True)  # red: past due beats blocked
    action(0, in_progress=True)  # amber: due today
    action(soon, title="Due at the edge of soon")  # amber
    action(60, blocked=True)  # amber: blocked
    action(soon + 1, in_progress=True)  # green
    action(30, submitted=True)  # green
    done = action(-100, in_progress=True)
    services.add_evidence(done, by=owner, title="Audit", url="https://intranet.example/audit")
    services.submit_for_sign_off(done, by=owner)
    services.sign_off_action(done, by=reviewer)  # complete
    action(-100, withdrawn=True)  # no RAG

    first = ProgressUpdate.objects.create(action=late, author=owner, note="Training venue booked.")
    latest = ProgressUpdate.objects.create(action=late, author=author, note="Trainer off sick: new dates sought.")
    ProgressUpdate.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=20))
    ProgressUpdate.objects.filter(pk=latest.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    factories.ExtensionRequestFactory(
        action=late,
        status=ExtensionRequest.Status.APPROVED,
        decided_by=author,
        decided_at=timezone.now(),
        previous_due_date=days(today, -30),
    )
    return inspection


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("query", ["", "?public=1"])
def test_panel_report_renders_for_every_role(client, request, role, query, plan):
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/reports/panel/{query}")

    assert response.status_code == 200
    assert response.content.decode().count("<h1>") == 1
    assert plan.title in response.content.decode()
    assert f"It covers the plan's one inspection: {plan.title}." in response.content.decode()


def test_panel_report_is_not_found_without_a_role(client, nobody):
    client.force_login(nobody)

    assert client.get("/reports/panel/").status_code == 404
    assert client.get("/reports/panel/?public=1").status_code == 404


def test_panel_report_counts_actions_by_status_and_rag(client, names, plan, today):
    client.force_login(names["viewer"])

    response = client.get("/reports/panel/")

    [inspection] = response.context["inspections"]
    assert inspection.total == 9
    assert dict(inspection.by_status) == {
        "Not started": 1,
        "In progress": 3,
        "Blocked": 2,
        "Submitted for sign-off": 1,
        "Signed off": 1,
        "Withdrawn": 1,
    }
    rag = dict(inspection.by_rag)
    assert rag == {"red": 2, "amber": 3, "green": 2, "complete": 1}
    # The database's counts agree with Action.rag, the rule's own definition.
    by_model = Counter(action.rag(today) for action in Action.objects.all())
    assert rag == {key: by_model[key] for key in rag}
    assert inspection.drift == 1
    html = main_text(response)
    assert f'id="rag-{inspection.pk}-red">2<' in html
    assert f'id="rag-{inspection.pk}-amber">3<' in html


def test_panel_report_lists_red_items_with_their_latest_note(client, names, plan):
    client.force_login(names["viewer"])

    response = client.get("/reports/panel/")

    [inspection] = response.context["inspections"]
    assert inspection.red[0].title == "Retrain call handlers in THRIVE"
    assert len(inspection.red) == 2
    html = main_text(response)
    assert "Trainer off sick: new dates sought." in html
    assert "Training venue booked." not in html
    assert "5 days overdue" in html
    assert "No progress notes yet" in html


def test_panel_report_lists_findings_awaiting_allocation(client, names, plan):
    client.force_login(names["viewer"])

    html = main_text(client.get("/reports/panel/"))

    assert "AFI2: Stalking and harassment" in html


def test_staff_version_names_owners_authors_and_reviewers(client, names, plan):
    client.force_login(names["viewer"])

    html = main_text(client.get("/reports/panel/"))

    assert "Priya Ransome" in html
    assert "Agnes Holloway" in html
    assert "Tobias Fairweather" in html
    assert 'href="/reports/panel/?inspection=peel-2016&amp;public=1"' in html
    assert "Generated on" in html


def test_public_version_names_no_staff(client, names, plan):
    client.force_login(names["viewer"])

    response = client.get("/reports/panel/?public=1")

    html = response.content.decode()
    for person in ("owner", "author", "reviewer", "viewer"):
        user = names[person]
        assert user.first_name not in html
        assert user.last_name not in html
    assert "This is the public version." in html
    assert 'href="/reports/panel/?inspection=peel-2016"' in html
    assert '<input type="hidden" name="public" value="1">' in html
    # Only counts and what someone chose to publish: no progress note, no action written for internal use.
    assert "Trainer off sick: new dates sought." not in html
    assert "Retrain call handlers in THRIVE" not in html
    assert f'id="rag-{plan.pk}-red">2<' in html


def test_panel_report_covers_the_latest_inspection_until_asked_for_another(client, names, plan, today):
    older = factories.InspectionFactory(title="Crime data integrity 2014", slug="cdi-2014", published=days(today, -900))
    factories.ActionFactory(finding__inspection=older, owner=names["owner"], due_date=days(today, -9))
    client.force_login(names["viewer"])

    latest = client.get("/reports/panel/")
    chosen = client.get("/reports/panel/?inspection=cdi-2014")
    every = client.get("/reports/panel/?inspection=all")

    assert [i.slug for i in latest.context["inspections"]] == ["peel-2016"]
    assert "It covers one inspection of 2: PEEL 2016 effectiveness." in main_text(latest)
    assert '<option value="peel-2016" selected>' in main_text(latest)
    assert [i.slug for i in chosen.context["inspections"]] == ["cdi-2014"]
    assert "Retrain call handlers in THRIVE" not in main_text(chosen)
    assert [i.slug for i in every.context["inspections"]] == ["peel-2016", "cdi-2014"]
    assert "It covers every inspection: 2." in main_text(every)
    assert '<option value="all" selected>' in main_text(every)


@pytest.mark.parametrize("query", ["?inspection=no-such-report", "?inspection=", "?inspection=all&inspection=x"])
def test_panel_report_refuses_an_unknown_inspection_plainly(client, names, plan, query):
    client.force_login(names["viewer"])

    response = client.get(f"/reports/panel/{query}")

    assert response.status_code == 400
    html = main_text(response)
    assert "There is a problem" in html
    assert "Choose an inspection" in html
    assert response.context["inspections"] == []
    assert "No inspections yet" not in html


def test_panel_report_with_no_inspections_says_so(client, names):
    client.force_login(names["viewer"])

    response = client.get("/reports/panel/")

    assert response.status_code == 200
    assert "No inspections yet." in main_text(response)


@pytest.mark.parametrize("query", ["", "?public=1", "?inspection=all"])
def test_panel_report_runs_the_same_queries_however_many_rows(client, names, plan, today, query):
    def grow(size):
        for _ in range(size):
            inspection = factories.InspectionFactory()
            finding = factories.FindingFactory(inspection=inspection)
            factories.FindingFactory(inspection=inspection)
            late = factories.ActionFactory(finding=finding, owner=names["owner"], due_date=days(today, -3))
            factories.ProgressUpdateFactory(action=late)
            factories.ProgressUpdateFactory(action=late)
            factories.ExtensionRequestFactory(
                action=late,
                status=ExtensionRequest.Status.APPROVED,
                decided_by=names["author"],
                decided_at=timezone.now(),
                previous_due_date=days(today, -30),
            )
            factories.SignOffFactory(action__finding=finding, action__owner=names["owner"])

    client.force_login(names["viewer"])
    grow(1)
    small = query_count(client, f"/reports/panel/{query}")

    grow(9)
    large = query_count(client, f"/reports/panel/{query}")

    assert small == large
