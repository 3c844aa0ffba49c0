"""An edit that does not choose another owner keeps the action's owner, even one who has since lost the
Action owner role (found by trying it: the list's first name used to take the action)."""

import re

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_editing_the_description_keeps_an_owner_who_has_lost_the_role(client, lead):
    action = factories.ActionFactory(owner=factories.OwnerFactory(first_name="Nadia", last_name="Brook"))
    factories.OwnerFactory(first_name="Aaron", last_name="Abbott")  # first on the list of possible owners
    action.owner.groups.clear()  # moved to another job: no longer an Action owner
    client.force_login(lead)
    url = reverse("tracker:action-edit", args=[action.pk])

    page = client.get(url).content.decode()
    selected = re.search(r'<option value="(\d+)"[^>]*selected', page)
    assert selected and int(selected.group(1)) == action.owner_id, "the owner it has is the one shown"

    client.post(
        url,
        {
            "title": action.title,
            "description": "Reworded.",
            "owner": action.owner_id,
            "reason": "Fix wording",
            "version": action.version,
        },
    )

    action.refresh_from_db()
    assert action.description == "Reworded." and str(action.owner) == "Nadia Brook"
    assert action.history.first().owner_id == action.owner_id


@pytest.mark.django_db
def test_the_action_cannot_be_given_to_someone_else_without_the_role(client, lead):
    action = factories.ActionFactory()
    stranger = factories.UserFactory()
    client.force_login(lead)

    response = client.post(
        reverse("tracker:action-edit", args=[action.pk]),
        {"title": action.title, "owner": stranger.pk, "reason": "Cover", "version": action.version},
    )

    action.refresh_from_db()
    assert response.status_code == 400 and action.owner_id != stranger.pk
