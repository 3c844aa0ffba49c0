"""Decisions that cannot be undone are made once, on purpose: one question, a page to check the answers that
says what will happen, then the decision; nothing typed is lost on an error or a refusal."""

import html

import pytest

from tests import factories
from tests.pages import discharge_on_the_site, ready_to_discharge
from tests.workflow import S, action_in, decide_on_the_site, withdraw_on_the_site
from tracker import services
from tracker.models import Action, SignOff

pytestmark = pytest.mark.django_db


def question(action):
    return f"/actions/{action.pk}/sign-off/"


def check(action):
    return f"/actions/{action.pk}/sign-off/check/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def submitted(owner):
    return action_in(S.SUBMITTED, owner)


def test_the_reviewer_sees_one_question_with_one_comment_box(client, reviewer, submitted):
    client.force_login(reviewer)

    page = client.get(submitted.get_absolute_url()).content.decode()
    main = page[page.index("<main") :]
    decision = main[main.index(f'action="/actions/{submitted.pk}/sign-off/"') :]
    decision = decision[: decision.index("</form>")]

    assert decision.count("<textarea") == 1
    assert main.count('type="radio"') == 2
    assert 'value="sign_off"' in decision and 'value="return"' in decision
    assert main.count("/sign-off/") == 1, "one form decides"
    assert "/return/" not in main


def test_a_return_goes_through_the_check_page(client, reviewer, submitted):
    client.force_login(reviewer)

    answered = client.post(question(submitted), {"decision": "return", "comment": "Sample one more shift"})
    page = client.get(check(submitted))

    assert answered.status_code == 302 and answered.url == check(submitted)
    assert page.status_code == 200
    shown = text(page)
    assert "<h1>Check your decision</h1>" in shown
    assert "Return to the owner" in shown and "Sample one more shift" in shown
    assert "The action goes back to its owner as in progress" in shown
    assert f'href="{question(submitted)}#id_decision_0"' in shown
    assert f'href="{question(submitted)}#id_comment"' in shown
    # Nothing is decided until the check page's button.
    assert Action.objects.get(pk=submitted.pk).status == S.SUBMITTED
    assert not SignOff.objects.exists()

    decided = client.post(check(submitted))

    assert decided.status_code == 302 and decided.url == submitted.get_absolute_url()
    assert Action.objects.get(pk=submitted.pk).status == S.IN_PROGRESS
    assert SignOff.objects.get().comment == "Sample one more shift"
    assert f"answers:sign-off:{submitted.pk}" not in client.session  # the answers are spent


def test_a_sign_off_goes_through_the_check_page_that_says_it_is_final(client, reviewer, submitted):
    client.force_login(reviewer)
    client.post(question(submitted), {"decision": "sign_off", "comment": ""})

    shown = text(client.get(check(submitted)))
    decided = client.post(check(submitted))

    assert "It is final: the action cannot be changed or reopened afterwards." in shown
    assert '<button type="submit" class="button">Sign off this action</button>' in shown
    assert decided.status_code == 302
    assert Action.objects.get(pk=submitted.pk).status == S.SIGNED_OFF
    assert SignOff.objects.get().decision == SignOff.Decision.APPROVE


