"""The action list's filters on derived states: the RAG rating in SQL agreeing with Action.rag(), and
returned, drifting and waiting for an extension as the dashboards link to them; and pagination keeping
the filters. Each test builds just the actions it needs."""

import re

import pytest
from django.utils import timezone

from tests import factories
from tests.action_lists import S, day, listed, make_action
from tracker.models import ExtensionRequest, SignOff

# RAG in SQL must agree with Action.rag() -------------------------------------------------

DUE_OFFSETS = [-30, -1, 0, 1, 13, 14, 15, 60]


@pytest.mark.parametrize("due_in", DUE_OFFSETS)
@pytest.mark.parametrize("status", list(S))
def test_rag_filter_matches_the_model(signed_in, status, due_in):
    action = make_action(status, due_in=due_in)
    expected = action.rag(timezone.localdate())

    for rag in ["red", "amber", "green", "complete"]:
        titles = listed(signed_in.get("/actions/", {"rag": rag}))
        assert (action.title in titles) == (rag == expected), f"{status} due in {due_in} days: rag={rag}"


def test_rag_follows_the_due_soon_setting(signed_in, settings):
    settings.TRACKER_DUE_SOON_DAYS = 30
    make_action(title="Due in three weeks", due_in=21)

    assert listed(signed_in.get("/actions/", {"rag": "amber"})) == {"Due in three weeks"}


# Filters the dashboards link to ------------------------------------------------------------


def test_returned_lists_actions_whose_latest_decision_is_a_return(signed_in, reviewer, lead):
    returned = make_action(S.IN_PROGRESS, title="Returned once")
    factories.SignOffFactory(action=returned, decision=SignOff.Decision.RETURN, comment="No evidence of training")
    resubmitted = make_action(S.SUBMITTED, title="Returned then resubmitted")
    factories.SignOffFactory(action=resubmitted, decision=SignOff.Decision.RETURN, comment="Add the audit")
    make_action(S.IN_PROGRESS, title="Never submitted")

    response = signed_in.get("/actions/?returned=1")

    assert listed(response) == {"Returned once"}
    assert "returned by the PCC&#x27;s office" in response.content.decode()
    assert '<input type="hidden" name="returned" value="1">' in response.content.decode()


def test_drifting_and_pending_extension_filters(signed_in, lead):
    drifting = make_action(S.IN_PROGRESS, title="Extended twice")
    for _ in range(2):
        factories.ExtensionRequestFactory(
            action=drifting, status=ExtensionRequest.Status.APPROVED, decided_by=lead, decided_at=timezone.now()
        )
    waiting = make_action(S.IN_PROGRESS, title="Waiting for more time")
    factories.ExtensionRequestFactory(action=waiting)
    done = make_action(S.SIGNED_OFF, title="Extended but signed off")
    factories.ExtensionRequestFactory(
        action=done, status=ExtensionRequest.Status.APPROVED, decided_by=lead, decided_at=timezone.now()
    )

    assert listed(signed_in.get("/actions/?drifting=1")) == {"Extended twice"}
    assert listed(signed_in.get("/actions/?pending_extension=1")) == {"Waiting for more time"}


# Pagination -------------------------------------------------------------------------------


def test_pagination_keeps_the_filters(signed_in, db):
    factories.ActionFactory.create_batch(55, in_progress=True, due_date=day(30), finding=factories.FindingFactory())
    factories.ActionFactory.create_batch(3, due_date=day(30), finding=factories.FindingFactory())

    first = signed_in.get("/actions/?status=in_progress")
    html = first.content.decode()
    assert len(first.context["page"]) == 50
    assert "55 actions" in html
    assert "Page 1 of 2" in html
    next_link = re.search(r'href="\?([^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert next_link == "status=in_progress&page=2"

    second = signed_in.get(f"/actions/?{next_link}")
    html = second.content.decode()
    assert len(second.context["page"]) == 5
    assert all(action.status == S.IN_PROGRESS for action in second.context["page"])
    assert "Page 2 of 2" in html
    assert 'href="?status=in_progress&amp;page=1" rel="prev"' in html
    assert 'href="?status=in_progress&amp;format=csv"' in html
