"""The lead decides an extension where they can read why it was asked for (found by trying the site: the
reason was only on the action page)."""

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
