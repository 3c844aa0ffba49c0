"""What the workflow tests share: the roles each rule is tried with, actions in a state, and moves on a given day."""

import datetime

from django.utils import timezone

from tests import factories
from tracker import clock, services
from tracker.models import Action

S = Action.Status
ROLES = ["owner", "other_owner", "lead", "reviewer", "auditor", "administrator"]


def action_in(status, owner, **kwargs):
    return factories.ActionFactory(owner=owner, **factories.STATUS_TRAITS[status], **kwargs)


def latest_history(action):
    return action.history.order_by("-history_id").first()


def on(day: datetime.date):
    """Hold the clock at noon on `day`: everything the services write inside the block happened then."""
    return clock.held_at(timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))))


def take_to_sign_off(action, *, owner, reviewer) -> None:
    """Start, evidence, submit and sign off, through the services."""
    services.record_progress(action, by=owner, note="Started", move_to=Action.Status.IN_PROGRESS)
    services.add_evidence(action, by=owner, title="Audit", url="https://intranet.example/audit")
    services.submit_for_sign_off(action, by=owner)
    services.sign_off_action(action, by=reviewer)


def decide_on_the_site(client, action, decision: str, comment: str = ""):
    """A reviewer's decision as the site takes it: the question ("sign_off" or "return"), then the check
    page's confirmation. The answer to the question must be valid; the confirmation's response is returned."""
    answered = client.post(f"/actions/{action.pk}/sign-off/", {"decision": decision, "comment": comment})
    assert answered.status_code == 302, answered.content.decode()
    assert answered.url == f"/actions/{action.pk}/sign-off/check/"
    return client.post(answered.url)


def withdraw_on_the_site(client, action, reason: str):
    """A lead's withdrawal as the site takes it: the reason, then the check page's confirmation."""
    answered = client.post(f"/actions/{action.pk}/withdraw/", {"reason": reason})
    assert answered.status_code == 302, answered.content.decode()
    return client.post(answered.url)