def test_an_empty_answer_no_longer_signs_off(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(question(submitted), {})

    assert response.status_code == 400
    assert "Choose whether to sign off the action or return it to the owner" in text(response)
    assert Action.objects.get(pk=submitted.pk).status == S.SUBMITTED


def test_a_return_without_a_comment_keeps_the_choice(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(question(submitted), {"decision": "return", "comment": "  "})

    assert response.status_code == 400
    shown = text(response)
    assert '<a href="#id_comment">Enter a reason for returning it' in shown
    assert 'value="return" id="id_decision_1" checked' in shown.replace("required ", "")
    assert not SignOff.objects.exists()


def test_a_comment_typed_without_a_choice_is_kept(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(question(submitted), {"comment": "The audit covers one shift only"})

    assert response.status_code == 400
    assert "The audit covers one shift only</textarea>" in text(response)


def test_change_opens_the_question_with_the_answers_filled_in(client, reviewer, submitted):
    client.force_login(reviewer)
    client.post(question(submitted), {"decision": "return", "comment": "Which districts?"})

    shown = text(client.get(question(submitted)))

    assert "Which districts?</textarea>" in shown
    assert 'value="return" id="id_decision_1" checked' in shown.replace("required ", "")


def test_the_return_address_asks_the_same_question_with_return_chosen(client, reviewer, submitted):
    client.force_login(reviewer)

    shown = text(client.get(f"/actions/{submitted.pk}/return/"))

    assert "<h1>Decide this action</h1>" in shown
    assert 'value="return" id="id_decision_1" checked' in shown.replace("required ", "")


def test_the_check_page_without_answers_goes_back_to_the_question(client, reviewer, submitted):
    client.force_login(reviewer)

    for response in (client.get(check(submitted)), client.post(check(submitted))):
        assert response.status_code == 302 and response.url == question(submitted)
    assert not SignOff.objects.exists()


def test_a_change_made_meanwhile_is_told_and_the_answers_kept(client, reviewer, lead, submitted):
    client.force_login(reviewer)
    client.post(question(submitted), {"decision": "return", "comment": "Which districts?"})
    services.edit_action(submitted, by=lead, reason="Clearer", title="Dip-sample 100 reviews")

    refused = client.post(check(submitted))

    assert refused.status_code == 400
    shown = text(refused)
    assert "Someone else changed this action after you opened it to decide" in shown
    assert "Dip-sample 100 reviews" in shown and "Nothing has been decided" in shown
    assert "Which districts?" in shown
    assert Action.objects.get(pk=submitted.pk).status == S.SUBMITTED
    # Confirmed again, knowing the change, it goes through.
    assert client.post(check(submitted)).status_code == 302
    assert Action.objects.get(pk=submitted.pk).status == S.IN_PROGRESS


def test_a_decision_taken_from_a_stale_action_page_is_refused(client, reviewer, lead, submitted):
    client.force_login(reviewer)
    seen = submitted.version
    services.edit_action(submitted, by=lead, reason="Clearer", title="Dip-sample 100 reviews")

    client.post(question(submitted), {"decision": "sign_off", "comment": "", "version": seen})
    refused = client.post(check(submitted))

    assert refused.status_code == 400
    assert "Someone else changed this action" in text(refused)
    assert not SignOff.objects.exists()


def test_an_action_decided_by_someone_else_meanwhile_shows_the_refusal_with_the_answers(client, reviewer, submitted):
    client.force_login(reviewer)
    client.post(question(submitted), {"decision": "return", "comment": "Which districts?"})
    services.sign_off_action(submitted, by=factories.ReviewerFactory())

    for response in (client.get(check(submitted)), client.post(check(submitted))):
        shown = text(response)
        assert response.status_code == 400
        assert "Only a submitted action can be signed off or returned; this one is signed off." in shown
        assert "Which districts?" in shown
        assert "Return to the owner</button>" not in shown
    assert SignOff.objects.count() == 1


def test_someone_who_may_not_decide_cannot_open_the_check_page(client, owner, submitted):
    client.force_login(owner)

    for response in (client.get(check(submitted)), client.post(check(submitted))):
        assert response.status_code == 403
        assert "Only a PCC reviewer can sign off" in text(response)


def test_the_shared_helper_decides_as_a_reviewer_would(client, reviewer, submitted):
    client.force_login(reviewer)

    assert decide_on_the_site(client, submitted, "sign_off").status_code == 302
    assert Action.objects.get(pk=submitted.pk).status == S.SIGNED_OFF


# Withdrawing an action and discharging a finding --------------------------------------------


def test_withdrawing_goes_through_the_check_page(client, lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    client.force_login(lead)

    answered = client.post(f"/actions/{action.pk}/withdraw/", {"reason": "Superseded by the new system"})
    shown = text(client.get(answered.url))

    assert answered.url == f"/actions/{action.pk}/withdraw/check/"
    assert "Superseded by the new system" in shown and "it cannot be reopened" in shown
    assert Action.objects.get(pk=action.pk).status == S.IN_PROGRESS
    assert client.post(answered.url).status_code == 302
    assert Action.objects.get(pk=action.pk).status == S.WITHDRAWN


def test_withdrawing_without_a_reason_says_so(client, lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    client.force_login(lead)

    response = client.post(f"/actions/{action.pk}/withdraw/", {"reason": ""})

    assert response.status_code == 400
    assert '<a href="#id_reason">Enter the reason for withdrawing this action</a>' in text(response)


def test_the_shared_helper_withdraws_as_a_lead_would(client, lead, owner):
    action = action_in(S.BLOCKED, owner)
    client.force_login(lead)

    assert withdraw_on_the_site(client, action, "Superseded").status_code == 302
    assert Action.objects.get(pk=action.pk).status == S.WITHDRAWN


def test_discharging_goes_through_the_check_page(client, reviewer, owner, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(reviewer)

    answered = client.post(f"/findings/{finding.pk}/discharge/", {"comment": "It has stuck"})
    shown = text(client.get(answered.url))

    assert "It has stuck" in shown and "It is final" in shown
    assert not SignOff.objects.filter(finding=finding).exists()
    assert client.post(answered.url).status_code == 302
    assert SignOff.objects.get(finding=finding).comment == "It has stuck"


def test_a_finding_reopened_meanwhile_is_not_discharged_and_the_comment_is_kept(client, reviewer, owner, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(reviewer)
    client.post(f"/findings/{finding.pk}/discharge/", {"comment": "It has stuck"})
    factories.ActionFactory(finding=finding, owner=owner)

    response = client.post(f"/findings/{finding.pk}/discharge/check/")

    assert response.status_code == 400
    assert "Every action must be signed off or withdrawn" in text(response)
    assert "It has stuck" in text(response)
    assert not SignOff.objects.filter(finding=finding).exists()


def test_the_shared_helper_discharges_as_a_reviewer_would(client, reviewer, owner, finding):
    ready_to_discharge(finding, owner, reviewer)
    client.force_login(reviewer)

    assert discharge_on_the_site(client, finding).status_code == 302
    assert SignOff.objects.filter(finding=finding).exists()


# The services check the version a decision was made on ---------------------------------------


@pytest.mark.parametrize(
    "decide",
    [
        lambda action, by, version: services.sign_off_action(action, by=by, based_on_version=version),
        lambda action, by, version: services.return_action(action, by=by, comment="Why?", based_on_version=version),
    ],
)
def test_a_decision_on_a_stale_version_is_refused_and_writes_nothing(reviewer, lead, submitted, decide):
    seen = submitted.version
    services.edit_action(submitted, by=lead, reason="Clearer", title="Dip-sample 100 reviews")

    with pytest.raises(services.EditConflict, match="Nothing has been decided"):
        decide(submitted, reviewer, seen)

    assert Action.objects.get(pk=submitted.pk).status == S.SUBMITTED
    assert not SignOff.objects.exists()


def test_a_withdrawal_on_a_stale_version_is_refused(lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    seen = action.version
    services.edit_action(action, by=lead, reason="Clearer", title="Audit grading")

    with pytest.raises(services.EditConflict, match="title"):
        services.withdraw_action(action, by=lead, reason="Superseded", based_on_version=seen)

    assert Action.objects.get(pk=action.pk).status == S.IN_PROGRESS
