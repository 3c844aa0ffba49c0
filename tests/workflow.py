"""What the workflow tests (test_workflow_*.py) share: the roles each rule is tried with, and actions in a state."""

from tests import factories
from tracker.models import Action

S = Action.Status
ROLES = ["owner", "other_owner", "lead", "reviewer", "auditor", "administrator"]


def action_in(status, owner, **kwargs):
    return factories.ActionFactory(owner=owner, **factories.STATUS_TRAITS[status], **kwargs)


def latest_history(action):
    return action.history.order_by("-history_id").first()
