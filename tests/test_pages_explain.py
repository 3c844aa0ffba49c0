"""Pages say what a person needs to know where they decide (found by trying the site as a new user): why an
extension was asked for, and why an action cannot be submitted yet."""

import pytest
from django.urls import reverse

from tests import factories
from tests.pages import main_text


@pytest.mark.django_db
def test_the_decision_page_says_who_asked_and_why(client, lead):
    owner = factories.OwnerFactory(first_name="Dan", last_name="Whitlock")
    extension = factories.ExtensionRequestFactory(
        action__owner=owner, reason="Training places <b>are</b> full until January."
    )
    client.force_login(lead)

    page = main_text(client.get(reverse("tracker:extension-decide", args=[extension.pk])))

    assert "Dan Whitlock asked for more time, because:" in page
    assert "Training places &lt;b&gt;are&lt;/b&gt; full until January." in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["not_started", "blocked"])
def test_an_owner_is_told_why_an_action_cannot_be_submitted_yet(client, owner, status):
    action = factories.ActionFactory(owner=owner, status=status)
    client.force_login(owner)

    page = main_text(client.get(action.get_absolute_url()))

    assert "move this one to in progress with a progress note first" in page
    assert f'action="/actions/{action.pk}/submit/"' not in page
